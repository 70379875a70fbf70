"""The agent runtime: plan → execute → validate → confirm, with the policy enforced here.

One `AgentRuntime` serves every conversation (its per-conversation state lives in
`ConversationState`, see `agents.memory`). For each user turn it:
1. handles what needs no planner: empty or oversized turns, a yes/no to a pending write or to an
   offered transfer (the runtime, not a planner, decides what a yes is);
2. asks the planner for steps (bounded), checks each tool call against the policy, runs the
   allowed reads, holds writes for confirmation, sends results or refusals back to the planner;
3. after a confirmed write, reads the record back and only says "done" if it matches.
Every step is an audit event; replies stream out as `ReplyDelta` sentences.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from agents.api import AgentOutput, ConversationState, EndConversation, Handoff, ReplyDelta, UserTurn
from agents.events import AuditSink, EventKind
from agents.limits import (
    MAX_AUDIT_CHARS,
    MAX_IDENTITY_FAILURES,
    MAX_REPAIRS_PER_TURN,
    MAX_RESULT_CHARS,
    MAX_STEPS_PER_TURN,
    MAX_USER_CHARS,
    cap_json,
)
from agents.memory import AgentMemory, PendingAction
from agents.planner import (
    CallerFacts,
    Message,
    PlanContext,
    Planner,
    PlannerUnavailable,
    PlanStep,
    ToolCall,
    ToolResult,
)
from agents.policy import Allowed, Refused, check_call, classify_confirmation
from agents.speakable import plain, sentences
from agents.tools import (
    END_CONVERSATION,
    TRANSFER_TO_PERSON,
    VERIFY_IDENTITY,
    ToolRegistry,
    VerifyIdentityArgs,
)
from agents.writes import UnknownRecord, compare, describe, done_message, expected_after, readback_id
from connectors.base import (
    CAPABILITIES,
    Appointment,
    Appointments,
    Capability,
    ConnectorError,
    FindPersonByNameDob,
    FindPersonByPhone,
    GetAppointment,
    People,
    Record,
    Request,
    Slots,
)
from connectors.base import Connector as ConnectorBase

Clock = Callable[[], datetime]

ANYTHING_ELSE = "Is there anything else I can help you with?"
OFFER_TRANSFER = "Would you like me to transfer you to a member of our team?"

_FAILURE_WORDS = {
    "not_found": "I'm sorry, I couldn't find that in our system.",
    "conflict": "I'm sorry, that couldn't be done because something changed in our system.",
    "unavailable": "I'm sorry, our system isn't responding right now.",
    "rejected": "I'm sorry, our system didn't accept that request.",
    "unsupported": "I'm sorry, that's not something I can do here.",
    "unreadable": "I'm sorry, our system gave me an answer I couldn't read.",
    "error": "I'm sorry, something went wrong on our side.",
}


def failure_words(kind: str, message: str | None) -> str:
    """Plain words for a connector failure: its caller-safe message when short, else a default."""
    default = _FAILURE_WORDS.get(kind, _FAILURE_WORDS["error"])
    if message and kind not in ("unavailable", "unreadable", "error") and len(message) <= 160:
        text = plain(message)
        return text if text.endswith((".", "!", "?")) else text + "."
    return default


class _Failure(Exception):
    def __init__(self, kind: str, message: str | None) -> None:
        super().__init__(message or kind)
        self.kind = kind
        self.message = message


def _dump(record: Any) -> Any:
    return record.model_dump(mode="json") if isinstance(record, BaseModel) else record


class AgentRuntime:
    def __init__(
        self,
        *,
        connector: ConnectorBase,
        audit: AuditSink,
        planner: Planner,
        fallback: Planner | None = None,
        timezone: str,
        business_name: str,
        clock: Clock | None = None,
        tool_timeout_s: float = 15.0,
    ) -> None:
        self.connector = connector
        self.audit = audit
        self.planner = planner
        self.fallback = fallback
        self.tz = ZoneInfo(timezone)
        self.timezone = timezone
        self.business_name = business_name
        self.clock: Clock = clock or (lambda: datetime.now(self.tz))
        self.tool_timeout_s = tool_timeout_s
        self.tools = ToolRegistry.from_connector(connector)

    # ------------------------------------------------------------------------------ entry points

    async def greet(self, state: ConversationState) -> AsyncIterator[AgentOutput]:
        memory = AgentMemory.load(state)
        text = f"Thank you for contacting {self.business_name}. I'm the virtual assistant. How can I help you today?"
        memory.messages.append(Message(role="assistant", content=text))
        memory.save(state)
        for sentence in sentences(text):
            yield ReplyDelta(sentence)

    async def respond(self, state: ConversationState, turn: UserTurn) -> AsyncIterator[AgentOutput]:
        memory = AgentMemory.load(state)
        try:
            async for out in self._respond(state, memory, turn):
                yield out
        finally:
            memory.save(state)

    # ------------------------------------------------------------------------------ one turn

    async def _respond(
        self, state: ConversationState, memory: AgentMemory, turn: UserTurn
    ) -> AsyncIterator[AgentOutput]:
        if state.handed_off:
            yield ReplyDelta("A member of our team will be with you shortly.")
            return
        if state.ended:
            yield ReplyDelta("This conversation has ended.")
            return
        text = (turn.text or "").strip() or (turn.dtmf or "").strip()
        if (turn.dtmf or "").strip() == "0":  # the keypad's universal "a person, please"
            memory.messages.append(Message(role="user", content=text))
            for out in await self._handoff(state, memory, "the caller pressed 0 for a person"):
                yield out
            return
        if not text:
            yield ReplyDelta("Sorry, I didn't catch that.")
            yield ReplyDelta("How can I help you?")
            return
        if len(text) > MAX_USER_CHARS:
            await self._emit(
                state, EventKind.POLICY_REFUSAL, "system", {"rule": "turn_too_long", "chars": len(text)}
            )
            for s in sentences(
                "That message is too long for me to handle. Please tell me in a sentence or two what you need."
            ):
                yield ReplyDelta(s)
            return

        if memory.pending is not None:
            verdict = classify_confirmation(text)
            if verdict == "yes":
                await self._emit(
                    state, EventKind.CONFIRMATION_GIVEN, "caller", {"tool": memory.pending.tool, "text": text}
                )
                memory.messages.append(Message(role="user", content=text))
                for out in await self._run_pending(state, memory):
                    yield out
                return
            pending, memory.pending = memory.pending, None
            await self._emit(
                state,
                EventKind.CONFIRMATION_DECLINED,
                "caller",
                {"tool": pending.tool, "summary": pending.summary, "verdict": verdict, "text": text},
            )
            if verdict == "no":
                # The planner keeps its scratch (it knows what the caller was looking for, so
                # "a different time" can follow); it sees that the action is no longer pending.
                again = pending.tool in (Capability.BOOK_APPOINTMENT, Capability.RESCHEDULE_APPOINTMENT)
                reply = "Okay, I won't do that. " + (
                    "Would you like a different time?" if again else ANYTHING_ELSE
                )
                memory.messages += [
                    Message(role="user", content=text),
                    Message(role="assistant", content=reply),
                ]
                for s in sentences(reply):
                    yield ReplyDelta(s)
                return
            # anything else is a new request: the planner takes it, the pending write is gone

        if memory.transfer_offered is not None:
            reason, memory.transfer_offered = memory.transfer_offered, None
            verdict = classify_confirmation(text)
            if verdict == "yes":
                for out in await self._handoff(state, memory, reason):
                    yield out
                return
            if verdict == "no":
                reply = f"Okay. {ANYTHING_ELSE}"
                memory.messages += [
                    Message(role="user", content=text),
                    Message(role="assistant", content=reply),
                ]
                for s in sentences(reply):
                    yield ReplyDelta(s)
                return

        memory.messages.append(Message(role="user", content=text))
        async for out in self._plan_loop(state, memory):
            yield out

    async def _plan_loop(self, state: ConversationState, memory: AgentMemory) -> AsyncIterator[AgentOutput]:
        repairs = 0
        turn_results: list[ToolResult] = []
        step_base = results_base = 0  # a fallback planner starts the turn afresh at its own step 0
        for step_no in range(MAX_STEPS_PER_TURN):
            planner = self.fallback if (memory.degraded and self.fallback) else self.planner
            ctx = self._context(state, memory, turn_results[results_base:], step_no - step_base)
            streamed = False
            try:
                step: PlanStep | None = None
                stream = getattr(planner, "plan_stream", None)
                if stream is None:
                    step = await planner.plan(ctx)
                else:  # a model planner: speak each sentence as soon as the model finishes it
                    async for item in stream(ctx):
                        if isinstance(item, PlanStep):
                            step = item
                        elif item.strip():
                            streamed = True
                            yield ReplyDelta(item)
                if step is None:
                    raise PlannerUnavailable("the planner returned no step")
            except PlannerUnavailable as exc:
                await self._emit(
                    state,
                    EventKind.MODEL_UNAVAILABLE,
                    "system",
                    {
                        "planner": planner.name,
                        "reason": exc.reason,
                        "fallback": bool(self.fallback and not memory.degraded),
                    },
                )
                if self.fallback is not None and not memory.degraded:
                    memory.degraded = True
                    memory.scratch.clear()
                    step_base, results_base = step_no + 1, len(turn_results)
                    continue
                for out in await self._handoff(state, memory, f"assistant unavailable: {exc.reason}"):
                    yield out
                return
            memory.scratch = ctx.scratch
            if step.model_call is not None:
                await self._emit(
                    state,
                    EventKind.MODEL_CALL,
                    "agent",
                    cap_json(step.model_call.model_dump(mode="json"), MAX_AUDIT_CHARS),
                )
            if step.say and not streamed:
                for s in sentences(step.say):
                    yield ReplyDelta(s)
            if step.offers_transfer:
                memory.transfer_offered = "the caller accepted a transfer"
            if not step.tool_calls:
                memory.messages.append(Message(role="assistant", content=plain(step.say or "")))
                return
            memory.messages.append(Message(role="assistant", content=step.say, tool_calls=step.tool_calls))
            for call in step.tool_calls:
                cap = getattr(planner, "result_chars", MAX_RESULT_CHARS)
                result, outputs, stop = await self._execute(state, memory, call, cap)
                turn_results.append(result)
                memory.messages.append(
                    Message(
                        role="tool",
                        tool_call_id=call.id,
                        name=call.name,
                        # the transcript keeps the standard cap even when this planner read more:
                        # it is persisted with the conversation after every turn
                        content=json.dumps(
                            {
                                **result.model_dump(mode="json", exclude={"call_id", "name"}),
                                "result": cap_json(result.model_dump(mode="json")["result"]),
                            },
                            default=str,
                        ),
                    )
                )
                for out in outputs:
                    yield out
                if stop:
                    return
                if result.outcome in ("refused", "invalid"):
                    repairs += 1
            if repairs > MAX_REPAIRS_PER_TURN:
                for out in await self._handoff(
                    state, memory, "the assistant kept making requests that were refused"
                ):
                    yield out
                return
        for out in await self._handoff(state, memory, "the request took too many steps to complete"):
            yield out

    def _context(
        self, state: ConversationState, memory: AgentMemory, results: list[ToolResult], step: int
    ) -> PlanContext:
        return PlanContext(
            conversation_id=state.conversation_id,
            channel=state.channel,
            business_name=self.business_name,
            timezone=self.timezone,
            now=self.clock().astimezone(self.tz),
            messages=list(memory.messages),
            turn_results=list(results),
            tools=self.tools,
            caller=CallerFacts(
                verified=state.verified_person_id is not None,
                first_name=memory.verified_first_name,
                person_id=state.verified_person_id,
                has_caller_phone=bool(state.caller_phone),
                identity_failures=memory.identity_failures,
                pending_action=memory.pending.summary if memory.pending else None,
            ),
            scratch=dict(memory.scratch),
            step=step,
        )

    # ------------------------------------------------------------------------------ tool calls

    async def _execute(
        self, state: ConversationState, memory: AgentMemory, call: ToolCall, cap: int = MAX_RESULT_CHARS
    ) -> tuple[ToolResult, list[AgentOutput], bool]:
        """Run one planner tool call through the policy. Returns (result, outputs, end the turn?)."""
        decision = check_call(call, self.tools, verified_person_id=state.verified_person_id)
        if isinstance(decision, Allowed):
            decision = await self._check_records(state, memory, decision, call)
        if isinstance(decision, Refused):
            await self._emit(
                state,
                EventKind.POLICY_REFUSAL,
                "system",
                {
                    "tool": call.name,
                    "rule": decision.rule,
                    "detail": decision.message,
                    "arguments": cap_json(call.arguments, 2000),
                },
            )
            return (
                ToolResult(call_id=call.id, name=call.name, outcome=decision.outcome, error=decision.message),
                [],
                False,
            )
        spec, args = decision.spec, decision.args

        if spec.name == VERIFY_IDENTITY:
            assert isinstance(args, VerifyIdentityArgs)
            return await self._verify_identity(state, memory, call, args)
        if spec.name == TRANSFER_TO_PERSON:
            return (
                self._ok(call, {"transferred": True}),
                await self._handoff(state, memory, args.model_dump()["reason"]),
                True,
            )
        if spec.name == END_CONVERSATION:
            state.ended = True
            reply = f"Thank you for contacting {self.business_name}. Goodbye!"
            memory.messages.append(Message(role="assistant", content=reply))
            return self._ok(call, {"ended": True}), [ReplyDelta(reply), EndConversation("completed")], True

        if spec.writes:
            summary = describe(spec.name, args, memory)
            memory.write_seq += 1
            memory.pending = PendingAction(
                call_id=call.id,
                tool=spec.name,
                arguments=args.model_dump(mode="json"),
                summary=summary,
                idempotency_key=f"{state.conversation_id}-{memory.write_seq}-{uuid.uuid4().hex[:16]}",
            )
            question = f"I'll {summary}. Shall I go ahead?"
            await self._emit(
                state,
                EventKind.CONFIRMATION_REQUESTED,
                "agent",
                {"tool": spec.name, "arguments": memory.pending.arguments, "summary": summary},
            )
            memory.messages.append(Message(role="assistant", content=question))
            result = ToolResult(
                call_id=call.id,
                name=call.name,
                outcome="awaiting_confirmation",
                result={"asked_caller": question},
            )
            return result, [ReplyDelta(s) for s in sentences(question)], True

        assert spec.capability is not None
        try:
            record = await self._invoke(state, spec.capability.name, spec.to_request(args, None), "agent")
        except _Failure as failure:
            if failure.kind == "unavailable":
                memory.transfer_offered = "the system of record is unavailable"
                words = f"{failure_words(failure.kind, failure.message)} {OFFER_TRANSFER}"
                memory.messages.append(Message(role="assistant", content=words))
                result = ToolResult(call_id=call.id, name=call.name, outcome="failed", error=failure.kind)
                return result, [ReplyDelta(s) for s in sentences(words)], True
            error = f"{failure.kind}: {failure_words(failure.kind, failure.message)}"
            return ToolResult(call_id=call.id, name=call.name, outcome="failed", error=error), [], False
        if isinstance(record, Slots):
            memory.remember_slots(record.slots)
        if isinstance(record, Appointments):
            memory.remember_appointments(
                [a for a in record.appointments if a.person_id == state.verified_person_id]
            )
        if isinstance(record, Appointment) and record.person_id == state.verified_person_id:
            memory.remember_appointments([record])
        return self._ok(call, cap_json(_dump(record), cap)), [], False

    @staticmethod
    def _ok(call: ToolCall, result: Any) -> ToolResult:
        return ToolResult(call_id=call.id, name=call.name, outcome="ok", result=result)

    async def _check_records(
        self, state: ConversationState, memory: AgentMemory, allowed: Allowed, call: ToolCall
    ) -> Allowed | Refused:
        """Checks that read records: whose appointment is it, and is the write one we can describe."""
        spec, args = allowed.spec, allowed.args
        appointment_id = getattr(args, "appointment_id", None)
        if spec.reads_protected and appointment_id is not None:
            appt = memory.known_appointments.get(appointment_id)
            if appt is None and Capability.GET_APPOINTMENT in self.connector.capabilities:
                try:
                    record = await self._invoke(
                        state,
                        Capability.GET_APPOINTMENT,
                        GetAppointment(appointment_id=appointment_id),
                        "system",
                    )
                    appt = record if isinstance(record, Appointment) else None
                except _Failure:
                    appt = None
            if appt is None:
                return Refused(
                    "unknown_record",
                    "No such appointment for this caller: use an id from list_appointments.",
                    call.name,
                )
            if appt.person_id != state.verified_person_id:
                return Refused(
                    "other_person", "Only the verified caller's own appointments may be used.", call.name
                )
            memory.remember_appointments([appt])
        if spec.writes:
            try:
                describe(spec.name, args, memory)
            except UnknownRecord as exc:
                return Refused("unknown_record", str(exc), call.name)
        return allowed

    async def _invoke(
        self, state: ConversationState, capability: Capability, request: Request, actor: str
    ) -> Record:
        """Call the connector, validate its answer, audit the call. Failures raise `_Failure`."""
        spec = CAPABILITIES[capability]
        started = time.perf_counter()
        outcome, error, result = "ok", None, None
        try:
            async with asyncio.timeout(self.tool_timeout_s):
                raw = await self.connector.invoke(capability, request)
            result = spec.response.model_validate(_dump(raw))
            return result
        except ConnectorError as exc:
            outcome, error = "failed", {"kind": exc.kind, "message": exc.message, "detail": exc.detail}
            raise _Failure(exc.kind, exc.message) from exc
        except TimeoutError as exc:
            outcome, error = "failed", {"kind": "unavailable", "message": "timed out"}
            raise _Failure("unavailable", None) from exc
        except ValidationError as exc:
            outcome, error = "failed", {"kind": "unreadable", "message": str(exc)[:500]}
            raise _Failure("unreadable", None) from exc
        except Exception as exc:  # a connector bug must not take the conversation down
            outcome, error = "failed", {"kind": "error", "message": repr(exc)[:500]}
            raise _Failure("error", None) from exc
        finally:
            await self._emit(
                state,
                EventKind.TOOL_CALL,
                actor,
                {
                    "tool": capability.value,
                    "arguments": request.model_dump(mode="json"),
                    "result": cap_json(_dump(result), MAX_AUDIT_CHARS) if result is not None else None,
                    "outcome": outcome,
                    "error": error,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )

    # ------------------------------------------------------------------------------ identity

    async def _verify_identity(
        self, state: ConversationState, memory: AgentMemory, call: ToolCall, args: VerifyIdentityArgs
    ) -> tuple[ToolResult, list[AgentOutput], bool]:
        if state.verified_person_id is not None:
            return self._ok(call, {"verified": True, "first_name": memory.verified_first_name}), [], False
        if bool(args.first_name) != bool(args.last_name):
            return (
                ToolResult(
                    call_id=call.id,
                    name=call.name,
                    outcome="invalid",
                    error="Give both first_name and last_name, or neither.",
                ),
                [],
                False,
            )
        by_name = bool(args.first_name)
        if not by_name and not state.caller_phone:
            return ToolResult(
                call_id=call.id, name=call.name, outcome="invalid",
                error="There is no caller phone number: ask for first name, last name and date of birth.",
            ), [], False  # fmt: skip
        method = "name_dob" if by_name else "phone_dob"
        try:
            if by_name:
                request: Request = FindPersonByNameDob(
                    first_name=args.first_name or "",
                    last_name=args.last_name or "",
                    date_of_birth=args.date_of_birth,
                )
                found = await self._invoke(state, Capability.FIND_PERSON_BY_NAME_DOB, request, "system")
            else:
                found = await self._invoke(
                    state,
                    Capability.FIND_PERSON_BY_PHONE,
                    FindPersonByPhone(phone=state.caller_phone or ""),
                    "system",
                )
        except _Failure as failure:
            if failure.kind == "not_found":
                found = People(people=[])
            else:
                memory.transfer_offered = "identity could not be checked: the system of record failed"
                words = f"{failure_words(failure.kind, None)} {OFFER_TRANSFER}"
                return (
                    ToolResult(call_id=call.id, name=call.name, outcome="failed", error=failure.kind),
                    [ReplyDelta(s) for s in sentences(words)],
                    True,
                )
        assert isinstance(found, People)
        matches = [p for p in found.people if p.date_of_birth == args.date_of_birth]
        if len(matches) == 1:
            person = matches[0]
            state.verified_person_id = person.id
            memory.verified_first_name, memory.verified_last_name = person.first_name, person.last_name
            memory.identity_failures = 0
            await self._emit(
                state, EventKind.IDENTITY_VERIFIED, "system", {"person_id": person.id, "method": method}
            )
            return self._ok(call, {"verified": True, "first_name": person.first_name}), [], False
        memory.identity_failures += 1
        await self._emit(
            state,
            EventKind.IDENTITY_FAILED,
            "system",
            {
                "method": method,
                "failures": memory.identity_failures,
                "why": "ambiguous" if matches else "no_match",
            },
        )
        if memory.identity_failures >= MAX_IDENTITY_FAILURES:
            outputs = await self._handoff(state, memory, "the caller's identity could not be verified")
            return (
                ToolResult(call_id=call.id, name=call.name, outcome="ok", result={"verified": False}),
                outputs,
                True,
            )
        left = MAX_IDENTITY_FAILURES - memory.identity_failures
        return self._ok(call, {"verified": False, "attempts_left": left}), [], False

    # ------------------------------------------------------------------------------ confirmed writes

    async def _run_pending(self, state: ConversationState, memory: AgentMemory) -> list[AgentOutput]:
        pending, memory.pending = memory.pending, None
        assert pending is not None
        spec = self.tools.get(pending.tool)
        # The policy is checked again: identity and ownership must still hold when the write runs.
        call = ToolCall(id=pending.call_id, name=pending.tool, arguments=pending.arguments)
        decision = check_call(call, self.tools, verified_person_id=state.verified_person_id)
        if isinstance(decision, Allowed):
            decision = await self._check_records(state, memory, decision, call)
        if spec is None or spec.capability is None or isinstance(decision, Refused):
            detail = decision.message if isinstance(decision, Refused) else "unknown tool"
            await self._emit(
                state,
                EventKind.POLICY_REFUSAL,
                "system",
                {"tool": pending.tool, "rule": "pending_invalid", "detail": detail},
            )
            return self._say(memory, f"I'm sorry, I can't do that now. {ANYTHING_ELSE}")
        args = decision.args
        try:
            record = await self._invoke(
                state, spec.capability.name, spec.to_request(args, pending.idempotency_key), "agent"
            )
        except _Failure as failure:
            memory.transfer_offered = f"{pending.tool} failed: {failure.kind}"
            return self._say(memory, f"{failure_words(failure.kind, failure.message)} {OFFER_TRANSFER}")
        expected = expected_after(spec.name, args, memory, state.verified_person_id)
        target = readback_id(spec.name, args, record)
        actual: Record | None = record
        if target is not None and Capability.GET_APPOINTMENT in self.connector.capabilities:
            try:
                actual = await self._invoke(
                    state, Capability.GET_APPOINTMENT, GetAppointment(appointment_id=target), "system"
                )
            except _Failure:
                actual = None
        mismatches = compare(expected, actual) if actual is not None else ["unreadable"]
        await self._emit(
            state,
            EventKind.VALIDATION,
            "system",
            {
                "tool": spec.name,
                "ok": not mismatches,
                "method": "read_back" if target is not None else "response",
                "expected": cap_json(json.loads(json.dumps(expected, default=str)), 2000),
                "actual": cap_json(_dump(actual), 2000) if actual is not None else None,
                "mismatches": mismatches,
            },
        )
        memory.messages.append(
            Message(role="tool", tool_call_id=pending.call_id, name=pending.tool,
                    content=json.dumps({"outcome": "ok" if not mismatches else "not_confirmed", "result": cap_json(_dump(actual))}, default=str))
        )  # fmt: skip
        if mismatches:
            memory.transfer_offered = f"{pending.tool} could not be confirmed in the system of record"
            return self._say(
                memory, f"I'm sorry, I couldn't confirm that change in our system. {OFFER_TRANSFER}"
            )
        if isinstance(actual, Appointment):
            memory.remember_appointments([actual])
        memory.scratch.clear()
        assert actual is not None
        return self._say(memory, f"{done_message(spec.name, actual)} {ANYTHING_ELSE}")

    # ------------------------------------------------------------------------------ helpers

    def _say(self, memory: AgentMemory, text: str) -> list[AgentOutput]:
        memory.messages.append(Message(role="assistant", content=text))
        return [ReplyDelta(s) for s in sentences(text)]

    async def _handoff(self, state: ConversationState, memory: AgentMemory, reason: str) -> list[AgentOutput]:
        summary = self._summary(state, memory, reason)
        await self._emit(state, EventKind.HANDOFF, "agent", {"reason": reason, "summary": summary})
        state.handed_off = True
        memory.pending = None
        memory.transfer_offered = None
        text = "I'll connect you with a member of our team. Please hold on." if state.channel == "voice" else (
            "I'll connect you with a member of our team. Someone will be with you shortly."
        )  # fmt: skip
        return [*self._say(memory, text), Handoff(reason=reason, summary=summary)]

    def _summary(self, state: ConversationState, memory: AgentMemory, reason: str) -> str:
        if state.verified_person_id:
            who = f"Verified caller {memory.verified_first_name} {memory.verified_last_name} ({state.verified_person_id})."
        else:
            who = "Caller not verified."
        said = [m.content for m in memory.messages if m.role == "user" and m.content][-3:]
        parts = [f"Handoff: {reason}.", who]
        if state.caller_phone:
            parts.append(f"Calling from {state.caller_phone}.")
        if said:
            parts.append("Caller said: " + " / ".join(s[:200] for s in said))
        return " ".join(parts)

    async def _emit(self, state: ConversationState, kind: str, actor: Any, payload: dict[str, Any]) -> None:
        await self.audit.emit(state.conversation_id, str(kind), actor, payload)
