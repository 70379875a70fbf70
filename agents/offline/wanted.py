"""What the caller wants (day, time, part of day), kept across turns and refined by each one.

"Tomorrow at 3" then "actually make it Thursday" means Thursday at 3; "any doctor" after an offer
keeps the day; "in the afternoon" replaces a time; "the first available" forgets the day. The
planner stores the merged result in its scratch as JSON.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from agents.offline.dates import When


def merge(old: When | None, new: When) -> When:
    """`old` refined by what was just said (`new`); `old` itself is left alone."""
    if old is None:
        return When(new.start, new.end, new.at, new.part, new.soonest, after=new.after, before=new.before)
    out = When(old.start, old.end, old.at, old.part, old.soonest, after=old.after, before=old.before)
    if new.after is not None or new.before is not None:  # "anything after 3": a range, not a time
        out.after, out.before, out.at = new.after, new.before, None
    if new.soonest and new.start is None:
        out.start = out.end = None
        out.soonest = True
    if new.start is not None:
        out.start, out.end, out.soonest = new.start, new.end, False
    if new.at is not None:
        out.at, out.part, out.after, out.before = new.at, "any", None, None
    elif new.part != "any":
        out.part, out.at = new.part, None
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
    )
