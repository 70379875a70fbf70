"""What the caller wants (day, time, part of day), kept across turns and refined by each one.

"Tomorrow at 3" then "actually make it Thursday" means Thursday at 3; "any doctor" after an offer
keeps the day; "in the afternoon" replaces a time; "the first available" forgets the day; "first
thing" (the edge of a day) replaces a time and is replaced by one; a fallback time lives with its time;
"any day but Monday" holds until a Monday is named. The planner stores the merged result in its scratch as JSON.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from agents.offline.calendar_words import WEEKDAYS
from agents.offline.dates import When


def merge(old: When | None, new: When) -> When:
    """`old` refined by what was just said (`new`); `old` itself is left alone."""
    new = _bound_is_no_option(new)
    if old is None:
        return replace(new, matched=[])
    out = replace(old, matched=[])
    if new.after is not None or new.before is not None:  # "anything after 3": a range, not a time
        out.after, out.before, out.at = new.after, new.before, None
    if new.soonest and new.start is None:
        out.start = out.end = out.edge = None
        out.soonest = True
    if new.start is not None:
        out.start, out.end, out.soonest = new.start, new.end, False
        if new.at is None and old.fallback_day is not None and new.start == new.end:
            # "Friday at 2 or Monday at 3", then "Monday": the time said with that day
            if new.start == old.fallback_day and old.fallback is not None:
                out.at = old.fallback
            out.fallback = out.fallback_day = None
        if old.start is not None and old.end is not None and new.start == new.end and _weekday_alone(new):
            # "sometime next week", then "do you have Wednesday at 10?": that week's Wednesday
            # (read alone it was the coming one, before the week asked for)
            later = new.start + timedelta(days=7)
            if old.start < old.end and new.start < old.start <= later <= old.end:
                out.start = out.end = later
    if new.at is not None:
        out.at, out.part, out.after, out.before = new.at, "any", None, None
        out.fallback, out.fallback_day, out.edge = new.fallback, new.fallback_day, None
        out.options = list(new.options)
    elif new.edge is not None:  # "first thing": the first free time, whatever time was said
        out.edge, out.at, out.fallback, out.fallback_day, out.options = new.edge, None, None, None, []
        out.part, out.after, out.before = new.part, new.after, new.before
    elif new.part != "any":
        out.part, out.at, out.fallback, out.fallback_day, out.edge = new.part, None, None, None, None
        out.options = []
    out.not_days = _days_still_ruled_out(old, new)
    return out


def _bound_is_no_option(new: When) -> When:
    """ "between 9 and 10, 9:30 ideally": the time in the range is the one asked; the range's end
    said again before it ("10, 9:30" read as a list) is no time of its own to choose from."""
    if new.at is None or not new.options or (new.after is None and new.before is None):
        return new
    bounds = {new.before, new.after and (datetime.combine(date.min, new.after) + timedelta(minutes=1)).time()}
    kept = [t for t in new.options if t not in bounds]
    if len(kept) == len(new.options) or new.at not in kept:
        return new
    return replace(
        new,
        options=kept if len(kept) > 1 else [],
        fallback=None if new.fallback in bounds else new.fallback,
    )


def _days_still_ruled_out(old: When, new: When) -> list[int]:
    """ "Any day but Monday" holds across turns, until the caller names a Monday themselves."""
    days = set(old.not_days) | set(new.not_days)
    if new.start is not None and new.start == new.end:
        days.discard(new.start.weekday())
    return sorted(days)


def _weekday_alone(new: When) -> bool:
    """The day was said as a weekday alone ("wednesday", "on weds"), not "this/next wednesday",
    "tomorrow" or a date."""
    said = [m.strip().lower() for m in new.matched]
    return any(re.fullmatch(rf"(?:on\s+)?(?:{'|'.join(WEEKDAYS)})", m) for m in said) and not any(
        re.search(r"\b(?:next|this|coming|tomorrow|today|week)\b|\d(?:st|nd|rd|th)\b|/", m) for m in said
    )


def shifted(want: When | None, start: datetime, days: int, minutes: int) -> When:
    """ "an hour later", "the next day", "back a week" from an appointment at `start`: that day,
    and that time unless a time or part of the day was said ("the next day at 3")."""
    moved = start + timedelta(days=days, minutes=minutes)
    out = merge(want, When()) if want is not None else When()
    if out.start is None or days or minutes:
        out.start = out.end = moved.date()
    moment = moved.time().replace(tzinfo=None)
    if out.not_days and days and days % 7 == 0 and not minutes:
        # "a morning the following week, any day except Monday": days of that week are asked
        # for, not its same weekday (nor the same time)
        out.start = moved.date() - timedelta(days=moved.weekday())
        out.end = out.start + timedelta(days=6)
    elif (
        out.at is None and out.part == "any" and out.edge is None and out.after is None and out.before is None
    ):
        out.at = moment
    elif (
        out.at is None
        and minutes
        and out.edge is None
        and (out.after is None or moment >= out.after)
        and (out.before is None or moment <= out.before)
    ):
        # "I can't get away till after half three. Could you bump it 90 minutes later?" of a 2:30:
        # 4 o'clock, which the caller's own limit allows
        out.at, out.part = moment, "any"
    out.soonest = False
    return out


def beside(want: When | None, start: datetime, side: str) -> When:
    """ "Earlier in the day" / "a bit later" than an appointment at `start`: its day (unless
    another was said), any time before (`side` "before") or after it."""
    out = merge(want, When()) if want is not None else When()
    if out.start is None:
        out.start = out.end = start.date()
    out.at = out.fallback = None  # (an edge asked stays: "later that day, the latest he has")
    out.part, out.soonest = "any", False
    moment = start.time().replace(tzinfo=None)
    out.before, out.after = (moment, None) if side == "before" else (None, moment)
    return out


def moved_on(want: When | None, shift: tuple[int, int] | None) -> When | None:
    """A booking's wanted day (and time) moved by "the day after", "an hour later", "a week
    later"; None when nothing was asked for yet (or no move was said)."""
    if want is None or want.start is None or shift is None or shift == (0, 0):
        return None
    days, minutes = shift
    out = merge(want, When())
    out.start = want.start + timedelta(days=days)
    out.end = (want.end or want.start) + timedelta(days=days)
    if minutes and want.at is not None:
        out.at = (datetime.combine(want.start, want.at) + timedelta(minutes=minutes)).time()
    elif minutes:
        return None  # "an hour later" than no time: not a time to guess
    return out


def dump(when: When) -> dict[str, Any]:
    return {
        "start": when.start.isoformat() if when.start else None,
        "end": when.end.isoformat() if when.end else None,
        "at": when.at.isoformat() if when.at else None,
        "part": when.part,
        "soonest": when.soonest,
        "after": when.after.isoformat() if when.after else None,
        "before": when.before.isoformat() if when.before else None,
        "edge": when.edge,
        "fallback": when.fallback.isoformat() if when.fallback else None,
        "fallback_day": when.fallback_day.isoformat() if when.fallback_day else None,
        "options": [t.isoformat() for t in when.options],
        "not_days": list(when.not_days),
    }


def load(data: dict[str, Any] | None) -> When | None:
    if not data:
        return None
    return When(
        start=date.fromisoformat(data["start"]) if data.get("start") else None,
        end=date.fromisoformat(data["end"]) if data.get("end") else None,
        at=time.fromisoformat(data["at"]) if data.get("at") else None,
        part=data.get("part", "any"),
        soonest=bool(data.get("soonest")),
        after=time.fromisoformat(data["after"]) if data.get("after") else None,
        before=time.fromisoformat(data["before"]) if data.get("before") else None,
        edge=data.get("edge"),
        fallback=time.fromisoformat(data["fallback"]) if data.get("fallback") else None,
        fallback_day=date.fromisoformat(data["fallback_day"]) if data.get("fallback_day") else None,
        options=[time.fromisoformat(t) for t in data.get("options") or []],
        not_days=[int(d) for d in data.get("not_days") or []],
    )
