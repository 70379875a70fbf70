"""Several times a caller would take, said as a list: "is 10 or 10:30 free", "2, 2:30 or 3,
whichever", "9, 10 or 11 are all fine" (normalized text).

The list keeps the order said, so "the second one" and "the last of those" can be read from it;
bare numbers in it are hours in office hours (`calendar_words.office_hour`: "3" is 3 PM).
"""

from __future__ import annotations

import re
from datetime import time

from agents.offline.calendar_words import MONTHS, office_hour

_ONE = r"(?:[01]?\d)(?:(?::|\s)[0-5]\d)?(?:\s*(?:am|pm|o'clock))?"
_SEP = r"(?:\s*,\s*(?:or\s+|and\s+)?|\s+or\s+(?:maybe\s+|even\s+)?|\s+and\s+|\s*/\s*|\s+)"
# a run of two or more times; not a range ("between 10 and 12", "from 9 to 11") nor a count ("2 or
# 3 weeks"), nor part of a date ("the 3rd or 4th", "12/12/1992")
_RUN = re.compile(
    rf"(?<![\d/:.-])(?<!between )(?<!from )(?P<run>{_ONE}(?:{_SEP}{_ONE})+)(?![\d/:-]|\.\d)"
    r"(?!\s*(?:st|nd|rd|th|weeks?|days?|hours?|hrs?|minutes?|mins?|months?|years?|people|kids|of)\b)"
)
_PART = re.compile(r"(?P<h>[01]?\d)(?:(?::|\s)(?P<m>[0-5]\d))?(?:\s*(?P<ampm>am|pm|o'clock))?")


# a month and day written with a slash, then a time or after a weekday ("fri 10/13 1:30pm"): a date
_MONTH_NAMES = list(MONTHS)  # "january", "nov": "tuesday nov 4, 9:30" is the 4th at 9:30
_DATE_THEN_TIME = re.compile(
    r"(?:(?<=monday )|(?<=tuesday )|(?<=wednesday )|(?<=thursday )|(?<=friday ))(?:1[0-2]|0?[1-9])/[0-3]?\d\b(?!:)"
    # "monday december 2, 11:00": the day of the month, not a time
    + "|(?:"
    + "|".join(f"(?<=(?<!of ){m} )" for m in _MONTH_NAMES)  # not "the 20th of june 9 or 9:30"
    + r")[0-3]?\d(?:st|nd|rd|th)?\b(?!:)"
    r"|\b(?:1[0-2]|0?[1-9])/[0-3]?\d\b(?!:)(?=\s+(?:at\s+)?\d{1,2}(?::\d\d)?\s*(?:am|pm)\b)"
)


def times_listed(text: str, around: int) -> list[time]:
    """The times of the list said around position `around` (where one of its times was found), in
    the order said; [] when no list of two or more times with an "or" or a comma is there."""
    text = _DATE_THEN_TIME.sub(lambda m: "#" * len(m.group(0)), text)  # same length: `around` stays
    for m in _RUN.finditer(text):
        run = m.group("run")
        if not (m.start() <= around <= m.end()) or not re.search(r",|\bor\b|/", run):
            continue
        out: list[time] = []
        for part in _PART.finditer(run):
            hour, minute, ampm = int(part.group("h")), int(part.group("m") or 0), part.group("ampm")
            if ampm == "pm" and hour < 12:
                hour += 12
            elif ampm != "am":
                hour = office_hour(hour)
            if not (7 <= hour <= 20):
                return []  # not a clinic's hours: a count or a code, not times
            moment = time(hour, minute)
            if moment not in out:
                out.append(moment)
        return out if len(out) >= 2 else []
    return []
