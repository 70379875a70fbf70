"""Clock times typed as four digits without a colon, the business and 24-hour way: "Fri 17th,
0930", "Tue 21 Jan 1100", "push my 1430 to the 17th, 1500", "Dr Chen, 1100, Tuesday".

Each becomes "H:MM" (with "at" after a day), where the words around it ask for a time; a year is
never one: hours go up to 18 only, so "june 1985", "april 8 2015" and "born 1975" stay years, and
digits beside other digits or a date's separators ("555 1030", "04-08-2015") stay as they are.
Applied by `numbers.normalize` after the other ways of writing years and times, in this order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# words after which a number is a time ("id like 1030", "to 1130", "then 1500")
TIME_CUES = frozenset(
    [
        *"at like around about say by maybe ideally or @ to till until from for be is prefer want then".split(),
        "instead of",
    ]
)
_CUE_WORDS = "|".join(sorted((re.escape(w) for w in TIME_CUES), key=len, reverse=True))
_MONTH_SHORT = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_FULL = r"january|february|march|april|june|july|august|september|october|november|december"
# a day said just before the time, a comma between or not ("friday 1030", "the 17th, 0930",
# "3 feb, 1030", "tue 21 jan 1100")
_DAY = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|\d{1,2}(?:st|nd|rd|th)?"
    rf"|{_MONTH_FULL}|(?:{_MONTH_SHORT})\.?"
)
_HHMM = r"(0?[1-9]|1[0-8])([0-5]\d)"
# (nor "is 0930 1985": a date of birth typed month-day, then its year; nor "is 503, 555, 1030": the
# start of a phone number)
_NOT_MORE_DIGITS = r"(?![:/,-]?\d|\.\d|,?\s(?:19|20)\d\d\b|[,.\s-]\s?\d{3}[,.\s-]\s?\d{4}\b)"

_AFTER_A_CUE = re.compile(rf"\b({_CUE_WORDS}) {_HHMM}\b{_NOT_MORE_DIGITS}")
_AFTER_A_DAY = re.compile(rf"(?<![\d:])\b({_DAY}),? {_HHMM}\b{_NOT_MORE_DIGITS}")
# "0900 same day free?", "1030 pls", "dr chen 1030 friday", "1400 tomorrow": before a day or a word
# that asks (not "555 1030 tomorrow": the end of a phone number; "october 18, 2050 0900?" is a time)
_BEFORE_A_CUE = re.compile(
    rf"(?<![\d:/.-])(?<!\b\d{{3}} )\b{_HHMM}(?= ?(?:\?|(?:pls|please|plz|if|ok|works|ish|same day|that day|free|instead"
    r"|tomorrow|today|on (?:monday|tuesday|wednesday|thursday|friday|the \d)|monday|tuesday|wednesday|thursday|friday)\b))"
)
# "push my 1430 with dr chen", "the 0900 on friday", "your 1500 slot": the visit at that time
_OWNED = re.compile(
    rf"\b(my|the|your|his|her|our|their) {_HHMM}\b(?= (?:with|on|appointment|appt|slot|visit|booking|one|today"
    r"|tomorrow|this|next|monday|tuesday|wednesday|thursday|friday|dr|doctor)\b)"
)
# "0930": a leading zero is never a year, nor an amount
_LEADING_ZERO = re.compile(r"(?<![\d/.:$£€#-])(?<!\b\d{3} )\b0([1-9])([0-5]\d)\b(?!\s?[:/-]?\d|[.,]\d)")
# "Dr Chen, 1100, Tuesday", "| 1500 |": an item of a typed list that is only a time of clinic hours
# (not "503, 555, 1030": an item after a bare number is part of a number)
_LIST_ITEM = re.compile(
    r"(?:(?<=[,;|])|(?<=[,;|] )|(?<=[.!?] ))(0?[7-9]|1[0-8])(00|15|30|45)(?=\s*(?:[,;|!?]|\.(?!\d)|$))"
)
_BARE_NUMBER_BEFORE = re.compile(r"(?:^|[\s,;|])\d+\s*[,;|]\s*$")


def _after_a_cue(m: re.Match[str]) -> str:
    return f"{m.group(1)} {m.group(2)}:{m.group(3)}"


def _after_a_day(m: re.Match[str]) -> str:
    return f"{m.group(1)} at {m.group(2)}:{m.group(3)}"


def _list_item(m: re.Match[str]) -> str:
    if _BARE_NUMBER_BEFORE.search(m.string[: m.start()]):
        return m.group(0)
    return f"{m.group(1)}:{m.group(2)}"


CLOCK_DIGITS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # "1030h", "1500 hrs", "1400 hours": a 24-hour clock time (any hour: the word says it is one)
    (re.compile(r"(?<![\d:/.-])\b(0?[1-9]|1\d|2[0-3])([0-5]\d) ?h(?:rs?|ours)?\b"), r"\1:\2"),
    (_AFTER_A_CUE, _after_a_cue),
    (_AFTER_A_DAY, _after_a_day),
    (_BEFORE_A_CUE, r"\1:\2"),
    (_OWNED, r"\1 \2:\3"),
    (_LEADING_ZERO, r"\1:\2"),
    (_LIST_ITEM, _list_item),
]
