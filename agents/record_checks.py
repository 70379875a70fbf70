"""The policy checks that need the records: whose appointment a call names (read from the system
of record when the caller was never shown it), and whether a write can be said back exactly."""

from __future__ import annotations

from agents.connector_calls import ConnectorCalls
from agents.planner import ToolCall
from agents.policy import Allowed, Refused, check_call
from agents.tools import ToolRegistry
from agents.turn import Turn
from agents.writes import UnknownRecord, describe
from connectors.base import Capability


async def decide(turn: Turn, tools: ToolRegistry, calls: ConnectorCalls, call: ToolCall) -> Allowed | Refused:
    """The whole policy for one call: `check_call` first, then the checks against records."""
    decision = check_call(call, tools, verified_person_id=turn.state.verified_person_id)
    if isinstance(decision, Allowed):
        return await check_records(turn, calls, decision, call)
    return decision


async def check_records(
    turn: Turn, calls: ConnectorCalls, allowed: Allowed, call: ToolCall
) -> Allowed | Refused:
    spec, args = allowed.spec, allowed.args
    memory = turn.memory
    appointment_id = getattr(args, "appointment_id", None)
    if spec.reads_protected and appointment_id is not None:
        appt = memory.known_appointments.get(appointment_id)
        if appt is None and calls.can(Capability.GET_APPOINTMENT):
            appt = await calls.read_appointment(turn, appointment_id)
        if appt is None:
            return Refused(
                "unknown_record",
                "No such appointment for this caller: use an id from list_appointments.",
                call.name,
            )
        if appt.person_id != turn.state.verified_person_id:
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
