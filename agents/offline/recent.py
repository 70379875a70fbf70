"""The appointment this conversation just booked or moved, for "move that to Friday", "cancel that
one", "can I change it to the afternoon" right after the write.

After a confirmed write the runtime clears the planner's scratch (a new task starts afresh), but
the transcript keeps the write's read-back (`agents.confirmed_write`): the last one names it.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from agents.offline.choices import EARLIER_OR_LATER
from agents.offline.dates import find_when
from agents.planner import PlanContext

_WRITES = ("book_appointment", "reschedule_appointment", "cancel_appointment")
# "that", "it", "that one", "the one I just booked", "the new appointment", "this booking"
_POINTS_BACK = re.compile(
    r"\b(that|it|this)( one| appointment| booking| visit| slot| time)?\b(?! (is|was|would|will|works|doesn't|does))"
    r"|\b(the )?(one|appointment|booking|visit) (i|we|you) just (made|booked|scheduled|set up|moved)"
    r"|\bthe new (one|appointment|booking)\b|\bjust booked\b"
)


# one visit of several named by its doctor, its kind or its place in time ("the Chen one", "the
# vaccination one", "the earlier of the two", "the later one", "both of them")
NAMES_ONE_OF_THEM = re.compile(
    r"\bthe (?!new\b|same\b|one\b|other\b|first\b|next\b|last\b|very\b)(?:dr\.? |doctor )?[a-z]+'?s? (?:one|appointment|appt|visit"
    r"|booking)\b(?! (?:i|we|you) just\b)"
    rf"|{EARLIER_OR_LATER.pattern}|\bof the (?:two|2)\b|\bboth (?:of them|appointments|visits|ones)\b"
)


def _last_write(ctx: PlanContext) -> tuple[str, dict[str, object]] | None:
    """(the tool, its record) of the last confirmed write, or None when there is none or that write
    is awaiting confirmation or failed (nothing was written)."""
    for message in reversed(ctx.messages):
        if message.role != "tool" or message.name not in _WRITES:
            continue
        try:
            body = json.loads(message.content or "{}")
        except ValueError:
            return None
        result = body.get("result") if isinstance(body, dict) else None
        if body.get("outcome") != "ok" or not isinstance(result, dict):
            return None
        return message.name, result
    return None


def _last_written(ctx: PlanContext) -> dict[str, object] | None:
    """The appointment the last confirmed write booked or moved, as its tool result (None after a
    cancel, or when that write is awaiting confirmation or failed)."""
    last = _last_write(ctx)
    if last is None or last[0] == "cancel_appointment":
        return None
    result = last[1]
    booked = isinstance(result.get("id"), str) and result.get("status", "booked") == "booked"
    return result if booked else None


def just_cancelled_doctor(ctx: PlanContext) -> str | None:
    """The doctor's name of the appointment the last confirmed write cancelled, or None (the last
    write was another, or none was made)."""
    last = _last_write(ctx)
    name = last[1].get("provider_name") if last is not None and last[0] == "cancel_appointment" else None
    return name if isinstance(name, str) and name else None


def just_cancelled_start(ctx: PlanContext) -> datetime | None:
    """When the appointment the last confirmed write cancelled started (local), or None."""
    last = _last_write(ctx)
    return _local_start(last[1] if last is not None and last[0] == "cancel_appointment" else None, ctx)


def _local_start(record: dict[str, object] | None, ctx: PlanContext) -> datetime | None:
    """The record's start in the practice's time zone, or None when it has none."""
    start = (record or {}).get("start")
    try:
        return datetime.fromisoformat(str(start)).astimezone(ctx.now.tzinfo) if start else None
    except ValueError:
        return None


def last_reply(ctx: PlanContext) -> str:
    """What the agent said last (the words a turn answers)."""
    return next((m.content or "" for m in reversed(ctx.messages) if m.role == "assistant" and m.content), "")


# "can I rebook with her next week?" right after a cancellation: a new booking with that doctor
_REBOOK = re.compile(
    r"\b(?:re ?book|book (?:it |one )?again|book (?:me |him |her |them |us )?(?:another|a new one)|reschedule)\b"
)
_WITH_THEM = re.compile(r"\b(?:with|w) (?:her|him|them)\b|\b(?:see|book) (?:her|him) again\b")


def rebooking(ctx: PlanContext, text: str) -> str | None:
    """The turn read as a booking with the doctor of the appointment just cancelled, when it asks
    to book again (normalized text); None otherwise."""
    if not _REBOOK.search(text) or (doctor := just_cancelled_doctor(ctx)) is None:
        return None
    text = _REBOOK.sub("book", text, count=1)
    if _WITH_THEM.search(text):
        return _WITH_THEM.sub(f"with {doctor.lower()}", text, count=1)
    # "cancel his appointment with dr rodriguez and book him a new one tuesday": the same doctor
    return (
        text
        if re.search(r"\b(?:dr|doctor|any ?one|anybody|whoever)\b", text)
        else f"{text} with {doctor.lower()}"
    )


def just_written(ctx: PlanContext) -> str | None:
    """The id of the appointment the last confirmed write booked or moved (None after a cancel)."""
    written = _last_written(ctx)
    return str(written["id"]) if written is not None else None


def just_written_start(ctx: PlanContext) -> datetime | None:
    """When the appointment the last confirmed write booked or moved starts (local), or None."""
    return _local_start(_last_written(ctx), ctx)


def just_written_provider(ctx: PlanContext) -> str | None:
    """The doctor of the appointment the last confirmed write booked or moved, or None."""
    provider = (_last_written(ctx) or {}).get("provider_id")
    return provider if isinstance(provider, str) else None


# a second visit with the doctor of the one just booked: "with him", "the same doctor", "another
# one", "a follow-up", "see her again"
_SAME_DOCTOR = re.compile(
    r"\b(?:with (?:him|her|them)|(?:the )?same (?:doctor|dr|provider|physician)|(?:see|book) (?:him|her) again"
    r"|another (?:one|1|appointment|appt|visit|slot)|(?:a |the )?(?:second|follow[ -]?up|repeat|other) (?:one|1|appointment|appt|visit)"
    r"|follow[ -]?up|one more"
    # "and the second on Monday the 30th at 10" after "two appointments with Dr Patel"
    r"|the (?:second|2nd|other|next)(?= (?:on|for|at) ))\b"
)


def same_doctor_again(ctx: PlanContext, text: str) -> str | None:
    """The doctor of the visit just booked when a new booking points back at them ("and a
    follow-up with him two weeks after that"), else None."""
    return just_written_provider(ctx) if _SAME_DOCTOR.search(text) else None


def _last_booked_provider(ctx: PlanContext) -> str | None:
    """The doctor of the appointment the last confirmed write booked (not moved) for the person
    verified now, or None (another's visit: "... and my boy with Dr Chen" is his, with his doctor)."""
    last = _last_write(ctx)
    if last is None or last[0] != "book_appointment" or last[1].get("person_id") != ctx.caller.person_id:
        return None
    provider = last[1].get("provider_id")
    return provider if isinstance(provider, str) else None


# words that name who the next visit is with or for: a doctor, anyone, or someone else's visit
_NAMES_WHO = re.compile(
    r"\b(?:dr|doctor|any ?one|any ?body|whoever|whichever|someone|somebody|for (?:my|his|her|our|their)"
    r"|my (?:son|daughter|husband|wife|partner|mum|mom|mother|dad|father|kid|child|boy|girl))\b"
)


def next_visit_doctor(ctx: PlanContext, text: str) -> str | None:
    """The doctor of the visit just booked in this call, for the caller's next booking that names
    no doctor ("perfect, and the 29th at 3?", "now the 8/2 one at 9:30"): the second of two visits
    is with the same doctor unless the caller names another or says anyone; None otherwise."""
    return None if _NAMES_WHO.search(text) else _last_booked_provider(ctx)


def just_written_day(ctx: PlanContext) -> date | None:
    """The day of the appointment the last confirmed write booked or moved, or None."""
    start = just_written_start(ctx)
    return start.date() if start is not None else None


def points_back(old_words: str, ctx: PlanContext, said: str = "") -> bool:
    """The words that say which appointment ("can you move that", not "... to friday") point at the
    one just talked about, and at no day or doctor of their own ("make that with Dr. Chen instead"
    names the new doctor)."""
    if find_when(old_words, ctx.now).start is not None:
        return False
    if NAMES_ONE_OF_THEM.search(said or old_words):
        return False  # "now the Chen one, move it to Friday": the one named, which may be another

    if re.search(r"\b(dr|doctor|with)\b", old_words) and not re.search(
        r"\b(instead|rather|switch)\b", old_words
    ):
        return False
    if _POINTS_BACK.search(old_words) is not None:
        return True
    # "actually, could we do the afternoon instead" said right after it was done ("cancel my
    # appointment" may be any of them: asked which)
    return (
        _right_after_done(ctx)
        and re.search(r"\b(instead|rather|actually|wait)\b", said or old_words) is not None
        and re.search(r"\bmy (appointment|visit)s?\b", said or old_words) is None
    )


def _right_after_done(ctx: PlanContext) -> bool:
    users = [i for i, m in enumerate(ctx.messages) if m.role == "user"]
    said = (
        [m.content for m in ctx.messages[: users[-1]] if m.role == "assistant" and m.content] if users else []
    )
    return bool(said) and said[-1].startswith("Done.")
