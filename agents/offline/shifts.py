"""A new time said relative to the appointment being moved (normalized text):
"an hour later", "half an hour earlier", "2 days later", "push it back a week", "bring it forward
a day", "the next day", "the day before", "same time the following week".

`shift_of` gives the move as (days, minutes); the planner adds it to the appointment's start, so
"an hour later" on a Thursday 10 AM is Thursday 11 AM, "push it to the next day" is Friday 10 AM
(a time said with it wins: "the next day at 3"). "Back" is later ("push it back a week") and
"forward" earlier ("bring it forward a day"), as British and American callers both use them.
"Could it go earlier in the day?" says no amount: `side_of` tells which side of the appointment's
time to look on (the planner offers that day's times before or after it).
"""

from __future__ import annotations

import re

_COUNT = r"(?:exactly\s+|just\s+)?(?P<n>\d{1,3}|a|an|one|a couple of|a couple|couple of|a few|half(?: an?)?)"
_UNIT = r"(?P<unit>hours?|hrs?|minutes?|mins?|days?|weeks?|fortnight)"
_LATER = r"later|back|after|out|on|further on"
_EARLIER = r"earlier|forward|before|sooner|up|ahead"
_PUSH = re.compile(  # "push it by an hour", "postpone it by one week": pushed is later
    rf"\b(?:push(?:ed)?|postpone[sd]?|delay(?:ed)?|defer(?:red)?) (?:it|that|my appointment|the appointment|my appt"
    rf"|him|her) (?:by )?{_COUNT}\s+{_UNIT}\b"
)
_BY_COUNT = re.compile(
    rf"\b{_COUNT}\s+{_UNIT}\s+(?P<dir>{_LATER}|{_EARLIER})\b(?!\s+(?:tomorrow|today|next|this|monday|tuesday"
    r"|wednesday|thursday|friday))"
    rf"|\b(?P<dir2>back|forward|later|earlier|out)\s+(?:by\s+)?(?:exactly\s+|just\s+|about\s+)?{_COUNT.replace('?P<n>', '?P<n2>')}\s+"
    rf"{_UNIT.replace('?P<unit>', '?P<unit2>')}\b"
)
_NEXT_DAY = re.compile(
    r"\b(?:the|to the|to) (?:next|following) (?P<next>day|week)\b(?! after)|\bthe day after\b(?! tomorrow| next)"
    r"|\bthe day before\b|\bsame time (?:the )?(?:following|next) week\b|\b(?:a|one|1) day (?:earlier|before|later|after)\b"
    # "push it back to the week after, same day same time", "same time the week after please"
    r"|\b(?:to )?the (?P<after>week) after\b(?! (?:next|that|this|christmas|easter|thanksgiving)\b)"
    # "move it to the next morning at 9", "the following afternoon", "the morning after"
    r"|\b(?:the|to the) (?:next|following) (?:morning|afternoon)\b|\bthe (?:morning|afternoon) after\b(?! (?:next|tomorrow)\b)"
)
_SAME_DAY = re.compile(
    r"\b(?:the|that) same day\b|\bsame day\b|\b(?:later|earlier) (?:that|on that|in the) day\b"
    # "the earliest you've got that same morning", "could he come that afternoon instead, at 2?"
    r"|\b(?:that|the) same (?:morning|afternoon)\b"
    # (not "I have to work that morning": the reason, not where it goes)
    r"|\b(?:come|come in|be|go|do|make it|have it|move it|put it|to|for|in) that (?:morning|afternoon)\b(?! of\b)"
    # "what else does he have that day?": the appointment's day, asked about
    r"|\b(?:what else|anything|something|what)\b[^.?!]{0,30}\b(?:have|has|got|free|open|available)\b[^.?!]{0,15}"
    r"\b(?:on )?that day\b"
)
_COUNTS = {"a": 1, "an": 1, "one": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3}


def _count(words: str, unit: str) -> float:
    if words.startswith("half"):
        return 0.5
    return _COUNTS.get(words) or int(words)


def shift_of(text: str) -> tuple[int, int] | None:
    """(days, minutes) to add to the appointment's start, or None when the words say no move."""
    text = re.sub(r"\b(an|1|one) hours? and a half\b", "90 minutes", text)  # "an hour and a half later"
    text = re.sub(r"\b(\d) and a half hours\b", lambda m: f"{int(m.group(1)) * 60 + 30} minutes", text)
    # "1.5 hours", "2.5 hrs", "1,5 hours": written with a decimal point (or comma)
    text = re.sub(
        r"\b(\d{1,2})[.,](\d{1,2}) ?(?:hours?|hrs?)\b",
        lambda m: f"{round(float(m.group(1) + '.' + m.group(2)) * 60)} minutes",
        text,
    )
    # "bring forward my appointment by a day": the direction, then the amount
    text = re.sub(r"\b(forward|back|out|up|later|earlier) (?:it|that|my appointment|the appointment|my appt|the appt) "
                  r"(?=(?:by )?(?:\d|a |an |one |half |couple |exactly |just ))", r"\1 ", text)  # fmt: skip
    if (m := _PUSH.search(text)) and not _BY_COUNT.search(text):
        text = f"{m.group('n')} {m.group('unit')} later"
    if m := _BY_COUNT.search(text):
        count = _count(m.group("n") or m.group("n2"), m.group("unit") or m.group("unit2"))
        unit = m.group("unit") or m.group("unit2")
        sign = -1 if re.fullmatch(_EARLIER, m.group("dir") or m.group("dir2")) else 1
        if unit.startswith(("hour", "hr")):
            return 0, sign * round(count * 60)
        if unit.startswith("min"):
            return 0, sign * round(count)
        days = count * (7 if unit.startswith("week") else 14 if unit == "fortnight" else 1)
        return (sign * round(days), 0) if days == int(days) else None
    if m := _NEXT_DAY.search(text):
        words = m.group(0)
        if m.group("next") == "week" or m.group("after") or "week" in words:
            return 7, 0
        return (-1 if re.search(r"\b(before|earlier)\b", words) else 1), 0
    if _SAME_DAY.search(text):  # "the same day but at 4", "later that day": the appointment's day
        return 0, 0
    return None


# "can it go earlier in the day?", "a bit later that day", "something later": no amount said
_SIDE = re.compile(
    r"\b(?:(?:go|be|come|make it|move it|push it|bring it|get it|have it|do it|something|anything|a bit|a little"
    r"|slightly|bit|little|much)\s+(?P<d1>earlier|later)|(?P<d2>earlier|later)\s+(?:in|on|that)\s+(?:the\s+|that\s+)?(?:same\s+)?day)\b"
    r"(?!\s+than)"
)


def side_of(text: str) -> str | None:
    """ "before" / "after" the appointment's time for "could it go earlier in the day?", "a bit
    later"; None when an amount is said ("an hour later": `shift_of`) or no such words are."""
    m = _SIDE.search(text)
    if m is None or shift_of(text) not in (None, (0, 0)):
        return None
    return "before" if (m.group("d1") or m.group("d2")) == "earlier" else "after"
