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
    "caller_request",  # accepted a transfer offer, or asked and the agent called its handoff tool
    "model_unavailable",
    "refused_requests",
    "too_many_steps",
    "identity",
    "system_of_record",
    "audit_unavailable",
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
    """The reason's kind; a sentence not known here is the agent's own decision (its handoff
    tool, which it calls when the caller asks for a person): `caller_request`."""
    text = reason.strip().lower()
    if text in _FIXED_HANDOFF_REASONS:
        return _FIXED_HANDOFF_REASONS[text]
    if text.startswith("assistant unavailable"):
        return "model_unavailable"
    if text.startswith(("identity", "the caller's identity")):
        return "identity"
    if " failed: " in text or "could not be confirmed in the system of record" in text:
        return "system_of_record"
    return "caller_request"


def login_failure(reason: str | None) -> str:
    return reason if reason in LOGIN_FAILURES else "other"


def channel(value: str) -> str:
    return value if value in CHANNELS else "terminal"
