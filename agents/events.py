"""Audit events the agent emits, through a sink the gateway implements.

`agents` never imports `gateway`: the gateway passes an object satisfying `AuditSink`, which
appends to the hash-chained audit log. Most events may be queued and committed with the rest of the
turn (`emit`); what the caller must not learn before it is on record (a verified identity, a tool
call and its result, a write about to run) is appended and waited for (`append`). A failed
`append` raises; the runtime then says nothing of what it was about (`AuditNotStored`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Protocol

Actor = Literal["caller", "agent", "staff", "system"]


class EventKind(StrEnum):
    CONVERSATION_STARTED = "conversation.started"
    CONVERSATION_ENDED = "conversation.ended"
    USER_TURN = "turn.user"
    BOT_UTTERANCE = "turn.bot"  # payload: turn, said
    BOT_HEARD = "turn.bot_heard"  # voice: payload: turn, said, heard, interrupted
    STAFF_MESSAGE = "turn.staff"
    MODEL_CALL = "agent.model_call"  # model, latency_ms, tokens, prompt, output
    MODEL_UNAVAILABLE = "agent.model_unavailable"
    TOOL_CALL = "agent.tool_call"  # tool, arguments, result, outcome, latency_ms
    POLICY_REFUSAL = "agent.policy_refusal"  # tool, rule, detail
    VALIDATION = "agent.validation"  # tool, ok, expected, actual
    CONFIRMATION_REQUESTED = "agent.confirmation_requested"
    CONFIRMATION_GIVEN = "agent.confirmation_given"
    CONFIRMATION_DECLINED = "agent.confirmation_declined"  # a no, or a different request, dropped it
    IDENTITY_VERIFIED = "agent.identity_verified"
    IDENTITY_HELD_BACK = "agent.identity_held_back"  # backoff: method, failures, keys, retry_after_s
    IDENTITY_LOCKED = "agent.identity_locked"  # lockout, a person takes over: method, failures, keys
    IDENTITY_FAILED = "agent.identity_failed"
    IDENTITY_SET_ASIDE = "agent.identity_set_aside"  # person_id, why: another person's request next
    WRITE_INTENT = "agent.write_intent"  # tool, request (with its idempotency key): before it runs
    HANDOFF = "handoff.requested"  # reason, summary
    HANDOFF_UNANSWERED = "handoff.unanswered"  # nobody claimed it in time, or out of hours: why, wait
    CALLBACK_TAKEN = "callback.taken"  # callback (id), name, phone, reason, best_time, channel
    CALLBACK_DONE = "callback.done"  # callback (id), staff
    CALLBACK_CRM_FAILED = "callback.crm_failed"  # callback (id), kind: the CRM task was not made
    HANDOFF_CLAIMED = "handoff.claimed"
    HANDOFF_RESOLVED = "handoff.resolved"
    CALL_EVENT = "call.event"  # twilio status callbacks, transfers, barge-ins
    SECURITY = "security.rejected"  # forged signature, replayed token, refused origin
    STAFF_VIEW = "staff.view"
    STAFF_EXPORT = "staff.export"
    STAFF_ACTION = "staff.action"


# The gateway's Conversation emits conversation.*, turn.* and handoff.requested itself; the agent
# runtime emits the agent.* events (its own steps) and nothing else.


class AuditSink(Protocol):
    async def emit(self, conversation_id: str, kind: str, actor: Actor, payload: dict[str, Any]) -> None:
        """Append one event to the conversation's audit chain; it may be stored with the rest of
        the turn (the gateway reports a failure at the end of the turn)."""
        ...

    async def append(self, conversation_id: str, kind: str, actor: Actor, payload: dict[str, Any]) -> object:
        """Append one event and return only once it is stored. Raises if it cannot be stored."""
        ...


class AuditNotStored(Exception):
    """An event that had to be on record before the caller hears its outcome could not be stored."""


class MemoryAuditSink:
    """Keeps events in a list; for the terminal and for tests of code that only emits."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str, dict[str, Any]]] = []

    async def emit(self, conversation_id: str, kind: str, actor: Actor, payload: dict[str, Any]) -> None:
        self.events.append((conversation_id, kind, actor, payload))

    async def append(self, conversation_id: str, kind: str, actor: Actor, payload: dict[str, Any]) -> None:
        self.events.append((conversation_id, kind, actor, payload))
