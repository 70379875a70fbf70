"""The agent's typed per-conversation state, kept in `ConversationState.data["agent"]`.

The gateway persists `ConversationState` as JSON between turns; `AgentMemory.load/save` convert.
Only the runtime writes `verified_person_id`, `pending` and `known_*`: planners read them through
`CallerFacts` and may only write their own `scratch`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agents.api import ConversationState
from agents.planner import Message
from connectors.base import Appointment, Slot

MAX_MESSAGES = 40  # transcript kept for planners; older turns fall off
MAX_KNOWN = 200  # slots/appointments remembered for phrasing and ownership checks

_KEY = "agent"


class PendingAction(BaseModel):
    """A write the caller was asked to confirm. Only an explicit yes to it lets it run."""

    call_id: str
    tool: str
    arguments: dict[str, Any]  # validated planner arguments (no idempotency key)
    summary: str  # spoken: "book you with Dr. Patel on Tuesday, December 3rd at 3 PM"
    idempotency_key: str  # chosen by the runtime; a retry of this action cannot act twice


class AgentMemory(BaseModel):
    messages: list[Message] = Field(default_factory=list)
    pending: PendingAction | None = None
    transfer_offered: str | None = None  # reason, when the last reply asked "shall I transfer you?"
    identity_failures: int = 0
    verified_first_name: str | None = None
    verified_last_name: str | None = None
    verified_phone: str | None = None  # as on file: what the CRM tools search the caller's contact by
    verified_email: str | None = None
    known_slots: dict[str, Slot] = Field(default_factory=dict)
    known_appointments: dict[str, Appointment] = Field(default_factory=dict)  # the verified person's
    scratch: dict[str, Any] = Field(default_factory=dict)  # the planner's own
    # Whose the verified person is to the caller, once a relative's request followed the caller's
    # own (`agents.next_person`): "son". Proposals then name them ("book Lucas with ...").
    speaking_for: str | None = None
    degraded: bool = False  # the model planner failed; the offline planner carries on
    write_seq: int = 0
    # Names on file for the calling number: recognition hints for the listener only (see
    # `agents.expectation`); never shown to a planner, spoken or logged.
    recognition_names: list[str] = Field(default_factory=list)
    recognition_doctors: list[str] = Field(default_factory=list)  # the practice's, public

    @classmethod
    def load(cls, state: ConversationState) -> AgentMemory:
        raw = state.data.get(_KEY)
        return cls.model_validate(raw) if raw else cls()

    def save(self, state: ConversationState) -> None:
        self.messages = self.messages[-MAX_MESSAGES:]
        for table in (self.known_slots, self.known_appointments):
            for key in list(table)[: max(0, len(table) - MAX_KNOWN)]:
                del table[key]
        state.data[_KEY] = self.model_dump(mode="json")

    def last_reply_done(self) -> bool:
        """The reply just given reported a completed write ("Done. You're booked ...")."""
        last = self.messages[-1] if self.messages else None
        return last is not None and last.role == "assistant" and (last.content or "").startswith("Done.")

    def remember_slots(self, slots: list[Slot]) -> None:
        for slot in slots:
            self.known_slots[slot.id] = slot

    def remember_appointments(self, appointments: list[Appointment]) -> None:
        for appt in appointments:
            self.known_appointments[appt.id] = appt
