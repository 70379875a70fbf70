"""Days and times from what a caller says (text already through `numbers.normalize`).

Numeric days are read US month-first ("4/3" is April 3rd); a date of birth is read in
`birthdates`. Relative days ("tomorrow", "December 3rd") go through `dateparser` relative to the
runtime's clock, preferring the future. Weekdays and days of the month are resolved here, by one
documented rule (the bot always repeats the concrete date before it writes anything, so a caller
who meant another day can say "actually I meant the 8th"):
- "Tuesday", "this Tuesday", "on Tuesday": the next Tuesday after today (said on a Tuesday: a
  week from today, except "this Tuesday", which is today);
- "next Tuesday": the Tuesday of next calendar week (weeks start on Monday). Said on a Monday or
  Tuesday that is 8 or 7 days away, not tomorrow; said later in the week it is the coming one;
- "the 9th": the next 9th of a month from today on (today included);
- "next week" + a weekday ("next week on Thursday"): that weekday of next week.
Bare clock hours are read within office hours: "at 3" is 3 PM, "at 10" is 10 AM.
Typed and British forms ("tmrw", "half 3", "Thursday week") arrive respelled (`daywords`, from
`numbers.normalize`); `find_when` adds the readings of `moments` (the edge of a day, a fallback
time, a change of mind, "this time next week").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import dateparser

from agents.offline import moments, told_dates
from agents.offline.calendar_words import MONTH_NC, MONTH_WORDS, MONTHS, WEEKDAYS, office_hour, safe_date
from agents.offline.date_relations import relative_dates
from agents.offline.time_lists import times_listed
from connectors.base import PartOfDay


@dataclass
class When:
    """What a caller asked for: a day range, maybe a time, maybe a part of the day."""

    start: date | None = None
    end: date | None = None
    at: time | None = None
    part: PartOfDay = "any"
    soonest: bool = False
    matched: list[str] = field(default_factory=list)
    after: time | None = None  # "after 3": times later than this
    before: time | None = None  # "before 11": times earlier than this
    edge: str | None = None  # "first thing" / "last thing": the first ("first") or last free time
    fallback: time | None = None  # "quarter to 11, else 11": the time taken when `at` is not free
    # "Tuesday at 11 or Wednesday at 11": the other day the caller named (at `fallback`, else `at`)
    fallback_day: date | None = None
    # "2, 2:30 or 3, whichever": every time the caller would take, in the order said (`at` first)
    options: list[time] = field(default_factory=list)
    # "the week of the 21st, any day but Wednesday": weekdays (0-6) never to offer
    not_days: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return (
            self.start is None
            and self.at is None
            and self.part == "any"
            and not self.soonest
            and self.after is None
            and self.before is None
            and self.edge is None
        )


_DAY_PHRASE = re.compile(
    r"\b(?:(?:the\s+)?day\s+after\s+tomorrow|today|tomorrow|tonight"
    rf"|(?:(?:next|this|coming)\s+)?(?:{'|'.join(WEEKDAYS)})"
    # not "march 3 pm" (a time) nor "march 14 1985" / "march 14 85" (a year); "dec 14 10:30am" is a day
    rf"|{MONTH_NC}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?"
    r"(?!\s*(?::|am|pm|\d{3}|\d{2}(?![:\d]|\s*(?:am|pm|a\.m|p\.m|o'clock))|\d(?![:\d]|\s*(?:am|pm|a\.m|p\.m|o'clock))))"
    rf"|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_NC}"
    r"|(?<!/)\d{1,2}/\d{1,2}(?![/:\d])"  # (not the "31/94" of "10/31/94")
    # a bare ordinal is a day only as "the 9th" / "on 9th" or as the whole answer ("1st name" isn't)
    # ("the first and the last times he has": the ends of a day, no date)
    r"|(?:the|on)\s+\d{1,2}(?:st|nd|rd|th)(?!\s*(?:one|option|weeks?|slot|choice|time|available|of|thing|things|opening|openings|appointment|appointments|appt|appts|free|spot|slots|available|and (?:the )?last)\b)"
    r"|^\W*\d{1,2}(?:st|nd|rd|th)(?=\W*$))\b"
)
_DAY_OF_MONTH = re.compile(r"^\W*(?:(?:the|on)\s+)?(\d{1,2})(?:st|nd|rd|th)$")
_WEEKDAY_PHRASE = re.compile(rf"^(?:(next|this|coming)\s+)?({'|'.join(WEEKDAYS)})$")
_WEEK = re.compile(r"\b(next|this|the following)\s+week\b")
_TIME = re.compile(
    r"\b(?:(?P<half>half|quarter)\s+(?P<rel>past|after|to|till)\s+(?P<h1>\d{1,2})"
    # (not the day of "tues 3/2 in the afternoon": a numeric date's day is never an hour)
    r"|(?<!/)(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s*(?P<ampm>am|pm|o'clock|in the morning|in the afternoon)"
    r"|(?P<h2>\d{1,2}):(?P<min2>\d{2})"
    r"|(?:at|around|by)\s+(?:the\s+)?(?P<h3>\d{1,2})(?!\d|st|nd|rd|th|/|:|\s*(?:days?|weeks?|hours?|hrs?|minutes?|mins?|months?)\b)"
    # "move it to 4", "sorry, I meant 11", "can we do 2", "can you do 11?": an hour after words that name a time
    r"|(?:(?:to|for|meant|mean|said|say|make it|make that|make this|how about|what about|(?:can|could) (?:we|you|i) do|try"
    r"|rather|ok|okay|yes|yeah|sure|fine|then|(?:it|that|this) be"
    # "I could do 11", "we can do 3": the caller's own hour
    r"|(?:i|we) (?:can|could) do),?\s+|^\W*"
    # "the last of those, the 11", "the 9 one please": an hour picked (not "on the 11": a date)
    r"|(?<!\bon )\bthe\s+(?=(?:1[0-2]|[1-9])(?:\s+(?:one|slot|please|then)\b|\W*$))"
    # "does dr chen have 11 on tuesday?", "is 3 free tomorrow": an hour asked about
    r"|\b(?:have|has|got|is)\s+(?=(?:1[0-2]|[1-9])(?:\s+(?:on|tomorrow|today|free|available|open|this|next)\b|\s*\?|\W*$))"
    # "would 11 that morning be possible?", "would 3 work instead?": an hour offered as the new time
    r"|\bwould\s+(?=(?:1[0-2]|[1-9])\s+(?:be|work|suit|do|that|the same|on|tomorrow|today|instead)\b)"
    # "can it go earlier in the day, like 9?", "something like 10": an hour given as an example
    r"|(?:,\s*|(?:something|more|earlier|later|sooner|day)\W?\s+)(?:like|maybe|perhaps|ideally|preferably)\s+"
    # "morning ideally, 11?": an hour alone asked about after a comma
    r"|,\s+(?=(?:1[0-2]|[1-9])\s*\?)"
    # "dr patel 11 pls": an hour right after the doctor's name
    r"|\b(?:dr|doctor)\.?\s+[a-z'-]+\s+(?=(?:1[0-2]|[1-9])(?:\s+(?:pls|please|plz|if|then|ok)\b|\W*$))"
    # "friday morning, 9 if that's free", "tuesday, 11", "friday instead, 11", "Patel. Friday. 3.",
    # "Wednesday the 9th. 4.": an hour (1-12, no date) after the day
    rf"|\b(?:morning|afternoon|{'|'.join(WEEKDAYS)}|tomorrow|today|\d{{1,2}}(?:st|nd|rd|th))(?:\s+instead)?\s*[,.?-]?\s+(?:(?:ideally|preferably|maybe"
    rf"|perhaps|hopefully|like|roughly)\s+)?(?=(?:1[0-2]|[1-9])\b(?!\s*{MONTH_NC})))"
    r"(?P<h4>\d{1,2})(?!\d|st|nd|rd|th|/|:|\s*(?:am|pm|o'clock|in the|a\.m|p\.m|days?|weeks?|months?|hours?"
    r"|minutes?|people|years?|of|or(?!\s+(?:at\s+)?\d)|-|and|\d)"
    rf"|\s*,?\s*{MONTH_NC})"  # "18 december, wednesday, at 12": a date
    r"|(?P<noon>noon|midday)(?:ish)?)\b"
)
_SOONEST = re.compile(
    r"\b(soonest|earliest|(?:1st|first|next) (?:available|opening|free)|as soon as|asap|anytime|any time|any day)\b"
)


_BARE_HOUR = re.compile(r"^\W*(?:um |uh |at |maybe |how about |like |say )?(\d{1,2})(?: please)?\W*$")


# "december 8 in the afternoon" (said "tues 12/8 in the afternoon"): the 8 is the month's day
# (not "the 10th of november 11:30 in the morning": the month has its day, the time follows)
_MONTHS_DAY_BEFORE = re.compile(
    rf"(?<!\d )(?<!\d(?:st|nd|rd|th) )(?<!\d(?:st|nd|rd|th) of )\b{MONTH_NC}\s+(?:the\s+)?$"
)


def _the_days_part(m: re.Match[str]) -> bool:
    """A day of a month read as an hour for the part of the day said after it."""
    return (
        m.group("ampm") in ("in the morning", "in the afternoon")
        and m.group("min") is None
        and _MONTHS_DAY_BEFORE.search(m.string[: m.start()]) is not None
    )


def find_time(text: str) -> tuple[time | None, str | None]:
    m = next((t for t in _TIME.finditer(text) if not _the_days_part(t)), None)
    if not m:
        bare = _BARE_HOUR.match(text)  # "eleven." as the whole answer: an hour in office hours
        if bare and 1 <= int(bare.group(1)) <= 12:
            return time(office_hour(int(bare.group(1))), 0), bare.group(0)
        return None, None
    g = m.groupdict()
    if g["noon"]:
        return time(12, 0), m.group(0)
    if g["half"]:
        hour = int(g["h1"])
        minutes = 30 if g["half"] == "half" else 15
        if g["rel"] in ("to", "till"):
            hour, minutes = hour - 1, 60 - minutes
        hour = office_hour(hour % 12 or 12)
        return (time(hour, minutes) if 0 <= hour < 24 else None), m.group(0)
    if g["h"]:
        hour, minute, ampm = int(g["h"]), int(g["min"] or 0), g["ampm"]
        if ampm in ("pm", "in the afternoon") and hour < 12:
            hour += 12
        elif ampm in ("am", "in the morning") and hour == 12:
            hour = 0
        elif ampm == "o'clock":
            hour = office_hour(hour)
    elif g["h2"]:
        hour, minute = int(g["h2"]), int(g["min2"])
        hour = office_hour(hour) if hour <= 12 else hour
    else:
        hour, minute = office_hour(int(g["h3"] or g["h4"])), 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None, None
    return time(hour, minute), m.group(0)


def weekday_date(weekday: int, today: date, *, next_week: bool, this: bool = False) -> date:
    """The rule in the module docstring: 'Tuesday' is the next one after today, 'this Tuesday'
    said on a Tuesday is today, 'next Tuesday' the one in next calendar week."""
    if next_week:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    if this and weekday == today.weekday():
        return today
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def day_of_month(day: int, today: date) -> date | None:
    """'the 9th': the next 9th from today on (skipping months without that day)."""
    year, month = today.year, today.month
    for _ in range(13):
        found = safe_date(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _parse_day(phrase: str, now: datetime) -> date | None:
    phrase = re.sub(r"\s+", " ", phrase.strip())
    if m := _WEEKDAY_PHRASE.match(phrase):
        return weekday_date(
            WEEKDAYS.index(m.group(2)), now.date(), next_week=m.group(1) == "next", this=m.group(1) == "this"
        )
    if m := _DAY_OF_MONTH.match(phrase):
        return day_of_month(int(m.group(1)), now.date())
    phrase = phrase.replace("the day after tomorrow", "in 2 days").replace("day after tomorrow", "in 2 days")
    phrase = phrase.replace("tonight", "today")
    if re.fullmatch(r"\d{1,2}/\d{1,2}", phrase):  # US month/day
        month, day = (int(x) for x in phrase.split("/"))
        found = safe_date(now.year, month, day)
        if found is not None and found < now.date():
            found = safe_date(now.year + 1, month, day)
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
        found = safe_date(found.year + 1, found.month, found.day) or found
    return found


def day_phrases(text: str, today: date | None = None) -> list[re.Match[str]]:
    """Every day named in the text, in order ("thursday", "the 9th", "december 3rd"). Given
    `today`, a date with a past year after it ("april 8, 2015", "the 8th of april 2015") is left
    out: a birth date, not a day to book ("march 5, 2027" stays a day)."""
    found = list(_DAY_PHRASE.finditer(text))
    if today is None:
        return found
    return [m for m in found if not ((y := _A_YEAR_AFTER.match(text, m.end())) and _year(y) < today.year)]


# a year right after a day and month, maybe after a comma: "..., 2015", "... 1979", "..., '79"
_A_YEAR_AFTER = re.compile(
    r"\s*,?\s*(?:(?P<year>(?:19|20)\d\d)|'\s?(?P<yy>\d\d))\b(?!\s*(?::|am\b|pm\b|o'clock))"
)


def _year(m: re.Match[str]) -> int:
    return int(m.group("year")) if m.group("year") else 1900  # "'79": some year long past


_BOUND = re.compile(
    r"\b(after|before|later than|earlier than|not before|nothing before|not after|no earlier than|no later than)\s+"
    r"((?:\d{1,2}(?::\d{2})?(?:\s*(?:am|pm|o'clock))?)|noon|midday)"
)


_TIME_WORDS = r"(?:\d{1,2}(?::\d{2})?(?:\s*(?:am|pm|o'clock))?|noon|midday)"
_FROM_ON = re.compile(
    rf"\b(?:from|starting at|starting from)\s+(?P<from>{_TIME_WORDS})\s+(?:on|onwards?|or later|and later)\b"
    # "patel friday, 1 or later": the same without "from"
    rf"|\b(?<!:)(?P<from2>{_TIME_WORDS}),?\s+(?:or later|and later|onwards?|or after(?: that)?|or any time after)\b"
    # "friday afternoon, anytime from two", "anything from 3"
    rf"|\b(?:any ?time|anything|whenever|something) (?:from|starting at|starting from) (?P<from3>{_TIME_WORDS})"
)
_BETWEEN = re.compile(rf"\bbetween\s+(?P<from>{_TIME_WORDS})\s+and\s+(?P<to>{_TIME_WORDS})")


def _a_minute_before(at: time) -> time:
    """ "from 2:30" is 2:30 or later; `When.after` is strictly later."""
    minutes = at.hour * 60 + at.minute - 1
    return time(minutes // 60, minutes % 60) if minutes >= 0 else at


_NTH = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1}
_WEEKDAY_OF_MONTH = re.compile(
    rf"\b(?:the\s+)?(?P<nth>{'|'.join(_NTH)})\s+(?P<wd>{'|'.join(WEEKDAYS)})\s+(?:of|in)\s+"
    rf"(?:(?P<which>this|next|the)\s+month|(?P<month>{MONTH_WORDS}))\b"
)
_DAY_OF_MONTH_WORDS = re.compile(
    r"\b(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+of\s+(?P<which>this|next|the)\s+month\b"
)


def _day_of_a_month(text: str, today: date) -> tuple[date, date, str] | None:
    """ "the last Friday of this month", "the 2nd Tuesday of next month", "the 3rd of next month"."""
    m = _WEEKDAY_OF_MONTH.search(text) or _DAY_OF_MONTH_WORDS.search(text)
    if m is None:
        return None
    first = today.replace(day=1)
    if m.group("which") == "next":
        first = (first + timedelta(days=32)).replace(day=1)
    elif m.groupdict().get("month"):  # "the first Monday of November": the next November
        month = MONTHS[m.group("month")]
        first = date(today.year + (month < today.month), month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    if "wd" in m.groupdict() and m.group("wd"):
        weekday, nth = WEEKDAYS.index(m.group("wd")), _NTH[m.group("nth")]
        days = [first + timedelta(days=i) for i in range((following - first).days)]
        matching = [d for d in days if d.weekday() == weekday]
        day = matching[nth if nth < 0 else nth - 1] if len(matching) >= abs(nth) else None
    else:
        day = safe_date(first.year, first.month, int(m.group("day")))
    return (day, day, m.group(0)) if day is not None and day >= today else None


_WEEK_OF_A_MONTH = re.compile(
    rf"\b(?:the\s+)?(?P<nth>{'|'.join(_NTH)})\s+week\s+(?:of|in)\s+"
    rf"(?:(?P<which>this|next|the)\s+month|(?P<month>{MONTH_WORDS}))\b"
)


def _week_of_a_month(text: str, today: date) -> tuple[date, date, str] | None:
    """ "the first week of May", "the last week of next month": the weekdays (Monday to Friday,
    within the month) of the week that holds the month's first (or last) weekday, or the weeks
    after it; (first, last, words). A weekday or date said with it picks the day inside it."""
    m = _WEEK_OF_A_MONTH.search(text)
    if m is None:
        return None
    first = today.replace(day=1)
    if m.group("which") == "next":
        first = (first + timedelta(days=32)).replace(day=1)
    elif m.group("month"):  # "the first week of May": the next May
        month = MONTHS[m.group("month")]
        first = date(today.year + (month < today.month), month, 1)
    last_of_month = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    nth = _NTH[m.group("nth")]
    # the month's first (last) week: the one with most of its weekdays in the month (May 2060 begins
    # on a Saturday, its first week is Monday the 3rd to Friday the 7th; it ends on Monday the 31st,
    # its last week is the 24th to the 28th)
    if nth > 0:
        monday = first - timedelta(days=first.weekday())
        if first.weekday() >= 3:
            monday += timedelta(weeks=1)
        monday += timedelta(weeks=nth - 1)
    else:
        monday = last_of_month - timedelta(days=last_of_month.weekday())
        if last_of_month.weekday() < 2:
            monday -= timedelta(weeks=1)
    start, end = max(monday, first, today), min(monday + timedelta(days=4), last_of_month)
    return (start, end, m.group(0)) if start <= end else None


_COUNT = r"(?:\d{1,2}|a|an|one|a couple of|a couple|couple of|a few)"
_RELATIVE = re.compile(
    rf"\b(?:(?:in\s+)?(?P<n>{_COUNT})\s+(?P<unit>weeks?|days?)\s+(?:from|after)\s+(?P<base>today|tomorrow|now"
    rf"|(?:(?:next|this|coming)\s+)?(?:{'|'.join(WEEKDAYS)}))"
    rf"|in\s+(?P<n2>{_COUNT})\s+(?P<unit2>weeks?|days?)(?:'?s? time)?"
    r"|(?P<after_next>the\s+week\s+after\s+next|(?:in\s+)?a\s+fortnight))\b"
)
_COUNTS = {"a": 1, "an": 1, "one": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3}


def _relative_days(text: str, now: datetime) -> tuple[date, date, str] | None:
    """ "a week from tuesday" (the Tuesday after the coming one), "2 weeks from today", "in 3 days",
    "in two weeks" (that week, from that day on), "the week after next": (first, last, words)."""
    # "come in a week from thursday": the "from" reading wins over "in a week"
    m = next((x for x in _RELATIVE.finditer(text) if x.group("base")), None) or _RELATIVE.search(text)
    if not m:
        return None
    today = now.date()
    if m.group("after_next"):
        if "fortnight" in m.group("after_next"):
            return today + timedelta(days=14), today + timedelta(days=20), m.group(0)
        monday = today - timedelta(days=today.weekday()) + timedelta(days=14)
        return monday, monday + timedelta(days=6), m.group(0)
    count_words = m.group("n") or m.group("n2")
    count = _COUNTS.get(count_words) or int(count_words)
    unit = m.group("unit") or m.group("unit2")
    days = count * (7 if unit.startswith("week") else 1)
    if m.group("base") is None or m.group("base") == "now":  # "in 2 weeks": from that day on
        first = today + timedelta(days=days)
        return first, first + timedelta(days=6 if unit.startswith("week") else 0), m.group(0)
    base = _parse_day(m.group("base"), now) if m.group("base") != "today" else today
    if base is None:
        return None
    return base + timedelta(days=days), base + timedelta(days=days), m.group(0)


_PART_OF_WEEK = re.compile(
    r"\b(?:(?P<early>early|beginning of|start of)|(?P<late>end of|late|later|latter part of))\s+(?:the\s+)?"
    r"(?P<which>next|this|the|coming)?\s*week\b"
)
_MONTH_RANGE = re.compile(
    rf"\b(?:(?P<part>early|mid|late|the end of|the beginning of|end of|beginning of)\s+|(?:sometime\s+)?(?:in|during)\s+"
    rf"(?:early\s+|mid\s+|late\s+)?)(?P<month>{'|'.join(m for m in MONTHS if len(m) > 3)})\b(?!\s*\d)"
    r"|\b(?:(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+|early\s+|late\s+|mid\s+)?(?P<next>next|this|the following)\s+month\b"
    r"|\b(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+(?P<this>the)\s+month\b(?!\s+of)"
)
_LAST_DAY_OF = re.compile(
    r"\b(?:the\s+)?last\s+(?:day|weekday|working day|business day)\s+of\s+(?P<which>the|this|next|the following)\s+month\b"
)


def _week_or_month_range(text: str, now: datetime) -> tuple[date, date, str] | None:
    """ "early next week" (Monday, Tuesday), "end of the week" (Thursday, Friday), "next month",
    "in January", "late January": (first, last, words)."""
    today = now.date()
    if m := _PART_OF_WEEK.search(text):
        monday = today - timedelta(days=today.weekday())
        if m.group("which") == "next" or (m.group("which") is None and "next" in m.group(0)):
            monday += timedelta(days=7)
        first, last = (
            (monday, monday + timedelta(days=1))
            if m.group("early")
            # "the end of next week" is its Friday, as callers mean it; "later in the week" is
            # Thursday or Friday
            else (
                monday + timedelta(days=4 if m.group("late") == "end of" else 3),
                monday + timedelta(days=4),
            )
        )
        if last < today:  # "end of the week" said on a Saturday: next week's
            first, last = first + timedelta(days=7), last + timedelta(days=7)
        return max(first, today), last, m.group(0)
    if m := _LAST_DAY_OF.search(text):
        # "the last day of the month": that day, or the weekday before it
        month = today.month if m.group("which") in ("the", "this") else today.month % 12 + 1
        year = today.year + (1 if month < today.month else 0)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        while last.weekday() >= 5:
            last -= timedelta(days=1)
        return (last, last, m.group(0)) if last >= today else None
    if (
        (m := _MONTH_RANGE.search(text))
        and m.group("this")
        and re.search(r"\b\d{1,2}(?:st|nd|rd|th)\b", text)
    ):
        m = None  # "towards the end of the month, would Friday the 28th be possible?": that date
    if m:
        if m.group("next") or m.group("this"):
            month = today.month % 12 + 1 if m.group("next") not in ("this", None) else today.month
            year = today.year + (1 if month < today.month else 0)
        else:
            month = MONTHS[m.group("month")]
            year = today.year + (1 if month < today.month else 0)
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        words = m.group(0)
        if re.search(r"\b(early|beginning)\b", words):
            last = first + timedelta(days=9)
        elif re.search(r"\bmid\b", words):
            first, last = first + timedelta(days=9), first + timedelta(days=19)
        elif re.search(r"\b(late|end)\b", words):
            first = first + timedelta(days=19)
        if last < today:
            return None
        return max(first, today), last, words
    return None


# Parts of a day in words: (words, part of day, times after, times before)
_DAY_PARTS: list[tuple[re.Pattern[str], PartOfDay, time | None, time | None]] = [
    (re.compile(r"\b(first thing|early (in the )?morning|1st thing)\b"), "morning", None, time(10, 0)),
    (re.compile(r"\b(late morning|later in the morning|mid morning)\b"), "morning", time(9, 59), None),
    (re.compile(r"\bbefore lunch\b"), "morning", None, time(12, 0)),
    (re.compile(r"\b(lunch ?time|around lunch|at lunch|over lunch|during lunch|my lunch break)\b"), "any",
     time(11, 29), time(13, 31)),
    (re.compile(r"\bafter lunch\b"), "afternoon", time(12, 59), None),
    (re.compile(r"\bearly (in the )?afternoon\b"), "afternoon", None, time(14, 0)),
    (re.compile(r"\b(end of (the )?day|end of the afternoon|late (in the )?(day|afternoon)|last thing"
                r"|last (appointment|slot|time|one) of the day|latest (appointment|slot|time)|after work)\b"),
     "afternoon", time(14, 59), None),
]  # fmt: skip


# "7:45 before school", "8 before work": the hour said is in the morning
_BEFORE_THE_DAY_BEGINS = re.compile(r"\bbefore (?:school|work|class|my shift|the school run|drop ?off)\b")


def _an_evening_guessed(at: time, span: str | None) -> bool:
    """7 or 8 read as the evening only because no am/pm was said (office hours guess 1-8 as pm)."""
    return at.hour in (19, 20) and not re.search(r"pm|p\.m|evening|afternoon|tonight", span or "")


def find_when(text: str, now: datetime) -> When:
    """Everything about 'when' in one utterance (normalized text), with the readings of
    `moments`: a change of mind ("wednesday, actually make it thursday": the later words win, as
    they do across turns), a fallback time, the edge of a day, the same time another day."""
    from agents.offline.wanted import merge  # wanted reads When from here

    text = _PAST_YEAR_DATE.sub(lambda m: _year_of_a_date_to_come(m, now), text)
    text = _BEFORE_NEXT_WEEK.sub(_this_week_unless_denied, text)  # "anything sooner than next week?"
    text = relative_dates(text, now.date())  # "the day after memorial day", "the week of the 15th"
    text = _TIME_NOT_TIME.sub(_the_time_kept, text)  # "sorry, 3, not 3:30": 3
    text = moments.without_own_plans(_weekday_and_numbers(text, now.date()))  # "i start at noon"
    text = _month_of_something_else(_without_story_dates(text), now.date())
    text = told_dates.date_gone_by_beside_its_weekday(text, now.date())
    # "the first on monday the 23rd at 10, the second on the 30th": which of the visits, not a date
    text = _WHICH_VISIT.sub(" ", text)
    text = _month_then_day(text)
    # "she has her bridge in the afternoons": a habit of someone's week, not the time asked for
    # (but "what does Dr Patel have next week in the afternoons?": the part of the day asked for)
    text = re.sub(
        r"\b(?:in|during) the (morning|afternoon|evening)s\b",
        lambda m: f"in the {m.group(1)}" if _ASKS_WHAT_IS_FREE.search(text[: m.start()]) else " ",
        text,
    )
    text = re.sub(r"\b(?:a |an )?(?:morning|night|evening|afternoon) person\b", " ", text)  # a habit
    # "mornings are tight for me", "afternoons are bad": a part of the day turned down, not asked for
    text = re.sub(
        r"\b(?:the )?(?:mornings?|afternoons?|evenings?)(?:'s| is| are) (?:tight|busy|bad|hard|difficult|no good|out"
        r"|impossible|tricky|not good|a problem)\b",
        " ",
        text,
    )
    text = _PAST_YEAR_DATE.sub(
        lambda m: " " if int(m.group("y") or m.group("y2")) < now.year else m.group(0), text
    )
    unwanted, ruled_out, text = moments.ruled_out_days(text)  # "not monday" asks for no monday
    text = moments.without_busy_dates(text)
    text = _after_that_day(text, now)
    text = _PAST_DAY.sub(_without_the_day, text)
    for start, cut in moments.changes_of_mind(text):
        before = _not_turned_down(_find_when(text[:start], now), text[:start], now, ruled_out)
        later = _find_when(text[cut:], now)
        if before.at is not None and later.at is None and (hour := _HOUR_ALONE.match(text, cut)) is not None:
            # "9:30, or, hmm, actually 10, 10's better": an hour alone, put for the time said before
            later = _find_when(f"at {hour.group(1)} {text[hour.end() :]}", now)
        if (
            before.start is not None
            and later.start is not None
            and before.start == before.end
            and later.start != before.start
            and later.start.weekday() == before.start.weekday()
            and not re.search(r"\d(?:st|nd|rd|th)|\b(?:next|this|coming)\b|/", text[cut:])
        ):
            # "tuesday the 20th? or maybe wednesday... no, tuesday, at 10": that tuesday, the 20th
            later.start = later.end = before.start
        if not later.empty:
            when = merge(before, later)
            when.matched = [*before.matched, text[start:cut], *later.matched]
            return _without_days(when, unwanted, ruled_out)
    return _without_days(_not_turned_down(_find_when(text, now), text, now, ruled_out), unwanted, ruled_out)


# "does Dr Chen have anything sooner than next week?", "before next week": from today to the end of
# this week (not "next week" itself, the week the words name)
_BEFORE_NEXT_WEEK = re.compile(r"\b(?:sooner|earlier|before)(?: than)? next week\b(?!'s|\s+(?:on|at)\b)")
# "not before next week", "I can't come in before next week": next week or later, as said
_DENIED = re.compile(
    r"\b(?:not|no|nothing|never|can't|cannot|can not|won't|couldn't|unable|don't|isn't|wasn't)\b"
)


def _this_week_unless_denied(m: re.Match[str]) -> str:
    clause = re.split(r"[.,;!?]", m.string[: m.start()])[-1]
    return m.group(0) if _DENIED.search(clause) else "this week"


_LATER_TODAY = re.compile(r"\bthis (?:morning|afternoon|evening)\b(?! (?:works|suits)\b)")
_ASKS_WHAT_IS_FREE = re.compile(
    r"\b(?:what|which|anything|any|free|available|open|openings?)\b|\b(?:can|could) (?:i|we|he|she) (?:come|see)\b"
)
_HOUR_ALONE = re.compile(
    r"\W*(?:(?:um|uh|hmm|er|maybe|say|let's say|make it|like)\W+)*(1[0-2]|[1-9])\b"
    r"(?![:.]?\d| ?(?:st|nd|rd|th|days?|weeks?|months?|years?|minutes?|mins?|hours?|hrs?|people|of)\b)"
)


def _not_turned_down(when: When, text: str, now: datetime, ruled_out: set[int]) -> When:
    """ "next week? I can't do Monday or Tuesday though": not the day turned down, but the rest of
    what was said, when it names a day."""
    if when.start is None or when.start != when.end or when.start.weekday() not in ruled_out:
        return when
    other = _find_when(moments.without_days_turned_down(text), now)
    return other if other.start is not None else when


# a weekday and a day and month in numbers, either order ("monday 2.12", "friday 12/6")
_WEEKDAY_NUMBERS = re.compile(
    rf"\b(?P<wd>{'|'.join(WEEKDAYS)}),?\s+(?:the\s+)?(?P<a>\d{{1,2}})[./](?P<b>\d{{1,2}})\b(?![./:]?\d)"
)


# "the thursday 12", "friday 6": a weekday and a number that may be its date or an hour
_WEEKDAY_NUMBER = re.compile(
    rf"\b(?P<wd>{'|'.join(WEEKDAYS)}),? (?P<n>[1-9]|1[0-2])\b"
    r"(?![:./]?\d| ?(?:st|nd|rd|th|am|pm|a\.m|p\.m|o'clock|h|hours?|in the|thirty|fifteen|forty|15|30|45|or)\b)"
)


def _weekday_and_date(text: str, today: date) -> str:
    """ "the thursday 12" when this or next week's Thursday is the 12th: that date ("thursday 12
    march"); otherwise the number stays an hour ("friday 10")."""

    def written(m: re.Match[str]) -> str:
        weekday, n = WEEKDAYS.index(m.group("wd")), int(m.group("n"))
        first = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)  # (today's weekday: the next)
        day = next((d for d in (first, first + timedelta(weeks=1)) if d.day == n), None)
        return f"{m.group('wd')} {day:%B} {n}".lower() if day is not None else m.group(0)

    return _WEEKDAY_NUMBER.sub(written, text)


def _weekday_and_numbers(text: str, today: date) -> str:
    """ "monday 2.12": the reading (month/day or day/month) that falls on that weekday within a
    year (the nearer, when both do), written as words ("monday december 2"); as said when neither does."""
    text = _weekday_and_date(text, today)

    def written(m: re.Match[str]) -> str:
        weekday = WEEKDAYS.index(m.group("wd"))
        fits = []
        for month, day in {(int(m.group("a")), int(m.group("b"))), (int(m.group("b")), int(m.group("a")))}:
            for year in (today.year, today.year + 1):
                when = safe_date(year, month, day)
                if (
                    when is not None
                    and today <= when <= today + timedelta(days=366)
                    and when.weekday() == weekday
                ):
                    fits.append(when)
        if not fits:
            return m.group(0)
        soonest = min(fits)  # both readings on that weekday: the nearer one (the other is months away)
        return f"{m.group('wd')} {soonest:%B} {soonest.day}".lower()

    return _WEEKDAY_NUMBERS.sub(written, text)


# a day something happened on ("I twisted my ankle on Sunday", "I was out raking leaves on
# Saturday"): no day asked for
# "january 30th, 1750" (a date of birth misheard): a date in a past year is no day to come in
_PAST_YEAR_DATE = re.compile(
    rf"\b{MONTH_NC}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:of\s+)?(?P<y>1\d\d\d|20\d\d)\b(?![:\d])"
    rf"|\b(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_NC},?\s+(?P<y2>1\d\d\d|20\d\d)\b(?![:\d])"
)


def _year_of_a_date_to_come(m: re.Match[str], now: datetime) -> str:
    """ "friday january 2nd 2060 at 9:30" said in December 2059: the year said is the year the date
    next falls in, so the date is read without it (a day and month alone are read as the next such
    day). A year gone by, or a date not next in the year said, is left as said."""
    year = m.group("y") or m.group("y2")
    said = m.group(0)[: m.start("y" if m.group("y") else "y2") - m.start()]
    said = re.sub(r"(?:,|\s|\bof\b)+$", "", said)
    day = _parse_day(said, now)
    return said if day is not None and day.year == int(year) else m.group(0)


_PAST_DAY = re.compile(
    r"\b(?:twisted|hurt|fell|broke|injured|sprained|started|began|woke up|was out|went out|got sick|came down"
    r"|happened|noticed|felt|was raking|was playing|was running)\b[^.,;!?]{0,40}?\b(?P<day>(?:on|since|last) "
    rf"(?:{'|'.join(WEEKDAYS)}))\b"
    # "my back's been bad since I moved the couch on Sunday": since then, a day gone by
    rf"|\bsince (?:i|we|he|she|they)\b[^.,;!?]{{0,40}}?\b(?P<day2>(?:on|last) (?:{'|'.join(WEEKDAYS)}))\b"
    # "i have a job interview thursday": the caller's own engagement that day, not the visit
    r"|\b(?:i|we|he|she)(?:'ve| have| has)?(?: got)? (?:a|an|my|his|her|our) (?:job |big |work |school )?"
    r"(?:interview|meeting|exam|flight|trip|wedding|funeral|presentation|court date|recital|game|party)"
    rf" (?P<day3>(?:on |this |next )?(?:{'|'.join(WEEKDAYS)}))\b"
    # "I fly out on the 18th, so ... Monday the 17th": the caller's own trip that day, not the visit
    rf"|\b(?:i|we|he|she)(?:'m| am| are| is|'re|'s)? (?:fly|flying|fly out|flying out|leave|leaving|travel|travelling"
    rf"|traveling|off|away|out of town)\b[^.,;!?]{{0,12}}?\b(?P<day6>on the \d{{1,2}}(?:st|nd|rd|th)|on (?:{'|'.join(WEEKDAYS)}))\b"
    # "I've been throwing up since Monday night": since a day gone by
    rf"|\b(?:been|had|having)\b[^.,;!?]{{0,40}}?\b(?P<day5>since (?:last )?(?:{'|'.join(WEEKDAYS)}))\b"
    # "the HR lady only told me today": when the caller heard of it, not when to come
    r"|\b(?:told|emailed|texted|rang|informed|found out|let me know|mentioned it)\b[^.,;!?]{0,20}?\b(?P<day4>today)\b"
)
_WEEKDAY_AFTER_THAT = re.compile(
    rf"\b(?:the|on the) (?P<wd>{'|'.join(WEEKDAYS)}) (?:after that|after then|following that|after it"
    # "this friday but i'm away so the monday after": after the day just said (not "after next")
    r"|after(?! next| this| the| christmas| easter| new| thanksgiving| my| his| her| our| \d))\b"
)


def _without_the_day(m: re.Match[str]) -> str:
    """A day gone by or taken by the caller's own plans, left out (the words before it kept)."""
    day = next(g for g in ("day", "day2", "day3", "day4", "day5", "day6") if m.group(g) is not None)
    return m.group(0)[: m.start(day) - m.start()]


def _after_that_day(text: str, now: datetime) -> str:
    """ "he's seeing Dr Rodriguez next Thursday, so could she do the flu shot the Monday after
    that?": the first Monday after the day said before, written as that date (the earlier day is
    left out: it is not the day asked for)."""
    m = _WEEKDAY_AFTER_THAT.search(text)
    if m is None:
        return text
    earlier = day_phrases(text[: m.start()])
    if not earlier or (day := _parse_day(earlier[-1].group(0), now)) is None:
        return text
    weekday = WEEKDAYS.index(m.group("wd"))
    target = day + timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)
    said = f"on {target:%B} {target.day}".lower()
    last = earlier[-1]
    return f"{text[: last.start()]} {text[last.end() : m.start()]}{said}{text[m.end() :]}"


def _without_days(when: When, unwanted: set[int], ruled_out: set[int]) -> When:
    """A range of days without the weekdays ruled out at its ends ("next week, but not Monday",
    "I can't do Monday, any morning next week": Tuesday to Friday); a single day the caller does
    not want is no day asked for. The weekdays not wanted are kept in `not_days`."""
    when.not_days = sorted(unwanted)  # never offered, whatever day is asked for after
    if when.start is None or when.end is None or not ruled_out:
        return when
    if when.start == when.end:
        if when.start.weekday() in unwanted:
            when.start = when.end = None
        return when
    while when.start < when.end and when.start.weekday() in ruled_out:
        when.start += timedelta(days=1)
    while when.end > when.start and when.end.weekday() in ruled_out:
        when.end -= timedelta(days=1)
    return when


# "the Thursday after next, that's the 1st of August": the date the caller spells out
_THATS_THE_DATE = re.compile(
    r"\b(?:that's|that is|thats|which is|so that's|i\.e\.?)\s+(?P<date>(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?"
    rf"(?:\s+of\s+(?:{MONTH_WORDS}))?|(?:{MONTH_WORDS})\s+\d{{1,2}}(?:st|nd|rd|th)?)\b"
)


_WHICH_VISIT = re.compile(
    # (not "the first appointment on monday": the first free time that day)
    r"\bthe (?:1st|2nd|3rd|first|second|third|other|next)"
    rf"(?= (?:on|for|is|should be|can be|could be) (?:a |the )?(?:{'|'.join(WEEKDAYS)}|\d{{1,2}}(?:st|nd|rd|th)\b|(?:{MONTH_WORDS})\b))"
)


_MONTH_THEN_DAY = re.compile(
    rf"\bin (?P<month>{MONTH_WORDS})\b[,\s]+(?:(?:on )?(?P<wd>{'|'.join(WEEKDAYS)})\s+)?the (?P<n>\d{{1,2}})(?:st|nd|rd|th)\b"
)


def _month_then_day(text: str) -> str:
    """ "in January, Thursday the 9th": the 9th of that month ("january 9"); not "the first Monday in
    October, the 6th": that Monday of the month, its date said again."""
    nth_weekday = [(m.start(), m.end()) for m in _WEEKDAY_OF_MONTH.finditer(text)]

    def written(m: re.Match[str]) -> str:
        if any(start < m.start("month") < end for start, end in nth_weekday):
            return m.group(0)
        return f"{m.group('wd') or ''} {m.group('month')} {m.group('n')}"

    return _MONTH_THEN_DAY.sub(written, text)


_TIME_NOT_TIME = re.compile(
    r"(?P<pre>\b[a-z]+ )?\b(?P<h>1[0-2]|[1-9])(?::(?P<m>[0-5]\d))?(?: ?(?P<half>[ap]m))?,?\s+not (?:at )?(?:1[0-2]|[1-9])(?::[0-5]\d)?"
    r"(?: ?[ap]m)?\b(?!:)"
)


def _the_time_kept(m: re.Match[str]) -> str:
    if (m.group("pre") or "").strip() in (*MONTHS, "the", "on"):
        return m.group(0)  # "april 3, not 4": days, not times
    return f"{m.group('pre') or ''}at {m.group('h')}:{m.group('m') or '00'}{' ' + m.group('half') if m.group('half') else ''}"


_WEEKDAY_THE_NTH = re.compile(rf"\b(?P<wd>{'|'.join(WEEKDAYS)}),? the (?P<n>\d{{1,2}})(?:st|nd|rd|th)\b")
_IN_A_MONTH = re.compile(rf"\bin (?P<month>{MONTH_WORDS})\b")


def _month_of_something_else(text: str, today: date) -> str:
    """ "my grandson is getting married in April ... could I see Dr. Patel on Thursday the 8th?"
    (no Thursday the 8th in April): the month is of the story, not of the day asked for."""
    day = _WEEKDAY_THE_NTH.search(text)
    if day is None:
        return text
    weekday, n = WEEKDAYS.index(day.group("wd")), int(day.group("n"))

    def of_the_story(m: re.Match[str]) -> str:
        number = MONTHS[m.group("month")]
        there = safe_date(today.year + (1 if number < today.month else 0), number, n)
        return " " if there is None or there.weekday() != weekday else m.group(0)

    return _IN_A_MONTH.sub(of_the_story, text)


def _without_story_dates(text: str) -> str:
    """ "start date is the 21st ... could Dr. Patel see me on Tuesday, July 8th", "my brother is getting
    married in August ... could I see Dr. Chen Tuesday July 22": a month told in the caller's story is
    not the day asked for, nor is a date told there when the request names a date of its own."""
    spans = told_dates.story_clauses(text)
    if not spans or moments.changes_of_mind(text):
        return text  # ("the 13th, no, sorry, I've got the dentist that day, the 14th": the later words win)

    def in_story(m: re.Match[str]) -> bool:
        return any(start <= m.start() and m.end() <= end for start, end in spans)

    told = [m for m in _MONTH_RANGE.finditer(text) if in_story(m)]
    days = [d for d in day_phrases(text) if not any(t.start() <= d.start() < t.end() for t in told)]
    dated = [d for d in days if re.search(r"\d", d.group(0))]
    if any(not in_story(d) for d in dated):
        told += [d for d in dated if in_story(d)]
    for m in sorted(told, key=lambda m: m.start(), reverse=True):
        text = f"{text[: m.start()]} {text[m.end() :]}"
    return text


def _spelled_out(when: When, text: str, now: datetime) -> When:
    """A weekday said as a relative day ("the Thursday after next") and then as a date ("that's
    the 1st of August") on the same weekday: the date said."""
    if when.start is None or when.start != when.end or (m := _THATS_THE_DATE.search(text)) is None:
        return when
    said = _when_words(m.group("date"), now).start
    if said is not None and said != when.start and said.weekday() == when.start.weekday():
        when.start = when.end = said
    return when


# "she finishes work at 4", "he gets off at 3": when they are free from, not the time asked for
_BUSY_UNTIL = re.compile(
    r"\b(?:finish(?:es)?|get(?:s)? off|get(?:s)? out|leave(?:s)?|is at work until|works until|work until|in school until"
    r"|at work till|works till)(?: work| school| the office)? (?:at |until |till )?(?P<t>\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)\b"
)


def _find_when(text: str, now: datetime) -> When:
    if _BUSY_UNTIL.search(text) and find_time(_BUSY_UNTIL.sub(" ", text))[0] is not None:
        # "she finishes work at 4, so the last slot of the day would be ideal, 4:30": 4:30
        text = _BUSY_UNTIL.sub(" ", text)
    text = told_dates.without_dates_told(text)
    when = _spelled_out(_when_words(text, now), text, now)
    if when.start is None and (today := _LATER_TODAY.search(text)) is not None:
        when.start = when.end = now.date()  # "who's free this afternoon?": today's afternoon
        when.matched.append(today.group(0))
    if (same := moments.same_time_another_day(text, now)) is not None and when.at is None:
        days, at, same_words = same  # "this time next week"
        when.start = when.end = now.date() + timedelta(days=days)
        when.at, when.part, when.after, when.before = at, "any", None, None
        when.matched.append(same_words)
    if when.at is not None and (first := find_time(text)[1]) is not None:
        said_at = text.index(first)  # "9 or 9:30 in the morning": the time found may end past the list
        listed = times_listed(text, said_at + len(first) - 1) or times_listed(
            text, said_at + len(first.split()[0]) - 1
        )
        if len(listed) >= 2 and when.at in listed:
            when.at, when.fallback, when.options = listed[0], listed[1], listed
            if (first_choice := _preferred(listed, text)) is not None:
                # "is 9:30 or 11 free? the later one would suit me better", "11:30 or 3:30, but 3:30
                # would be ideal", "10:30 or 1:30, I'd rather have the morning one": that one first
                when.at = first_choice
                when.fallback = next(t for t in listed if t != first_choice)
            return _edge_and_first_free(when, text)
        cue = moments.fallback_start(text, text.index(first) + len(first))
        tail = text[cue:].strip() if cue is not None else ""
        fallback, said = find_time(tail) if cue is not None and not day_phrases(tail) else (None, None)
        if fallback is not None and fallback != when.at and said is not None:
            when.fallback = fallback  # "quarter to 11, else 11 is fine"
            when.matched.append(text[text.index(first) + len(first) : text.index(said, cue) + len(said)])
        elif cue is not None and when.start is not None and when.start == when.end:
            other = _when_words(tail, now)  # "friday at 2 or monday at 3": another day, its own time
            if other.start is not None and other.start == other.end and other.start != when.start:
                fallback_day = other.start
                if fallback_day < when.start and re.search(
                    r"\b(?:next week|week after next|the week of)\b", text
                ):
                    fallback_day += timedelta(days=7)  # "next week, monday or tuesday": both of that week
                when.fallback_day, when.fallback = fallback_day, other.at
    return _edge_and_first_free(when, text)


# which of the caller's own two times comes first: "9:30 or 2, the later one's better for us"
_ONE_OF_THEM_PREFERRED = re.compile(
    r"\b(?:the )?(later|latter|second|earlier|former|first) (?:one|time|of (?:the two|those|them|the 2))\b"
    r"(?:'s| is| would| works| suits| sounds)"
)


_PREFERRED_TIME = re.compile(
    r"\b(?:ideally|preferably|rather(?: have)?|prefer)\s+(?:at\s+|the\s+)?(?P<a>\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)\b"
    r"|\b(?:at\s+)?(?P<b>\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)\s+(?:would be|'d be|is|would suit me|suits me)\s+"
    r"(?:ideal|better|best|perfect|preferable|great|more convenient)\b"
    r"|\b(?P<c>\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)\s+(?:ideally|preferably|if possible)\b"
)
_PART_ONE = re.compile(r"\bthe (morning|afternoon) (?:one|time|slot)\b")


def _preferred(listed: list[time], text: str) -> time | None:
    """Which of the caller's own listed times they say they prefer, or None."""
    if (said := _ONE_OF_THEM_PREFERRED.search(text)) is not None:
        ordered = sorted(listed)
        return ordered[-1] if said.group(1) in ("later", "latter", "second") else ordered[0]
    if (part := _PART_ONE.search(text)) is not None:
        fitting = [t for t in listed if (t.hour < 12) == (part.group(1) == "morning")]
        return fitting[0] if len(fitting) == 1 else None
    for m in _PREFERRED_TIME.finditer(text):
        words = m.group("a") or m.group("b") or m.group("c")
        at = find_time(f"at {words}")[0]
        if at is not None and at in listed:
            return at
    return None


def _edge_and_first_free(when: When, text: str) -> When:
    edge, words = moments.edge_of_day(text)
    if edge is None and when.start is not None and (free := _FIRST_FREE.search(text)):
        edge, words = "first", free.group(0)  # "the first available tomorrow": that day's first free time
    if (
        edge is None
        and when.soonest
        and when.at is None
        and when.start is not None
        and when.start == when.end
    ):
        if when.after is not None or when.before is not None:  # "between 10 and noon, whichever is first"
            edge, words = "first", ""
    if edge is not None and when.at is None:
        when.edge = edge
        when.matched.append(words or "")
        if when.start is not None:  # "first thing tomorrow": that day's first free time, any hour
            bounded = any(p.search(text) is not None for p in (_BOUND, _FROM_ON, _BETWEEN))
            when.part, when.soonest = "any", False
            if not bounded:  # "the latest slot before noon that day": the last one before noon
                when.after, when.before = None, None
    return when


_FIRST_FREE = re.compile(
    r"\b(soonest|earliest|(?:1st|first|next) (?:available|opening|free)|as soon as|asap"
    r"|(?:whoever|whichever|who|which)(?: one)?(?: is|'s)? (?:free|available|open) (?:first|1st))\b"
)


def _when_words(text: str, now: datetime) -> When:
    when = When()
    today = now.date()
    relative = (
        _day_of_a_month(text, today)
        or _week_of_a_month(text, today)
        or _relative_days(text, now)
        or _week_or_month_range(text, now)
    )
    if relative is not None:
        when.start, when.end, words = relative
        when.matched.append(words)
        text = text.replace(words, " ")
        named = re.search(rf"\b({'|'.join(WEEKDAYS)})\b", text)
        dated = [
            d
            for d in day_phrases(text, today)
            if re.search(
                rf"\d.*\b{MONTH_NC}|\b{MONTH_NC}.*\d|\d/\d|\bthe \d{{1,2}}(?:st|nd|rd|th)\b", d.group(0)
            )
            # (not "the 1st friday" of a month: which of its weekdays)
            and not re.match(rf"\s+(?:{'|'.join(WEEKDAYS)}|week|one|of (?:the|next|this))\b", text[d.end() :])
        ]
        exact = _parse_day(dated[0].group(0), now) if dated else None
        if (
            exact is not None
            and when.start is not None
            and _WEEK_OF_A_MONTH.search(words)
            and (nth := _DAY_OF_MONTH.match(dated[0].group(0))) is not None
        ):
            # "the second week of June, Tuesday the 8th": the 8th of that month
            exact = safe_date(when.start.year, when.start.month, int(nth.group(1))) or exact
        if (
            exact is not None
            and when.start is not None
            and when.end is not None
            and (
                when.start <= exact <= when.end
                or re.search(r"\b(?:days?|weeks?)\b", words)
                or re.search(rf"\b{MONTH_NC}|/", dated[0].group(0))
            )
        ):
            # "a physical next month: wednesday january 9th", "next month on the 9th": that date;
            # "come back in a few weeks ... could I have tuesday the 22nd": the date, said exactly;
            # "before my trip in August, could I see him Tuesday July 22": a date with its month wins
            when.start = when.end = exact
            when.matched.append(dated[0].group(0))
        elif named and when.start is not None and when.end is not None and when.end > when.start:
            # "in two weeks on Monday", "early next week, say Tuesday": that day of the range
            day = when.start + timedelta(days=(WEEKDAYS.index(named.group(1)) - when.start.weekday()) % 7)
            if day <= when.end:
                when.start = when.end = day
    elif m := re.search(rf"\b({'|'.join(WEEKDAYS)})\s+after\s+next\b", text):
        # "Wednesday after next": the Wednesday of the week after next week
        day = weekday_date(WEEKDAYS.index(m.group(1)), today, next_week=True) + timedelta(days=7)
        relative = (day, day, m.group(0))
        when.start = when.end = day
        when.matched.append(m.group(0))
        text = text.replace(m.group(0), " ")
    days = day_phrases(text, today) if relative is None else []
    # "wednesday the 9th": the date is the more exact of the two (the bot repeats it either way)
    dm = next((d for d in days if re.search(r"\d", d.group(0))), days[0] if days else None)
    wm = _WEEK.search(text)
    if dm:
        phrase = dm.group(0)
        if wm and wm.group(1) != "this" and (m := _WEEKDAY_PHRASE.match(phrase)) and not m.group(1):
            phrase = f"next {phrase}"  # "next week on thursday"
        named_day = _parse_day(phrase, now)
        if named_day is not None:
            when.start = when.end = named_day
            when.matched.append(dm.group(0))
    elif relative is None:
        if wm:
            monday = today - timedelta(days=today.weekday())
            if wm.group(1) == "this":
                when.start, when.end = today, monday + timedelta(days=6)
            else:
                when.start = monday + timedelta(days=7)
                when.end = when.start + timedelta(days=6)
            when.matched.append(wm.group(0))
    if (window := _FROM_ON.search(text) or _BETWEEN.search(text)) is not None:
        # "the first opening from 2:30 onwards", "between 10 and noon": that time or later
        said_from = next(
            (
                window.group(g)
                for g in ("from", "from2", "from3")
                if g in window.groupdict() and window.group(g)
            ),
            "",
        )
        first = find_time(f"at {said_from}")[0]
        if first is not None:
            when.after = _a_minute_before(first)
            if "to" in window.groupdict() and (last := find_time(f"at {window.group('to')}")[0]) is not None:
                when.before = last if last > first else None
            when.matched.append(window.group(0))
            text = text.replace(window.group(0), " ")
    bound = _BOUND.search(text)
    bounded = find_time(f"at {bound.group(2)}")[0] if bound else None
    if bound and bounded is not None:
        if bound.group(1) in ("after", "later than"):
            when.after = bounded
        elif bound.group(1) in ("not before", "nothing before", "no earlier than"):
            when.after = _a_minute_before(bounded)  # "not before 11": 11 itself will do
        else:
            when.before = bounded
        when.matched.append(bound.group(0))
        # "anytime after 2, maybe 3": the comma kept against the word before, as it was said
        text = re.sub(r"\s+,", ",", text.replace(bound.group(0), " "))
    at, span = find_time(text)
    if at is not None and _BEFORE_THE_DAY_BEGINS.search(text) and _an_evening_guessed(at, span):
        at = at.replace(hour=at.hour - 12)  # "7:45 before school": in the morning, not the evening
    if at is not None:
        when.at = at
        when.matched.append(span or "")
    text = re.sub(r"\bgood (morning|afternoon|evening)\b", " ", text)  # a greeting, not a time of day
    if re.search(r"\bmornings?\b", text):
        when.part = "morning"
    elif re.search(r"\b(afternoons?|evenings?|after lunch)\b", text):
        when.part = "afternoon"
    for pattern, part, after, before in _DAY_PARTS:
        if bound is None and at is None and pattern.search(text):
            when.part = part if part != "any" else when.part
            if window is None:  # ("late afternoon. 4 or after?": the hour said bounds it)
                when.after, when.before = after, before
            break
    if _SOONEST.search(text) or re.search(
        r"\b(?:whichever|whatever)(?: is|'s| comes)? (?:1st|first|earliest|soonest|sooner|earlier)\b", text
    ):
        when.soonest = True
    return when
