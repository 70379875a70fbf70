"""Label values a metric may carry: each a small fixed vocabulary, never free text.

A handoff's reason is a sentence (the model's own, when it calls the handoff tool), a login's is
the account check's verdict: here each becomes one of a few words, so a label can neither grow
without bound nor carry what a caller said.
"""

from __future__ import annotations

CHANNELS = ("voice", "chat", "terminal")

# Stages of a turn's latency (frontdesk_turn_stage_seconds): voice measures all of them, chat
# planning and model.
STAGES = (
    "end_of_turn",  # the caller's last voiced audio -> the end of the turn confirmed
    "stt_queue",  # the turn's transcription waiting for a free Whisper worker
    "stt_run",  # Whisper running on it
    "planning",  # the turn stored and the agent's first words ready
    "model",  # one model server request
    "tts_first_chunk",  # the first words -> their audio leaving for the phone
    "reply",  # the caller's last voiced audio -> the first bot audio (what the caller waits)
)

HANDOFF_REASONS = (
    "caller_keypad",  # pressed 0
    "caller_request",  # asked for a person, or accepted a transfer offer
    "not_understood",  # the assistant could not make out what the caller wanted, again and again
    "model_unavailable",
    "refused_requests",  # the planner kept asking for what policy refuses
    "too_many_steps",
    "identity",  # could not be verified, checks locked
    "system_of_record",  # a write failed or could not be confirmed; the system was down
    "audit_unavailable",
    "agent_decision",  # the agent's handoff tool, for a reason of its own (a request only staff handle)
)

IDENTITY_OUTCOMES = ("failed", "held_back", "locked")
LOGIN_FAILURES = (
    "rate_limited",
    "csrf_mismatch",
    "incomplete",
    "unknown_email",
    "bad_password",
    "locked",
    "inactive",
    "other",
)
CONNECTOR_OUTCOMES = ("ok", "failed", "cancelled")

_FIXED_HANDOFF_REASONS = {
    "caller pressed 0": "caller_keypad",
    "the caller pressed 0 for a person": "caller_keypad",
    "the caller accepted a transfer": "caller_request",
    "the assistant kept making requests that were refused": "refused_requests",
    "the request took too many steps to complete": "too_many_steps",
    "the system of record is unavailable": "system_of_record",
    "the audit log could not be written": "audit_unavailable",
}


def handoff_reason(reason: str) -> str:
    """The reason's kind. The runtime's reasons are fixed sentences; the planner's handoff tool
    gives its own (the offline planner's are fixed too, a model's are free text): read by a few
    words, and otherwise `agent_decision`."""
    text = reason.strip().lower()
    if text in _FIXED_HANDOFF_REASONS:
        return _FIXED_HANDOFF_REASONS[text]
    if text.startswith("assistant unavailable"):
        return "model_unavailable"
    if "identity" in text or "date of birth" in text:
        return "identity"
    if "was refused" in text:
        return "refused_requests"
    if " failed: " in text or "system of record" in text:
        return "system_of_record"
    if "understand" in text or "understood" in text:
        return "not_understood"
    if any(word in text for word in ("person", "someone", "staff", "human", "transfer")):
        return "caller_request"
    return "agent_decision"


def login_failure(reason: str | None) -> str:
    return reason if reason in LOGIN_FAILURES else "other"


def channel(value: str) -> str:
    return value if value in CHANNELS else "terminal"
