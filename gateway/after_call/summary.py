"""The deterministic after-call summary: who, what was asked, what was done, what is left and why,
written only from the conversation's structured record (`record.py`). It is the default and the
fallback for a model-written one (`model_summary.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.speakable import join_spoken, say_when
from gateway.after_call.record import Action, CallRecord

CHANNEL_WORDS = {"voice": "Phone call", "chat": "Website chat", "web-call": "Web call"}

# What the caller asked for, read from the tools the agent used for it.
ASKED = {
    "list_free_slots": "an appointment",
    "book_appointment": "an appointment",
    "reschedule_appointment": "moving an appointment",
    "cancel_appointment": "cancelling an appointment",
    "list_appointments": "their appointments",
    "get_appointment": "their appointments",
    "list_providers": "the practice's doctors",
    "find_contact": "their contact details",
    "create_contact": "being added as a contact",
    "add_note": "a note on their file",
    "open_ticket": "a ticket",
    "create_task": "a follow-up",
}


def when(record: CallRecord, value: Any) -> str | None:
    """An ISO datetime of the record, as said in the business's time zone."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return say_when(record.local(moment))


def _appointment(record: CallRecord, result: dict[str, Any] | None) -> str:
    if not result:
        return "an appointment"
    provider = result.get("provider_name") or "a provider"
    at = when(record, result.get("start"))
    return (
        f"with {provider}"
        + (f" on {at}" if at else "")
        + (f" (appointment {result['id']})" if result.get("id") else "")
    )


def describe(record: CallRecord, action: Action) -> str:
    """What a write did (or was to do), in a few words."""
    r, args = action.result, action.arguments
    if action.tool == "book_appointment":
        return "booked an appointment " + _appointment(record, r)
    if action.tool == "reschedule_appointment":
        return f"moved appointment {args.get('appointment_id')} to " + _appointment(record, r).removeprefix(
            "an "
        )
    if action.tool == "cancel_appointment":
        return "cancelled the appointment " + _appointment(record, r)
    if action.tool == "add_note":
        return "added a note to the caller's file"
    if action.tool == "open_ticket":
        return f"opened a ticket: {args.get('subject')}"
    if action.tool == "create_task":
        return f"created a follow-up task: {args.get('subject')}"
    if action.tool == "create_contact":
        return "added the caller as a contact"
    return action.tool.replace("_", " ")


def _failed(record: CallRecord, action: Action) -> str:
    verb = {
        "book_appointment": "book an appointment",
        "reschedule_appointment": f"move appointment {action.arguments.get('appointment_id')}",
        "cancel_appointment": f"cancel appointment {action.arguments.get('appointment_id')}",
    }.get(action.tool, action.tool.replace("_", " "))
    return f"could not {verb}" + (f" ({action.error})" if action.error else "")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def deterministic_summary(record: CallRecord) -> str:
    lines: list[str] = []
    opened = CHANNEL_WORDS.get(record.channel, record.channel.capitalize())
    head = f"{opened} on {say_when(record.local(record.started_at))}"
    if record.caller_phone:
        head += f" from {record.caller_phone}"
    lines.append(head + ".")
    if record.verified is not None:
        lines.append(f"Caller: {record.verified.name}, identity verified.")
    elif record.messages:
        lines.append(f"Caller: {record.messages[0].caller_name} (not verified).")
    else:
        lines.append("Caller: not verified.")
    asked = list(dict.fromkeys(ASKED[a.tool] for a in record.actions if a.tool in ASKED))
    if record.handoff_reason:
        asked.append("a member of staff")
    if record.messages:
        asked.append("a call back")
    if asked:
        lines.append(f"Asked about: {join_spoken(asked, 'and')}.")
    done = [describe(record, a) for a in record.writes if a.ok]
    lines.append(f"Done: {'; '.join(done)}." if done else "Done: nothing was changed.")
    not_done = [_failed(record, a) for a in record.writes if not a.ok]
    not_done += [f"{t.replace('_', ' ')} could not be confirmed" for t in record.failed_validations]
    not_done += [f"{t.replace('_', ' ')} was agreed but has no result on record" for t in record.unrun_writes]
    if not_done:
        lines.append(f"Not done: {'; '.join(not_done)}.")
    if record.handoff_reason:
        lines.append(_sentence(f"Handed over to staff: {record.handoff_reason}"))
        if record.resolved_by_staff:
            lines.append(_sentence(f"Resolved by staff: {record.resolved_by_staff}"))
    for m in record.messages:
        best = f", best time {m.best_time}" if m.best_time else ""
        lines.append(_sentence(f"Message taken: call {m.caller_name} back on {m.phone}{best}: {m.reason}"))
    if record.end_reason:
        lines.append(_sentence(f"Ended: {record.end_reason}"))
    return "\n".join(lines)


def case_subject(record: CallRecord) -> str:
    who = record.verified.name if record.verified else "an unverified caller"
    first = record.unfinished[0] if record.unfinished else "follow up"
    return f"Unfinished request from {who}: {first}"[:250]
