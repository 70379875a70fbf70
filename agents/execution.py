"""One planner tool call, through the policy: refused calls go back to the planner with the
reason, built-in tools act on the conversation, writes wait for the caller's yes, reads run and
what they found is remembered (for phrasing writes and checking whose records they are)."""

from __future__ import annotations

import json

from agents.api import EndConversation, ReplyDelta
from agents.callbacks import phone_for
from agents.caller_binding import caller_fields, own_records
from agents.confirmation import ask_confirmation
from agents.connector_calls import ConnectorCalls, ToolFailure, as_json
from agents.events import AuditNotStored, EventKind
from agents.handoff import hand_off
from agents.identity import verify_identity
from agents.identity_attempts import IdentityAttempts
from agents.limits import MAX_RESULT_CHARS, cap_json
from agents.planner import Message, ToolCall, ToolResult
from agents.policy import Refused
from agents.record_checks import decide
from agents.replies import OFFER_TRANSFER, failure_words, goodbye
from agents.tools import (
    END_CONVERSATION,
    TAKE_MESSAGE,
    TRANSFER_TO_PERSON,
    VERIFY_IDENTITY,
    ToolRegistry,
    VerifyIdentityArgs,
)
from agents.turn import StepOutcome, Turn, not_done, ok
from connectors.base import Appointment, Appointments, Record, Slots


class ToolExecutor:
    def __init__(
        self,
        tools: ToolRegistry,
        calls: ConnectorCalls,
        business_name: str,
        identity_attempts: IdentityAttempts | None = None,
    ) -> None:
        self.tools = tools
        self.calls = calls
        self.business_name = business_name
        self.identity_attempts = identity_attempts

    async def execute(self, turn: Turn, call: ToolCall, cap: int = MAX_RESULT_CHARS) -> StepOutcome:
        """`cap`: how much of a read's result the planner sees. A call whose event (or a verified
        identity) could not be put on record ends the turn: the planner never sees its result."""
        try:
            return await self._execute(turn, call, cap)
        except AuditNotStored as exc:
            return StepOutcome(
                not_done(call, "failed", f"audit_unavailable: {exc}"), turn.not_on_record(), True
            )

    async def _execute(self, turn: Turn, call: ToolCall, cap: int) -> StepOutcome:
        decision = await decide(turn, self.tools, self.calls, call)
        if isinstance(decision, Refused):
            await turn.emit(
                EventKind.POLICY_REFUSAL,
                "system",
                {
                    "tool": call.name,
                    "rule": decision.rule,
                    "detail": decision.message,
                    "arguments": cap_json(call.arguments, 2000),
                },
            )
            return StepOutcome(not_done(call, decision.outcome, decision.message), [], False)
        spec, args = decision.spec, decision.args
        if spec.name == VERIFY_IDENTITY:
            assert isinstance(args, VerifyIdentityArgs)
            return await verify_identity(turn, self.calls, call, args, self.identity_attempts)
        if spec.name == TRANSFER_TO_PERSON:
            outputs = await hand_off(turn, args.model_dump()["reason"])
            return StepOutcome(ok(call, {"transferred": True}), outputs, True)
        if spec.name == END_CONVERSATION:
            turn.state.ended = True
            reply = goodbye(self.business_name)
            turn.memory.messages.append(Message(role="assistant", content=reply))
            return StepOutcome(
                ok(call, {"ended": True}), [ReplyDelta(reply), EndConversation("completed")], True
            )
        if (
            spec.name == TAKE_MESSAGE
            and phone_for(getattr(args, "phone", None), turn.state.caller_phone) is None
        ):
            # a visitor on chat has no calling number: a message needs one said
            return StepOutcome(
                not_done(call, "invalid", "No number to call back: ask the caller for the best number."),
                [],
                False,
            )
        if spec.writes:
            return await ask_confirmation(turn, call, spec, args)
        assert spec.capability is not None
        request = spec.to_request(args, None, caller_fields(spec, turn.state, turn.memory))
        try:
            record = await self.calls.invoke(turn, spec.capability.name, request, "agent")
        except ToolFailure as failure:
            words = failure_words(failure.kind, failure.message)
            if failure.kind == "unavailable":
                turn.memory.transfer_offered = "the system of record is unavailable"
                return StepOutcome(
                    not_done(call, "failed", failure.kind), turn.say(f"{words} {OFFER_TRANSFER}"), True
                )
            return StepOutcome(not_done(call, "failed", f"{failure.kind}: {words}"), [], False)
        record = own_records(record, turn.state.verified_person_id)
        _remember(turn, record)
        return StepOutcome(ok(call, cap_json(as_json(record), cap)), [], False)


def _remember(turn: Turn, record: Record) -> None:
    """Slots offered and the verified caller's own appointments: later writes may name them."""
    memory, person_id = turn.memory, turn.state.verified_person_id
    if isinstance(record, Slots):
        memory.remember_slots(record.slots)
    if isinstance(record, Appointments):
        memory.remember_appointments([a for a in record.appointments if a.person_id == person_id])
    if isinstance(record, Appointment) and record.person_id == person_id:
        memory.remember_appointments([record])


def tool_message(call: ToolCall, result: ToolResult) -> Message:
    """The result as the transcript keeps it: with the standard cap even when this planner read
    more, since the transcript is persisted with the conversation after every turn."""
    body = result.model_dump(mode="json", exclude={"call_id", "name"})
    capped = {**body, "result": cap_json(result.model_dump(mode="json")["result"])}
    return Message(role="tool", tool_call_id=call.id, name=call.name, content=json.dumps(capped, default=str))
