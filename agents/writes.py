"""Writes: saying exactly what will be done, then checking it was done.

Before a write runs, the runtime phrases it from records the caller has already been told about
(`describe`). After it runs, the record is read back from the system of record and compared with
what was asked (`expected_after` + `compare`); only a match is confirmed to the caller.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agents.caller_binding import whose_file
from agents.memory import AgentMemory
from agents.speakable import say_when
from connectors.base import Appointment, Capability, Note, Record, Task, Ticket

# The argument naming the slot a write books into.
_SLOT_ARGUMENT: dict[str, str] = {
    Capability.BOOK_APPOINTMENT: "slot_id",
    Capability.RESCHEDULE_APPOINTMENT: "new_slot_id",
}


class UnknownRecord(Exception):
    """The write names a record the caller was never shown; the planner must look it up first."""


def describe(tool: str, args: BaseModel, memory: AgentMemory) -> str:
    """'book you with Dr. Patel on Tuesday, December 3rd at 3 PM' (to follow "I'll ...")."""
    data = args.model_dump()
    if tool == Capability.BOOK_APPOINTMENT:
        slot = memory.known_slots.get(data["slot_id"])
        if slot is None:
            raise UnknownRecord("Unknown slot_id: call list_free_slots and use a slot id from its result.")
        return f"book {_whom(memory)} with {slot.provider_name} on {say_when(slot.start)}"
    if tool == Capability.RESCHEDULE_APPOINTMENT:
        appt = memory.known_appointments.get(data["appointment_id"])
        slot = memory.known_slots.get(data["new_slot_id"])
        if appt is None or slot is None:
            raise UnknownRecord(
                "Unknown appointment_id or new_slot_id: use ids from list_appointments and list_free_slots."
            )
        return (
            f"move {_whose(memory)} appointment with {appt.provider_name} on {say_when(appt.start)} "
            f"to {say_when(slot.start)} with {slot.provider_name}"
        )
    if tool == Capability.CANCEL_APPOINTMENT:
        appt = memory.known_appointments.get(data["appointment_id"])
        if appt is None:
            raise UnknownRecord(
                "Unknown appointment_id: call list_appointments and use an id from its result."
            )
        return f"cancel {_whose(memory)} appointment with {appt.provider_name} on {say_when(appt.start)}"
    if tool == "take_message":  # the built-in (`agents.callbacks`): asked as a read-back
        return f"pass on {data['name'].strip()}'s message"
    if tool == Capability.CREATE_CONTACT:
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p) or "you"
        return f"add {name} to our contacts"
    # The CRM writes act on the verified caller's contact (`agents.caller_binding`): say whose.
    if tool == Capability.ADD_NOTE:
        return f"add a note to {whose_file(memory)} saying: {_quoted(data['body'])}"
    if tool == Capability.OPEN_TICKET:
        return f"open a request about {_quoted(data['subject'])} on {whose_file(memory)}"
    if tool == Capability.CREATE_TASK:
        return f"ask our staff to follow up on {whose_file(memory)} about {_quoted(data['subject'])}"
    return f"run {tool.replace('_', ' ')}"


def _quoted(text: str, limit: int = 200) -> str:
    """What the caller agrees to, in their words (a long note is cut where a word ends)."""
    text = " ".join(text.split()).rstrip(".")  # the question's own full stop follows the quote
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "..."
    return f'"{text}"'


def _whom(memory: AgentMemory) -> str:
    """ "you", or the relative the caller is speaking for by name ("Lucas")."""
    return (memory.verified_first_name or "them") if memory.speaking_for else "you"


def _whose(memory: AgentMemory) -> str:
    return f"{memory.verified_first_name or 'their'}'s" if memory.speaking_for else "your"


def done_message(tool: str, record: Record, memory: AgentMemory | None = None) -> str:
    """What to tell the caller once the read-back matched."""
    if isinstance(record, Note | Ticket | Task) and memory is not None:
        what = {Note: "added the note to", Ticket: "opened the request on"}.get(
            type(record), "asked staff to follow up on"
        )
        return f"Done. I've {what} {whose_file(memory)}."
    if isinstance(record, Appointment):
        if tool == Capability.CANCEL_APPOINTMENT:
            return f"Done. Your appointment with {record.provider_name} on {say_when(record.start)} is cancelled."
        if tool == Capability.RESCHEDULE_APPOINTMENT:
            return f"Done. Your appointment is now with {record.provider_name} on {say_when(record.start)}."
        if memory is not None and memory.speaking_for:
            return f"Done. {_whom(memory)} is booked with {record.provider_name} on {say_when(record.start)}."
        return f"Done. You're booked with {record.provider_name} on {say_when(record.start)}."
    return "Done."


def expected_after(tool: str, args: BaseModel, memory: AgentMemory, person_id: str | None) -> dict[str, Any]:
    """The fields the read-back must show, from what the caller agreed to."""
    data = args.model_dump()
    if tool in _SLOT_ARGUMENT:  # booked into the slot the caller agreed to
        slot = memory.known_slots[data[_SLOT_ARGUMENT[tool]]]
        return {
            "person_id": person_id,
            "provider_id": slot.provider_id,
            "start": slot.start,
            "status": "booked",
        }
    if tool == Capability.CANCEL_APPOINTMENT:
        appt = memory.known_appointments[data["appointment_id"]]
        return {"person_id": person_id, "start": appt.start, "status": "cancelled"}
    if tool in (Capability.ADD_NOTE, Capability.OPEN_TICKET, Capability.CREATE_TASK):  # the caller's contact
        return {"contact_id": person_id}
    return {}


def readback_id(tool: str, args: BaseModel, result: Record) -> str | None:
    """Which appointment to read back (None: the connector has no read for this kind of record)."""
    if tool == Capability.CANCEL_APPOINTMENT:
        return str(args.model_dump()["appointment_id"])
    if tool in _SLOT_ARGUMENT:
        return result.id if isinstance(result, Appointment) else None
    return None


def compare(expected: dict[str, Any], actual: Record) -> list[str]:
    """Names of the fields that differ (empty: the read-back matches)."""
    return [key for key, value in expected.items() if getattr(actual, key, None) != value]
