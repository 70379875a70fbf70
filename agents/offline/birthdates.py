"""A date of birth from what a caller says (text already through `numbers.normalize`).

Numeric dates are read US month-first ("04/03/1985" is April 3rd), except when the first number
cannot be a month ("14/03/1985" is March 14th); six digits typed alone are month, day and year
("031485"). A two-digit year is of the most recent century that puts the date in the past. A year corrected right after the date ("...1996, sorry, 1969") replaces its year.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.offline.calendar_words import DAY, MONTH, MONTH_WORDS, MONTHS, YEAR, safe_date

# days of the year callers name instead of the date ("born on Halloween 1994"): month, day
_HOLIDAYS = {
    "halloween": (10, 31), "christmas day": (12, 25), "christmas eve": (12, 24), "christmas": (12, 25),
    "new year's day": (1, 1), "new years day": (1, 1), "new year's eve": (12, 31), "new years eve": (12, 31),
    "valentine's day": (2, 14), "valentines day": (2, 14), "st patrick's day": (3, 17),
    "saint patrick's day": (3, 17), "st patricks day": (3, 17), "independence day": (7, 4),
    "boxing day": (12, 26), "groundhog day": (2, 2), "april fools day": (4, 1), "april fool's day": (4, 1),
    "bonfire night": (11, 5), "guy fawkes night": (11, 5),
}  # fmt: skip
_HOLIDAY = "|".join(re.escape(h) for h in sorted(_HOLIDAYS, key=len, reverse=True))
# six digits typed as month, day, two-digit year ("sarah johnson. 031485", "070475"): a real month and
# day, standing alone (not part of a phone number, a time "09:30" or an amount); last of the patterns
_SIX_DIGITS = re.compile(
    r"(?<![\w:/.#$+-])(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?P<yy>\d{2})(?![\w:/-]|\.\d)"
)
# ... not a number the caller names as something else ("my member id is 051290")
_ANOTHER_NUMBER = re.compile(
    r"\b(?:number|id|code|ref|reference|account|policy|member|claim|order|zip|postcode|pin|confirmation)"
    r"(?:\s+(?:is|was|'s)|:)?\s*#?\s*$"
)
_DOB_PATTERNS = [
    re.compile(rf"\b{YEAR}(?P<sep>[-./])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})\b"),  # 1985-03-04, 1985.3.4
    # eight digits as the whole answer: typed on the keypad as month, day, year ("03141985#")
    re.compile(rf"^\s*(?P<m>\d{{2}})(?P<d>\d{{2}}){YEAR}\s*#?\s*$"),
    # the same eight digits said in a sentence ("date of birth one one zero two one nine seven two"):
    # a real month and day, then a year
    re.compile(
        r"(?<![\d:/.])(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?P<year>(?:19|20)\d{2})(?![\d:/]|\.\d)"
    ),
    # 03/04/1985 (US); Whisper also writes "03. 04. 1985"
    re.compile(rf"\b(?P<a>\d{{1,2}})\s?[/.-]\s?(?P<b>\d{{1,2}})\s?[/.-]\s?{YEAR}\b"),
    # "zero eight one one nineteen ninety three": month and day said digit by digit, then the year
    re.compile(rf"\b(?P<m1>[01]|oh|o)\s+(?P<m2>\d)\s+(?P<d1>[0-3]|oh|o)\s+(?P<d2>\d)\s+{YEAR}\b"),
    # "oh three one four eighty five", "one one oh two seventy two": the same with a two-digit year
    # (`numbers` keeps each digit, "0 3 1 4 85"); no time or phone number has this shape
    re.compile(
        r"(?<![\d:/.])(?<!\b\d )\b(?P<m1>[01])\s(?P<m2>\d)\s(?P<d1>[0-3])\s(?P<d2>\d)\s(?P<yy>\d{2})\b"
        r"(?![:/.]?\d|\s+\d|\s*(?:am|pm|o'clock))"
    ),
    re.compile(rf"\b(?P<a>\d{{1,2}})\s+(?P<b>\d{{1,2}})\s+{YEAR}\b"),  # "one twenty five nineteen ninety six"
    re.compile(rf"\b(?P<a>\d{{1,2}}):(?P<b>\d\d)\s+{YEAR}\b"),  # "seven twenty three 1990", read as 7:23
    # march 4th, 1985 (Whisper also writes "September 17. 1958")
    re.compile(rf"\b{MONTH}\s+(?:the\s+)?{DAY}[,.]?\s+(?:of\s+)?{YEAR}\b"),
    # the 4th of march 1985, "14 of february of 1959"
    re.compile(rf"\b(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH},?\s+(?:of\s+)?{YEAR}\b"),
    # "16-Jun-1984", "16 - jun - 84", "Jun-16-1984": a month's name between dashes, slashes or dots
    re.compile(rf"\b{DAY}\s*[-/.]\s*{MONTH}\s*[-/.]\s*(?:{YEAR}|(?P<yy>\d{{2}}))\b(?![-/:.]?\d)"),
    re.compile(rf"\b{MONTH}\s*[-/.]\s*{DAY}\s*[-/.]\s*(?:{YEAR}|(?P<yy>\d{{2}}))\b(?![-/:.]?\d)"),
    # "the 12th of the 12th, 92", "21st of the 4th '79": both numbers ordinal, the day first
    re.compile(
        r"\b(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)\s+of\s+the\s+(?P<m>\d{1,2})(?:st|nd|rd|th)[,.]?\s+"
        r"(?:of\s+)?(?:'\s*)?(?:(?P<year>(?:19|20)\d{2})|(?P<yy>\d{2}))\b(?![:/.]?\d)"
    ),
    # two-digit years: "6/16/84"; "june 16th 84" (19xx only); "born 6 16 84" (after a cue, or
    # three bare numbers ending in a 19xx year: "daniel thomas four twenty one seventy nine")
    re.compile(r"\b(?P<a>\d{1,2})\s?/\s?(?P<b>\d{1,2})\s?/\s?(?P<yy>\d{2})\b(?![/:.]?\d)"),
    # "1-30-65", "1.30.65": the same separator twice (a range "9-10" or a time "9.30" has one)
    re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[-.])(?P<b>\d{1,2})(?P=sep)(?P<yy>\d{2})\b(?![-/:.]?\d)"),
    re.compile(
        rf"\b{MONTH}\s+(?:the\s+)?{DAY}[,.]?\s+(?:of\s+)?(?:'\s*)?(?P<yy>[3-9]\d)\b(?!\s*(?::|am|pm|o'clock|\d))"
    ),
    # "september first oh four": a year said with its leading "oh" is this century's
    re.compile(rf"\b{MONTH}\s+(?:the\s+)?{DAY}[,.]?\s+(?:of\s+)?(?P<yy>0\d)\b(?!\s*(?::|am|pm|o'clock|\d))"),
    # "25 jan 96", "the 3rd of feb 87" (19xx only)
    re.compile(
        rf"\b(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH},?\s+(?:'\s*)?(?P<yy>[3-9]\d)\b(?!\s*(?::|am|pm|o'clock|\d))"
    ),
    # the year first: "born in '87 on feb 3rd", "born in 1987, on the 3rd of february"
    re.compile(
        rf"\bborn\s+in\s+(?:the\s+year\s+)?(?:{YEAR}|'?\s*(?P<yy>\d{{2}}))[,.]?\s+(?:on\s+)?{MONTH}\s+(?:the\s+)?{DAY}\b"
    ),
    re.compile(
        rf"\bborn\s+in\s+(?:the\s+year\s+)?(?:{YEAR}|'?\s*(?P<yy>\d{{2}}))[,.]?\s+(?:on\s+)?(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH}\b"
    ),
    # the year, then the day without "born in": "no sorry, 1965, january 30th"
    # ("1979 then, the twenty-seventh of may": a correction)
    re.compile(rf"(?<!\bin )(?<!\bsince )\b{YEAR}(?:\s+then)?[,.]?\s+(?:on\s+)?{MONTH}\s+(?:the\s+)?{DAY}\b"),
    re.compile(
        rf"(?<!\bin )(?<!\bsince )\b{YEAR}(?:\s+then)?[,.]?\s+(?:on\s+)?(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH}\b"
    ),
    # "born on Halloween 1994", "christmas day of 1990"
    re.compile(rf"\b(?:on\s+)?(?:the\s+)?(?P<hol>{_HOLIDAY})[,.]?\s+(?:of\s+|in\s+)?{YEAR}\b"),
    re.compile(
        r"\b(?:born(?: on)?|birthday(?: is)?|birth date(?: is)?|date of birth(?: is)?|dob(?: is)?)\s+"
        rf"(?:(?P<a>\d{{1,2}})\s+(?P<b>\d{{1,2}})|{MONTH}\s+(?:the\s+)?{DAY}[,.]?)\s+(?P<yy>\d{{2}})\b(?![:/.]?\d)"
    ),
    re.compile(
        r"(?<![:\d])(?<!\b\d )(?<!\bat )(?<!\baround )(?<!\bby )\b(?P<a>1[0-2]|0?[1-9])\s+(?P<b>[12]\d|3[01]|0?[1-9])\s+"
        r"(?P<yy>[3-9]\d)\b(?![:/.]?\d|\s*(?:am|pm|o'clock))"
    ),
    _SIX_DIGITS,
]


# "28/06/1996... sorry typo, 1969", "march 4 1985, no wait, 1986": a year said again, corrected
_YEAR_FIXED = re.compile(
    r"^\W*(?:(?:sorry|oops|typo|no|wait|i mean|i meant|actually|correction|not)\b[\s,.!-]*)+"
    r"(?:it's\s+|it is\s+|make (?:it|that)\s+)?(?P<year>(?:19|20)\d{2})\b"
)


def find_dob(text: str, today: date) -> tuple[date | None, str | None]:
    """A date of birth and the matched span's text, or (None, None). Future dates are refused.
    A year corrected right after the date ("…1996, sorry, 1969") replaces the date's year."""
    found, span = _first_dob(text, today)
    if found is None or span is None:
        return found, span
    after = text[text.index(span) + len(span) :]
    if (words := _IN_WORDS_AFTER.match(after)) is not None:
        # "08/04/2015 (8 april)", "08/04/2015, that's the 8th of April": the numbers read as the words say
        month = MONTHS[words.group("month") or words.group("month2")]
        day = int(words.group("day") or words.group("day2"))
        if {month, day} == {found.month, found.day} and (
            as_said := safe_date(found.year, month, day)
        ) is not None:
            return as_said, span
    if (cue := _SAID_AGAIN.match(after)) is not None:
        # "june 6 1984... sorry no, june 16th 1984": the date said after the correction
        again, again_span = _first_dob(after[cue.end() :], today)
        if (
            again is not None
            and again_span is not None
            and not _SOMEONE_ELSE.search(after[: after.index(again_span)])
        ):
            return again, text[
                text.index(span) : text.index(span) + len(span) + after.index(again_span) + len(again_span)
            ]
    if (fix := _DAY_FIXED.match(after)) is not None:
        # "january 13th, 1965. sorry, the 30th. january 30th.": that day, the year as said
        month = MONTHS.get(fix.group("month") or fix.group("month2") or "", found.month)
        fixed = safe_date(found.year, month, int(fix.group("day")))
        if fixed is not None and fixed <= today:
            end = text.index(span) + len(span) + fix.end()
            over = _SAID_OVER.match(text, end)  # "... sorry, the 30th. january 30th.": said over
            if over is not None and int(over.group("day")) == fixed.day:
                end = over.end()
            return fixed, text[text.index(span) : end]
    if (fix := _YEAR_FIXED.search(after.replace("...", "   "))) is not None:
        fixed = safe_date(int(fix.group("year")), found.month, found.day)
        if fixed is not None and fixed <= today:
            return fixed, text[text.index(span) : text.index(span) + len(span) + fix.end()]
    return found, span


_IN_WORDS_AFTER = re.compile(
    r"^\s*[(,.-]?\s*(?:that's |that is |i\.e\.? |so |which is )?(?:the )?"
    rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month>{MONTH_WORDS})|(?P<month2>{MONTH_WORDS}) (?:the )?"
    r"(?P<day2>\d{1,2})(?:st|nd|rd|th)?)\b"
)
# "... 1982. actually it's not for me, it's my son lucas garcia, born ...": another person's date
_SOMEONE_ELSE = re.compile(
    r"\b(?:not (?:for )?me|(?:my|our) (?:son|daughter|child|kid|boy|girl|husband|wife|partner|mother|mom|mum|father"
    r"|dad|brother|sister|grandson|granddaughter)|(?:he|she|his|her)\b)"
)
# the day of the month corrected right after a date of birth: "..., sorry, the 30th", "no, the
# 13th of may", "i mean june 3rd" (the year stays as said)
_DAY_FIXED = re.compile(
    r"^[\s,.!-]*(?:(?:sorry|oops|typo|no|wait|i mean|i meant|actually|correction|my bad)\b[\s,.!-]*)+"
    rf"(?:it's\s+|it is\s+|it was\s+)?(?:(?P<month>{MONTH_WORDS})\s+)?(?:the\s+)?(?P<day>[12]\d|3[01]|0?[1-9])"
    rf"(?:st|nd|rd|th)?(?:\s+of\s+(?P<month2>{MONTH_WORDS}))?\b(?![:/.]\d|\s*(?:am|pm|o'clock))"
)
_SAID_OVER = re.compile(
    rf"[\s,.!-]*(?:(?:{MONTH_WORDS})\s+)?(?:the\s+)?(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\b(?![:/.]\d)"
)
_SAID_AGAIN = re.compile(
    r"^[\s,.!-]*(?:(?:sorry|oops|typo|no|wait|i mean|i meant|actually|correction|my bad|let me correct that)\b[\s,.!-]*)+"
)


def corrected_year(text: str, was: date, today: date) -> date | None:
    """ "oops, 1990" after a date of birth that did not match: the same day in that year (a
    correction of the year alone, read by `corrected_dob`)."""
    fixed = corrected_dob(text, was, today)
    if fixed is None or fixed[1].strip() or (fixed[0].month, fixed[0].day) != (was.month, was.day):
        return None
    return fixed[0]


def _first_dob(text: str, today: date) -> tuple[date | None, str | None]:
    first: tuple[date, re.Match[str]] | None = None
    for pattern in _DOB_PATTERNS:
        # every match: "an appointment on 1 June 2028 ..., date of birth 20 August 1968" (a date
        # to come is no date of birth)
        for m in pattern.finditer(text):
            if pattern is _SIX_DIGITS and _ANOTHER_NUMBER.search(text, 0, m.start()):
                continue
            found = _date_of(m, today)
            if found is not None and date(1900, 1, 1) <= found <= today:
                if first is None:
                    first = found, m
                elif m.start() < first[1].start() and _MY_BIRTH_CUE.search(text[: m.start()][-30:]):
                    # "my birthday is ten nineteen eighty two, my son is ..., his birthday april eighth
                    # twenty fifteen": the caller's own, said first as theirs, in a rarer form
                    return found, m.group(0)
                break
    return (first[0], first[1].group(0)) if first is not None else (None, None)


_MY_BIRTH_CUE = re.compile(
    r"\b(?:my (?:birthday|dob|date of birth|birth date)(?: is)?|i was born(?: on)?)\W*$"
)


def _date_of(m: re.Match[str], today: date) -> date | None:
    groups = m.groupdict()
    if not groups.get("yy"):
        return _date_in(groups, int(groups["year"]))
    # a two-digit year: the most recent century that puts the date in the past ("040815" is 2015,
    # "013065" 1965 when the clock is in 2059, and so is "6/16/59" before June 16th 2059)
    yy = int(groups["yy"])
    recent = _date_in(groups, 2000 + yy)
    return recent if recent is None or recent <= today else _date_in(groups, 1900 + yy)


def _date_in(groups: dict[str, Any], year: int) -> date | None:
    if groups.get("hol"):
        return safe_date(year, *_HOLIDAYS[groups["hol"]])
    if groups.get("m1"):
        m1, d1 = (g if g.isdigit() else "0" for g in (groups["m1"], groups["d1"]))  # "oh": 0
        return safe_date(year, int(m1 + groups["m2"]), int(d1 + groups["d2"]))
    if groups.get("m"):
        return safe_date(year, int(groups["m"]), int(groups["d"]))
    if groups.get("a"):
        a, b = int(groups["a"]), int(groups["b"])
        return safe_date(year, a, b) if a <= 12 else safe_date(year, b, a)
    return safe_date(year, MONTHS[groups["month"]], int(groups["day"]))


# One part of a date of birth corrected after the date was said (and often failed the check):
# "sorry, 1975 not 76", "wait sorry, 94", "no sorry, the 30th not the 31st", "march, not may".
# The date meant is the one said before with that part changed; nothing else is guessed.
_FIX_CUE = (
    r"(?:ah|oh|um|uh|er|sorry|oops|typo|no|nope|wait|hang on|hold on|i mean|i meant|actually|my bad|my mistake"
    r"|correction|silly me)"
)
_FIX_LEAD = (
    r"(?:it's|it is|it was|it should be|should be|make it|make that|the year is|the year was|the year's|year)"
)
_OLD_PART = rf"(?:{MONTH_WORDS}|(?:19|20)\d{{2}}|'?\s?\d{{1,2}}(?:st|nd|rd|th)?)"
_NEW_PART = (
    # "march", "march 30th", "march the 30th"
    rf"(?:(?P<month>{MONTH_WORDS})\.?(?:\s+(?:the\s+)?(?P<month_day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?)?"
    # "the 30th", "the 30", "30th", "the 30th of march" (a day: "the" or "th" says so, not a bare number)
    rf"|(?:the\s+(?P<day>[12]\d|3[01]|0?[1-9])|(?P<day2>[12]\d|3[01]|0?[1-9])(?=st|nd|rd|th))(?:st|nd|rd|th)?"
    rf"(?:\s+of\s+(?P<day_month>{MONTH_WORDS}))?"
    # "1975", "94", "'94"
    r"|(?P<year>(?:19|20)\d{2})|'?\s?(?P<yy>\d{2}))\b"
)
_PART_FIXED = re.compile(
    rf"\W*(?P<cue>(?:{_FIX_CUE}\b[\s,.!-]*)*)(?P<lead>{_FIX_LEAD}\s+)?"
    # "not 76, 75" (the part as it was, said first)
    rf"(?:not\s+(?:the\s+)?(?P<before>{_OLD_PART})\b[\s,.!-]+(?:{_FIX_LEAD}\s+)?)?"
    rf"{_NEW_PART}"
    # "..., not the 31st", "... instead of may"
    rf"(?:[\s,.!-]*(?:not|instead of|rather than)\s+(?:the\s+)?(?P<old>{_OLD_PART})\b)?"
    r"(?P<tail>[\s,.!-]*(?:(?:sorry|my bad|then|i think|please|thanks|thank you)\b[\s,.!-]*)*)"
)


def corrected_dob(text: str, was: date, today: date) -> tuple[date, str] | None:
    """The date of birth `was` with the part this turn corrects changed, and the rest of the turn.

    A year may be said alone ("1990"); a day, a month or a two-digit year only as a correction
    ("sorry, ...", "it was ...", "... not the 31st"), and a part said as it was before ("not 76")
    must be what was said. A two-digit year is the one nearest the year said before ("94" after
    1995 is 1994), and not far from it, so a number meant otherwise is not made a year."""
    m = _PART_FIXED.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    if rest.strip() and not re.search(r"[,.;!?]\s*$", m.group(0)):
        return None  # the words go on: not a correction said as one sentence of its own
    told = bool(m.group("cue").strip() or m.group("lead") or m.group("before") or m.group("old"))
    old = (m.group("before") or m.group("old") or "").strip("' ")
    year, month, day = was.year, was.month, was.day
    if m.group("year") or m.group("yy"):
        if m.group("year"):
            year = int(m.group("year"))
        else:
            if not told:
                return None
            yy = int(m.group("yy"))
            year = min((1900 + yy, 2000 + yy), key=lambda y: abs(y - was.year))
            if abs(year - was.year) > (10 if yy <= 31 else 30):
                return None  # ("sorry, 30": the 30th, or 1930? Asked again, not guessed)
        if old and not (old.isdigit() and int(old) in (was.year, was.year % 100)):
            return None
    else:
        if not told:
            return None
        if (named := m.group("month") or m.group("day_month")) is not None:
            month = MONTHS[named]
        if (said_day := m.group("month_day") or m.group("day") or m.group("day2")) is not None:
            day = int(said_day)
        if old:
            if old in MONTHS:
                if MONTHS[old] != was.month or m.group("month") is None:
                    return None
            elif int(re.sub(r"\D", "", old)) != was.day or said_day is None:
                return None
    fixed = safe_date(year, month, day)
    if fixed is None or fixed == was or fixed > today or fixed < date(1900, 1, 1):
        return None
    return fixed, rest
