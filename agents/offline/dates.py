"""Dates and times from what a caller says (text already through `numbers.normalize`).

Numeric dates are read US month-first ("04/03/1985" is April 3rd), except when the first number
cannot be a month ("14/03/1985" is March 14th). Relative days ("tomorrow", "next Tuesday",
"December 3rd") go through `dateparser` relative to the runtime's clock, preferring the future.
Bare clock hours are read within office hours: "at 3" is 3 PM, "at 10" is 10 AM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import dateparser

from connectors.base import PartOfDay

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH_NC = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"

_DOB_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})\b"),  # 1985-03-04
    re.compile(rf"\b(?P<a>\d{{1,2}})[/.-](?P<b>\d{{1,2}})[/.-]{_YEAR}\b"),  # 03/04/1985 (US)
    re.compile(rf"\b{_MONTH}\s+(?:the\s+)?{_DAY},?\s+(?:of\s+)?{_YEAR}\b"),  # march 4th, 1985
    re.compile(rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),  # the 4th of march 1985
]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dob(text: str, today: date) -> tuple[date | None, str | None]:
    """A date of birth and the matched span's text, or (None, None). Future dates are refused."""
    for pattern in _DOB_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        groups = m.groupdict()
        year = int(groups["year"])
        if "m" in groups and groups.get("m"):
            found = _safe_date(year, int(groups["m"]), int(groups["d"]))
        elif groups.get("a"):
            a, b = int(groups["a"]), int(groups["b"])
            found = _safe_date(year, a, b) if a <= 12 else _safe_date(year, b, a)
        else:
            found = _safe_date(year, MONTHS[groups["month"]], int(groups["day"]))
        if found is not None and date(1900, 1, 1) <= found <= today:
            return found, m.group(0)
    return None, None


@dataclass
class When:
    """What a caller asked for: a day range, maybe a time, maybe a part of the day."""

    start: date | None = None
    end: date | None = None
    at: time | None = None
    part: PartOfDay = "any"
    soonest: bool = False
    matched: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.start is None and self.at is None and self.part == "any" and not self.soonest


_DAY_PHRASE = re.compile(
    r"\b(?:(?:the\s+)?day\s+after\s+tomorrow|today|tomorrow|tonight"
    rf"|(?:(?:next|this|coming)\s+)?(?:{'|'.join(WEEKDAYS)})"
    rf"|{_MONTH_NC}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?!\s*(?::|am|pm|\d))"
    rf"|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+of\s+{_MONTH_NC}"
    r"|\d{1,2}/\d{1,2}(?!/))\b"
)
_WEEK = re.compile(r"\b(next|this|the following)\s+week\b")
_TIME = re.compile(
    r"\b(?:(?P<half>half|quarter)\s+(?P<rel>past|after|to|till)\s+(?P<h1>\d{1,2})"
    r"|(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s*(?P<ampm>am|pm|o'clock|in the morning|in the afternoon)"
    r"|(?P<h2>\d{1,2}):(?P<min2>\d{2})"
    r"|(?:at|around|by)\s+(?P<h3>\d{1,2})(?!\d|st|nd|rd|th|/|:)"
    r"|(?P<noon>noon|midday))\b"
)
_SOONEST = re.compile(
    r"\b(soonest|earliest|first available|next available|as soon as|asap|anytime|any time|any day)\b"
)


def _office_hour(hour: int) -> int:
    """A bare hour read within office hours: 1-8 are afternoon, 9-12 as said."""
    return hour + 12 if 1 <= hour <= 8 else hour


def find_time(text: str) -> tuple[time | None, str | None]:
    m = _TIME.search(text)
    if not m:
        return None, None
    g = m.groupdict()
    if g["noon"]:
        return time(12, 0), m.group(0)
    if g["half"]:
        hour = int(g["h1"])
        minutes = 30 if g["half"] == "half" else 15
        if g["rel"] in ("to", "till"):
            hour, minutes = hour - 1, 60 - minutes
        hour = _office_hour(hour % 12 or 12)
        return (time(hour, minutes) if 0 <= hour < 24 else None), m.group(0)
    if g["h"]:
        hour, minute, ampm = int(g["h"]), int(g["min"] or 0), g["ampm"]
        if ampm in ("pm", "in the afternoon") and hour < 12:
            hour += 12
        elif ampm in ("am", "in the morning") and hour == 12:
            hour = 0
        elif ampm == "o'clock":
            hour = _office_hour(hour)
    elif g["h2"]:
        hour, minute = int(g["h2"]), int(g["min2"])
        hour = _office_hour(hour) if hour <= 12 else hour
    else:
        hour, minute = _office_hour(int(g["h3"])), 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None, None
    return time(hour, minute), m.group(0)


def _parse_day(phrase: str, now: datetime) -> date | None:
    phrase = phrase.replace("the day after tomorrow", "in 2 days").replace("day after tomorrow", "in 2 days")
    phrase = phrase.replace("tonight", "today")
    phrase = re.sub(r"^(this|coming)\s+", "", phrase)
    # "next tuesday" said on a Monday means the Tuesday of next week in most people's mouths,
    # but dateparser's "next" already skips to the following one; keep its reading.
    if re.fullmatch(r"\d{1,2}/\d{1,2}", phrase):  # US month/day
        month, day = (int(x) for x in phrase.split("/"))
        found = _safe_date(now.year, month, day)
        if found is not None and found < now.date():
            found = _safe_date(now.year + 1, month, day)
        return found
    parsed = dateparser.parse(
        phrase,
        languages=["en"],
        settings={
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "MDY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        return None
    found = parsed.date()
    if found < now.date():  # "December 3rd" said in January of the next year
        found = _safe_date(found.year + 1, found.month, found.day) or found
    return found


def find_when(text: str, now: datetime) -> When:
    """Everything about 'when' in one utterance (normalized text)."""
    when = When()
    today = now.date()
    dm = _DAY_PHRASE.search(text)
    if dm:
        day = _parse_day(dm.group(0), now)
        if day is not None:
            when.start = when.end = day
            when.matched.append(dm.group(0))
    else:
        wm = _WEEK.search(text)
        if wm:
            monday = today - timedelta(days=today.weekday())
            if wm.group(1) == "this":
                when.start, when.end = today, monday + timedelta(days=6)
            else:
                when.start = monday + timedelta(days=7)
                when.end = when.start + timedelta(days=6)
            when.matched.append(wm.group(0))
    at, span = find_time(text)
    if at is not None:
        when.at = at
        when.matched.append(span or "")
    if re.search(r"\bmorning\b", text):
        when.part = "morning"
    elif re.search(r"\b(afternoon|evening|after lunch)\b", text):
        when.part = "afternoon"
    if _SOONEST.search(text):
        when.soonest = True
    return when
