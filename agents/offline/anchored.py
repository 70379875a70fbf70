"""A new day said from the appointment being moved, not from today (normalized text):
- "the Monday after", "the following Monday", "the next Monday after that": the first Monday after
  the appointment's day; so is "the Monday" said as the new day ("can he come on the Friday
  instead", "move it to the Monday"), with no "this" or "next";
- "the Monday before", "the previous Monday": the last Monday before it;
- "the Wednesday of that same week", "Wednesday that week", "later that week on Wednesday": that
  weekday of the appointment's week; "the week after, Wednesday morning?", "Tuesday of the
  following week": that weekday of the week after it.

`day_of` reads the words; `days_from` turns them into days to add to the appointment's start,
which the planner moves the appointment by (as it does "the next day": `shifts`), at the
appointment's time unless a time was said.

A week shift ("to next week") gives way to a day named with it ("to next week, what does Dr Patel
have on Tuesday afternoon?": Tuesday of next week, not the appointment's weekday): `named_day_wins`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.offline.calendar_words import WEEKDAYS
from agents.offline.dates import day_phrases
from agents.offline.moments import changes_of_mind
from agents.offline.shifts import shift_of

_WD = "|".join(WEEKDAYS)
# what may follow "the Monday after" when it is the appointment's Monday after (not "the Monday
# after next", nor "the Monday after Christmas")
_ENDS = (
    r"(?=\s*(?:$|[,.?!;:-]|(?:that|it|this|then|instead|same|at|in|please|if|or|and|so|would|will|works?|is"
    r"|for|with|around|about|maybe|ideally|preferably)\b|(?:my|the|his|her|their|our) (?:appointment|appt|visit"
    r"|one|jab|check ?up|booking|slot)\b))"
)
_AFTER = re.compile(
    rf"\b(?:the )?(?:following|next) (?P<a>{_WD}) (?:after|following) (?:that|it|this|then)\b"
    rf"|\bthe (?P<b>{_WD}) (?:after|following|afterwards?){_ENDS}"
    rf"|\b(?:the )?following (?P<c>{_WD})\b"
)
_BEFORE = re.compile(
    rf"\bthe (?P<a>{_WD}) (?:before|prior|beforehand|earlier){_ENDS}|\bthe previous (?P<b>{_WD})\b"
)
_SAME_WEEK = re.compile(
    rf"\b(?P<a>{_WD}) (?:of|in|on) (?:that|the same|that same|the) week\b(?! after| before)"
    rf"|\b(?P<b>{_WD}),? (?:that|the same|that same) week\b"
    rf"|\b(?:that|the same|that same) week,? (?:on |say |maybe |perhaps )?(?:the )?(?P<c>{_WD})\b"
    rf"|\b(?:later|earlier) (?:in |on )?(?:that|the same|that same) week,? (?:on |say |maybe |perhaps )?"
    rf"(?:the )?(?P<d>{_WD})\b"
)


# "the week after, anything Wednesday morning?", "Tuesday of the following week": that weekday of
# the week after the appointment's
_WEEK_AFTER = re.compile(
    rf"\b(?P<a>{_WD}),? (?:of |in |on )?(?:the )?(?:week after(?! next)|following week)\b"
    rf"|\b(?:the )?(?:week after(?! next)|following week)\b[^.?!]{{0,40}}?\b(?P<b>{_WD})\b"
)


# "can he come on the Friday instead", "move it to the Monday, same time": a weekday with "the"
# and no "this/next" is one the appointment leads to, the first after its day (as "the Friday after")
_THE_DAY = re.compile(
    rf"\b(?:to|tae|till|til|on|for|into|do|make it|make that) the (?P<a>{_WD})\b(?!'s)"
    r"(?!\s+(?:after|before|following|of|in|on|that|this|the|week|appointment|appt|visit|one|booking|slot)\b)"
)


def day_of(text: str) -> tuple[int, str] | None:
    """(weekday 0-6, "after" | "before" | "week" | "week after") said from the appointment, or None."""
    for mode, pattern in (
        ("after", _AFTER),
        ("before", _BEFORE),
        ("week", _SAME_WEEK),
        ("week after", _WEEK_AFTER),
    ):
        if (m := pattern.search(text)) is not None:
            name = next(g for g in m.groups() if g)
            return WEEKDAYS.index(name), mode
    the = _THE_DAY.search(text)
    if the is not None and re.search(rf"\b(?:later|earlier) (?:on|in) the {the.group('a')}\b", text):
        return None  # "could it go later on the thursday?": later on that Thursday, not the one after
    if the is not None and the.start("a") == day_phrases(text)[-1].start():  # the last day said
        return WEEKDAYS.index(the.group("a")), "after"
    return None


def days_from(appointment: date, weekday: int, mode: str) -> int | None:
    """Days from the appointment's day to the day said; None when that is the appointment's day."""
    if mode == "after":
        days = (weekday - appointment.weekday() - 1) % 7 + 1
    elif mode == "before":
        days = -((appointment.weekday() - weekday - 1) % 7 + 1)
    else:
        days = weekday - appointment.weekday() + (7 if mode == "week after" else 0)
    return days or None


def named_day_wins(shift: tuple[int, int], new_words: str | None) -> bool:
    """A shift of whole weeks ("to next week"), or none ("my daughter flies in that afternoon"),
    with a day named in the new time's words."""
    days, minutes = shift
    return (
        bool(new_words)
        and minutes == 0
        and days % 7 == 0
        # ("... what's the first you have that same morning?": the same day is the new one's)
        and (days != 0 or shift_of(new_words or "") is None)
        and bool(day_phrases(new_words or ""))
    )


def read_move(s: dict[str, Any], text: str, new_words: str | None) -> bool:
    """A move said from the appointment, into the planner's scratch: "shift" (days, minutes), and
    "anchor" for a weekday said from it (the planner turns it into days once it knows which
    appointment). `new_words` are the words of the new time, when the turn says both."""
    if (changed := changes_of_mind(text)) and day_phrases(after := text[changed[0][1] :]):
        # "... to the Thursday of that week, no wait, that's Thanksgiving, the Wednesday then, the
        # 25th, at 3": the day said after the change of mind, read as any new day is
        text = after
    shift = shift_of(text)
    if shift is not None and named_day_wins(shift, new_words):
        shift = None
    if (anchor := day_of(text)) is not None:
        s["anchor"], s["shift"] = list(anchor), [0, shift[1] if shift else 0]
        return True
    if shift is not None:
        s["shift"] = list(shift)
        return True
    return False
