"""Running a write the caller said yes to, then proving it: the record is read back from the
system of record and compared with what the caller agreed to; only a match is reported as done.
The policy is checked again first: identity and ownership must still hold when the write runs.

The write's intent (the exact request, with its idempotency key) is on the audit chain before the
connector is called, and its call and validation before the caller hears "done": a write that
happened is never missing from the record. When one of them cannot be stored, the caller hears an
apology and a transfer offer instead (`Turn.not_on_record`), and an unrecorded write never runs."""

from __future__ import annotations

import json
from typing import Any

from agents.api import AgentOutput
from agents.caller_binding import caller_fields
from agents.connector_calls import ConnectorCalls, ToolFailure, as_json
from agents.events import AuditNotStored, EventKind
from agents.limits import cap_json
from agents.memory import PendingAction
from agents.next_person import CALLERS_OWN, CARRY, NEXT_PERSON, SPEAKER, kin_waiting
from agents.planner import Message, ToolCall
from agents.policy import Refused
from agents.record_checks import decide
from agents.replies import ANYTHING_ELSE, OFFER_TRANSFER, failure_words
from agents.tools import ToolRegistry, ToolSpec
from agents.turn import Turn
from agents.writes import compare, done_message, expected_after, readback_id
from connectors.base import Appointment, Capability, Record


async def run_confirmed_write(turn: Turn, tools: ToolRegistry, calls: ConnectorCalls) -> list[AgentOutput]:
    memory = turn.memory
    pending, memory.pending = memory.pending, None
    assert pending is not None
    try:
        return await _run(turn, tools, calls, pending)
    except AuditNotStored:
        return turn.not_on_record()


async def _run(
    turn: Turn, tools: ToolRegistry, calls: ConnectorCalls, pending: PendingAction
) -> list[AgentOutput]:
    memory = turn.memory
    spec = tools.get(pending.tool)
    call = ToolCall(id=pending.call_id, name=pending.tool, arguments=pending.arguments)
    decision = await decide(turn, tools, calls, call)
    if spec is None or spec.capability is None or isinstance(decision, Refused):
        detail = decision.message if isinstance(decision, Refused) else "unknown tool"
        await turn.emit(
            EventKind.POLICY_REFUSAL,
            "system",
            {"tool": pending.tool, "rule": "pending_invalid", "detail": detail},
        )
        return turn.say(f"I'm sorry, I can't do that now. {ANYTHING_ELSE}")
    args = decision.args
    request = spec.to_request(args, pending.idempotency_key, caller_fields(spec, turn.state, memory))
    await turn.emit_stored(
        EventKind.WRITE_INTENT, "agent", {"tool": pending.tool, "request": request.model_dump(mode="json")}
    )
    try:
        record = await calls.invoke(turn, spec.capability.name, request, "agent")
    except ToolFailure as failure:
        memory.transfer_offered = f"{pending.tool} failed: {failure.kind}"
        if failure.kind == "unavailable":
            # A timeout may have cut off the answer of a write the system then made (or makes
            # later): whoever takes over must look before doing it again under another key.
            memory.transfer_offered += (
                f"; it may still have been made (idempotency key {pending.idempotency_key}): "
                "check the record before trying again"
            )
        return turn.say(f"{failure_words(failure.kind, failure.message)} {OFFER_TRANSFER}")
    expected = expected_after(spec.name, args, memory, turn.state.verified_person_id)
    actual, mismatches = await _read_back(turn, calls, spec, args, record, expected)
    memory.messages.append(_transcript_entry(pending, actual, mismatches))
    if mismatches:
        memory.transfer_offered = f"{pending.tool} could not be confirmed in the system of record"
        return turn.say(f"I'm sorry, I couldn't confirm that change in our system. {OFFER_TRANSFER}")
    if isinstance(actual, Appointment):
        memory.remember_appointments([actual])
    # a second request said with the first (the planner's), the caller's own or a relative's
    kept = {k: memory.scratch[k] for k in (CARRY, NEXT_PERSON, SPEAKER) if memory.scratch.get(k)}
    memory.scratch.clear()
    memory.scratch.update(kept)
    assert actual is not None
    if (kin := kin_waiting(memory.scratch)) is not None:  # the runtime goes on with it (`agents.next_person`)
        whose = "yours" if kin == CALLERS_OWN else f"your {kin}"
        return turn.say(f"{done_message(spec.name, actual, memory)} Now for {whose}.")
    if isinstance(carried := memory.scratch.get(CARRY), str) and carried:
        # the runtime goes on with the second request (or the question) said with this one
        then = "As for your question:" if carried.rstrip().endswith("?") else "Now for your other request."
        return turn.say(f"{done_message(spec.name, actual, memory)} {then}")
    return turn.say(f"{done_message(spec.name, actual, memory)} {ANYTHING_ELSE}")


async def _read_back(
    turn: Turn, calls: ConnectorCalls, spec: ToolSpec, args: Any, record: Record, expected: dict[str, Any]
) -> tuple[Record | None, list[str]]:
    """The record as stored now (the write's own answer when the connector cannot read it back)
    and the fields that differ from what was agreed; the comparison is audited as `agent.validation`."""
    target = readback_id(spec.name, args, record)
    actual: Record | None = record
    if target is not None and calls.can(Capability.GET_APPOINTMENT):
        actual = await calls.read_appointment(turn, target)
    mismatches = compare(expected, actual) if actual is not None else ["unreadable"]
    await turn.emit_stored(
        EventKind.VALIDATION,
        "system",
        {
            "tool": spec.name,
            "ok": not mismatches,
            "method": "read_back" if target is not None else "response",
            "expected": cap_json(json.loads(json.dumps(expected, default=str)), 2000),
            "actual": cap_json(as_json(actual), 2000) if actual is not None else None,
            "mismatches": mismatches,
        },
    )
    return actual, mismatches


def _transcript_entry(pending: PendingAction, actual: Record | None, mismatches: list[str]) -> Message:
    outcome = "ok" if not mismatches else "not_confirmed"
    content = json.dumps({"outcome": outcome, "result": cap_json(as_json(actual))}, default=str)
    return Message(role="tool", tool_call_id=pending.call_id, name=pending.tool, content=content)
