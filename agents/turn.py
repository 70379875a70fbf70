"""What every step of a turn works on: the conversation's state and memory, the audit sink its
events go to, and the shape of one tool call's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from agents.api import AgentOutput, ConversationState, ReplyDelta
from agents.events import AuditNotStored, AuditSink
from agents.memory import AgentMemory
from agents.planner import Message, ToolCall, ToolOutcome, ToolResult
from agents.replies import OFFER_TRANSFER, failure_words
from speech.text import reply_sentences

if TYPE_CHECKING:
    from agents.staff_hours import StaffHours


@dataclass
class Turn:
    state: ConversationState
    memory: AgentMemory
    audit: AuditSink
    staff_hours: StaffHours | None = None  # when set, a handoff out of hours offers a message instead

    async def emit(self, kind: str, actor: Any, payload: dict[str, Any]) -> None:
        await self.audit.emit(self.state.conversation_id, str(kind), actor, payload)

    async def emit_stored(self, kind: str, actor: Any, payload: dict[str, Any]) -> None:
        """Append and wait until the event is on the audit chain: for what the caller must not
        hear before it is on record. Raises `AuditNotStored` when the sink could not store it."""
        try:
            await self.audit.append(self.state.conversation_id, str(kind), actor, payload)
        except Exception as exc:  # the sink's own error type is the gateway's: any is a failure
            raise AuditNotStored(str(kind)) from exc

    def not_on_record(self) -> list[AgentOutput]:
        """What the caller hears instead of an outcome that could not be put on record: nothing
        of it, a short apology and a transfer offer (staff can still help; the audit cannot)."""
        self.memory.transfer_offered = "the audit log could not be written"
        return self.say(f"{failure_words('error', None)} {OFFER_TRANSFER}")

    def say(self, text: str) -> list[AgentOutput]:
        """`text` joins the transcript as the assistant's; its sentences are what to stream."""
        self.memory.messages.append(Message(role="assistant", content=text))
        return speak(text)

    def answer(self, heard: str, reply: str) -> list[AgentOutput]:
        """The caller's words and the reply to them, both into the transcript."""
        self.memory.messages.append(Message(role="user", content=heard))
        return self.say(reply)


def speak(text: str) -> list[AgentOutput]:
    """`text` as reply sentences, without adding it to the transcript."""
    return [ReplyDelta(s) for s in reply_sentences(text)]


class StepOutcome(NamedTuple):
    """One tool call done: what the planner is told, what the caller hears, and whether the turn
    ends here (a question was asked, a person took over, the conversation ended)."""

    result: ToolResult
    outputs: list[AgentOutput]
    stop: bool


def ok(call: ToolCall, result: Any) -> ToolResult:
    return ToolResult(call_id=call.id, name=call.name, outcome="ok", result=result)


def not_done(call: ToolCall, outcome: ToolOutcome, error: str) -> ToolResult:
    return ToolResult(call_id=call.id, name=call.name, outcome=outcome, error=error)
