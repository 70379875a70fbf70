"""A date of birth said in pieces, as older callers and bad lines give it: "21st of April", then
"1979" after "and the year?". The month and day are kept until the year comes; only an answer to the
identity question is read this way (a month and day said otherwise is a day to book), and the year
must be said alone, so nothing is put together from words that were about something else.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.offline.calendar_words import DAY, MONTH, MONTHS, safe_date

_CUE = (
    r"^\W*(?:(?:um|uh|er|oh|well|so|yes|yeah|sure|ok|okay|dear|oh dear|and|also)\W+)*(?:(?:it's|it is|it was|i was born|born"
    r"|(?:my|his|her) (?:date of birth|dob|birthday)(?: is|'s)?|on|halloween|christmas(?: day| eve)?|new year's(?: day| eve)?"
    r"|valentine's(?: day)?)\W+)*"
)
# what an older caller adds after the piece ("nineteen ninety four, sorry dear")
_AFTER = r"\W*(?:(?:sorry|dear|love|i think|i believe|please|thanks|thank you)\W*)*$"
_MONTH_DAY = re.compile(
    _CUE + rf"(?:the\s+)?(?:{DAY}\s+(?:of\s+)?{MONTH}|{MONTH.replace('<month>', '<month2>')}\s+(?:the\s+)?"
    r"(?P<day2>\d{1,2})(?:st|nd|rd|th)?)" + _AFTER
)
_YEAR_ALONE = re.compile(_CUE + r"(?:in\s+|the year\s+)?(?P<year>(?:19|20)\d\d)" + _AFTER)

_SAID_AS_BIRTH = re.compile(r"\b(?:my|his|her) (?:date of birth|dob|birthday)\b|\bi was born\b")

ASKED = ("identity", "dob", "name")  # the bot's last question was for who the caller is


def read_pieces(s: dict[str, Any], text: str, today: date) -> bool:
    """Keep a month and day said alone (`dob_md`), or complete it with a year said alone
    (`dob`); whether the turn was such a piece."""
    if s.get("asked") not in ASKED and not s.get("dob_md") and not _SAID_AS_BIRTH.search(text):
        return False  # (unasked, only "my birthday's the sixth of March" is a piece of one)
    if (md := _MONTH_DAY.match(text)) is not None:
        month = MONTHS[(md.group("month") or md.group("month2")).rstrip(".")]
        day = int(md.group("day") or md.group("day2"))
        if safe_date(2000, month, day) is None:  # a leap year: any real day fits
            return False
        s["dob_md"] = [month, day]
        return True
    if (kept := s.get("dob_md")) and (year := _YEAR_ALONE.match(text)) is not None:
        born = safe_date(int(year.group("year")), kept[0], kept[1])
        if born is None or born > today:
            return False
        s.pop("dob_md", None)
        s["dob"] = born.isoformat()
        return True
    return False
