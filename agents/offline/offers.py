"""Which free slots to search for, which to offer, and how to say them.

The caller hears at most three times, each different (three doctors free at 10:30 is one time,
not three choices). A time they asked for is proposed directly when free; otherwise the nearest
free times that day are offered, with a word that the asked-for one isn't free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from agents.offline.dates import When
from agents.speakable import join_spoken, say_date, say_time, say_when
from connectors.base import Provider, Slot

MAX_OFFERED = 3
SEARCH_DAYS = 14  # "as soon as possible" looks this far ahead
SEARCH_LIMIT = 50  # the connector's maximum


def search_arguments(want: When | None, provider_id: str | None, today: date) -> dict[str, Any]:
    """Arguments for `list_free_slots` covering what the caller asked for."""
    want = want or When(soonest=True)
    start = max(want.start or today, today)
    end = max(want.end or (start + timedelta(days=SEARCH_DAYS if want.start is None else 0)), start)
    while start < end and start.weekday() in want.not_days:  # (the connector's limit spent on them)
        start += timedelta(days=1)
    part = want.part
    if want.fallback_day is not None:  # "Friday at 2 or Monday at 3": both days, both times
        start, end = min(start, max(want.fallback_day, today)), max(end, want.fallback_day)
    noons = {t.hour < 12 for t in (want.at, want.fallback, *want.options) if t is not None}
    if want.at is not None and len(noons) == 1:  # narrow the search so the asked-for time is within it
        part = "morning" if want.at.hour < 12 else "afternoon"
    elif want.after is not None and want.after.hour >= 12:
        part = "afternoon"
    elif want.before is not None and want.before.hour <= 12 and want.before.minute == 0:
        part = "morning"
    args: dict[str, Any] = {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "part_of_day": part,
        "limit": SEARCH_LIMIT,
    }
    if provider_id:
        args["provider_id"] = provider_id
    return args


@dataclass
class Offer:
    exact: Slot | None  # the asked-for time is free: propose it
    slots: list[Slot]  # otherwise these, at most MAX_OFFERED
    lead: str  # "I'm sorry, Thursday at 3 PM isn't available." or ""


def _minutes(slot: Slot) -> int:
    return slot.start.hour * 60 + slot.start.minute


def _distinct_times(slots: list[Slot]) -> list[Slot]:
    seen: set[datetime] = set()
    out = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            out.append(slot)
    return out


def choose(slots: list[Slot], want: When | None, now: datetime, *, skip_day: date | None,
           declined: set[str], after: datetime | None = None, before: datetime | None = None) -> Offer:  # fmt: skip
    """What to say about the free `slots`: `declined` ids are never offered again; `after` and
    `before` come from "anything later?" / "anything earlier?"."""
    free = [
        x
        for x in slots
        if x.start > now
        and x.id not in declined
        and (skip_day is None or x.start.date() != skip_day)
        and (after is None or x.start > after)
        and (before is None or x.start < before)
        and (want is None or x.start.weekday() not in want.not_days)
        and (want is None or want.after is None or x.start.time().replace(tzinfo=None) > want.after)
        and (want is None or want.before is None or x.start.time().replace(tzinfo=None) < want.before)
    ]
    if want is not None and want.soonest and want.start is None and want.at is None and want.part == "any":
        # "the first available": that one, proposed directly
        return Offer(free[0], [free[0]], "") if free else Offer(None, [], "")
    if want is not None and want.at is None and want.edge is not None and want.start is not None:
        # "first thing tomorrow", "the last appointment of the day": that one, proposed directly
        by_time = sorted(free, key=lambda x: x.start)
        if want.edge == "both":  # "the earliest and the latest": both, offered
            return Offer(None, _distinct_times([by_time[0], by_time[-1]]) if by_time else [], "")
        edge = (by_time[0] if want.edge == "first" else by_time[-1]) if by_time else None
        return Offer(edge, [edge], "") if edge is not None else Offer(None, [], "")
    if want is None or want.at is None:
        return Offer(None, _distinct_times(free)[:MAX_OFFERED], "")
    target = want.at.hour * 60 + want.at.minute
    first_asked = want.start if want.fallback_day is not None else None
    exact = [x for x in free if _minutes(x) == target and first_asked in (None, x.start.date())]
    same_day_others = want.options[1:] or ([want.fallback] if want.fallback is not None else [])
    for other in same_day_others if want.fallback_day is None else []:
        if not exact:  # "quarter to 11, else 11", "2, 2:30 or 3"
            exact = [x for x in free if _minutes(x) == other.hour * 60 + other.minute]
    if not exact and want.fallback_day is not None:  # "Tuesday at 11 or Wednesday at 11"
        then = want.fallback or want.at
        exact = [
            x
            for x in free
            if x.start.date() == want.fallback_day and _minutes(x) == then.hour * 60 + then.minute
        ]
    if exact:
        return Offer(exact[0], [exact[0]], "")
    first_day = min((x.start.date() for x in free), default=None)
    if first_asked is not None and any(x.start.date() == first_asked for x in free):
        first_day = first_asked
    same_day = [x for x in free if x.start.date() == first_day]
    nearest = sorted(_distinct_times(same_day), key=lambda x: abs(_minutes(x) - target))[:MAX_OFFERED]
    return Offer(
        None, sorted(nearest, key=lambda x: x.start), f"I'm sorry, {say_time_on(want)} isn't available."
    )


def times_around(slots: list[Slot], exact: Slot, now: datetime) -> list[Slot]:
    """The asked-for free time with its nearest neighbours that day (the same doctor's), in order:
    "does she have 11 on Friday? just checking" is told 11 among the times around it, not proposed."""
    same = [
        x
        for x in slots
        if x.start > now and x.start.date() == exact.start.date() and x.provider_id == exact.provider_id
    ]
    nearest = sorted(_distinct_times(same), key=lambda x: abs(_minutes(x) - _minutes(exact)))[:MAX_OFFERED]
    return sorted(nearest, key=lambda x: x.start)


def say_time_on(want: When) -> str:
    if want.at is None:
        return "that time"
    moment = datetime.combine(want.start or date.today(), want.at)
    return f"{say_date(want.start)} at {say_time(moment)}" if want.start else say_time(moment)


def offer_sentence(slots: list[Slot]) -> str:
    """'On Tuesday, December 8th, Dr. Patel has 9 AM, 9:30 AM, or 10 AM.' (grouped when possible).

    The day goes first: a short opening clause ("On Tuesday,") is synthesized in a fraction of the
    time of "Dr. Patel has Tuesday,", so on the phone the caller hears the answer start sooner."""
    providers = {x.provider_name for x in slots}
    days = {x.start.date() for x in slots}
    if len(providers) == 1 and len(days) == 1:
        first = slots[0]
        times = join_spoken([say_time(x.start) for x in slots])
        return f"On {say_date(first.start.date())}, {first.provider_name} has {times}."
    if len(providers) == 1:
        return f"{slots[0].provider_name} has {join_spoken([say_when(x.start) for x in slots])}."
    if len(days) == 1:
        each = [f"{say_time(x.start)} with {x.provider_name}" for x in slots]
        return f"On {say_date(slots[0].start.date())}, I have {join_spoken(each)}."
    return f"I have {join_spoken([f'{x.provider_name} on {say_when(x.start)}' for x in slots])}."


def doctors_sentence(providers: list[Provider]) -> str:
    names = join_spoken([p.name for p in providers])
    return f"Which doctor would you like to see: {names}? Or anyone who's free. And what day works best?"
