"""Two people in one request: "appointments for my husband and me with Dr Chen on Friday the 16th
... 10:00 for me and 10:30 for him", "book myself and my son Lucas with Dr Patel on Friday. Me at 2
and him right after, at 2:30".

One person is verified at a time (`agents.next_person`): the caller's own visit is read from the
turn (their time, the doctor and the day said for both) and the relative's is kept as the request
that waits, with the relative's name and date of birth when the caller gave them ("and he's
Matthew Moore, 6/28/1969"). Without a time for each of them the turn is read as it is.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from agents.next_person import CALLERS_OWN, NEXT_PERSON
from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.names import KIN

# "for my husband and me", "book myself and my son Lucas", "for me and my wife", "both of us"
_BOTH = re.compile(
    rf"\b(?:for|book|see|get|bring)\s+(?:(?:me|myself|i)\s+and\s+(?:my|our)\s+(?P<kin1>{KIN})(?:\s+(?P<name1>[a-z]+))?"
    rf"|(?:my|our)\s+(?P<kin2>{KIN})(?:\s+(?P<name2>[a-z]+))?\s+and\s+(?:me|myself|i))\b"
)
_CLOCK = r"\d{1,2}(?::\d\d)?(?:\s*(?:am|pm|o'clock))?"
_THEM = r"(?:him|her|them|his|hers|theirs)"
# "10:00 for me", "me at 2 o'clock", "3:00 for me"
_MINE = re.compile(
    rf"(?:\b(?:at\s+)?(?P<t1>{_CLOCK})\s+for\s+(?:me|myself)\b"
    rf"|\b(?:me|myself|mine)\s+(?:at\s+)?(?P<t2>{_CLOCK}))"
)
# "10:30 for him", "him right after, at 2:30", "her at 3:30"
_THEIRS = re.compile(
    rf"(?:\b(?:at\s+)?(?P<t1>{_CLOCK})\s+for\s+(?:{_THEM}|(?:my|our)\s+(?:{KIN})|[a-z]+)\b"
    rf"|\b{_THEM}\s+(?:(?:right|straight|just)\s+)?(?:after(?:wards)?\W+)?(?:at\s+)?(?P<t2>{_CLOCK}))"
)
_RIGHT_AFTER = re.compile(rf"\b{_THEM}\s+(?:right|straight|just|immediately)\s+after\b")
# the relative's details beside the caller's: "and he's Matthew Moore, 6/28/1969", "she's Mia White, born ..."
_THEIR_DETAILS = re.compile(
    r"(?:\band\s+)?\b(?:he's|she's|he is|she is|his name is|her name is|his name's|her name's)\s+"
    r"(?P<first>[a-z'-]+)\s+(?P<last>[a-z'-]+)\W+(?:(?:born|dob|date of birth|birthday)(?:\s+is)?\W*)?"
)


def split_both(text: str, now: datetime) -> tuple[str, str, str] | None:
    """(the caller's own request, the relative's, the relative's kin word) for a request made for
    both with a time for each (normalized `text`); None otherwise."""
    both = _BOTH.search(text)
    mine = _MINE.search(text)
    if both is None or mine is None:
        return None
    kin = both.group("kin1") or both.group("kin2")
    first_name = both.group("name1") or both.group("name2")
    own_time = mine.group("t1") or mine.group("t2")
    theirs = next((m for m in _THEIRS.finditer(text) if m.start() != mine.start()), None)
    their_time = (theirs.group("t1") or theirs.group("t2")) if theirs is not None else None
    if their_time is None and _RIGHT_AFTER.search(text):
        their_time = _half_an_hour_after(own_time, now)
    if their_time is None:
        return None
    details, rest = _their_details(text, now)
    rest = rest.replace(mine.group(0), " ")
    if theirs is not None:
        rest = rest.replace(theirs.group(0), " ")
    rest = _BOTH.sub(" book me ", rest, count=1)
    when = find_when(rest, now)
    day = (
        f" on {when.start:%B} {when.start.day}".lower()
        if when.start is not None and when.start == when.end
        else ""
    )
    doctor = re.search(r"\b(?:dr|doctor)\.?\s+[a-z'-]+", rest)
    with_whom = f" with {doctor.group(0)}" if doctor else ""
    who = f"my {kin}" + (
        f" {first_name}" if first_name and first_name not in ("with", "and", "on", "at") else ""
    )
    relative = f"book {who}{with_whom}{day} at {their_time}{details}"
    own = f"{rest.strip(' ,.')} at {own_time}"
    return own, relative, kin


def keep_for_later(s: dict[str, Any], relative: str, kin: str) -> None:
    """The relative's request kept to be served once the caller's own is done."""
    s[NEXT_PERSON] = {"kin": kin, "text": relative}


def their_details_now(s: dict[str, Any], text: str, now: datetime) -> str | None:
    """The caller's turn without the relative's name and date of birth, which go with the request
    that waits for them ("I'm Ryan Walker, born 12/12/1992. She's Mia White, born 1/25/1996."); None
    when no relative's request waits without them, or the turn has none."""
    waiting = s.get(NEXT_PERSON)
    if not isinstance(waiting, dict) or waiting.get("kin") == CALLERS_OWN:
        return None
    if find_dob(str(waiting.get("text") or ""), now.date())[0] is not None:
        return None
    details, rest = _their_details(text, now)
    if not details:
        return None
    waiting["text"] = f"{waiting.get('text') or ''}{details}"
    return rest


def _their_details(text: str, now: datetime) -> tuple[str, str]:
    """(", matthew moore, born june 28 1969" or "", the text without them)."""
    for m in _THEIR_DETAILS.finditer(text):
        after = text[m.end() :]
        dob, span = find_dob(after, now.date())
        if dob is None or span is None or after.index(span) > 3:
            continue
        end = m.end() + after.index(span) + len(span)
        said = f" , {m.group('first')} {m.group('last')}, born {dob:%B} {dob.day} {dob.year}".lower()
        return said, f"{text[: m.start()]} {text[end:]}"
    return "", text


def _half_an_hour_after(clock: str, now: datetime) -> str | None:
    """ "me at 2 ... him right after": half an hour after the caller's time, as said."""
    m = re.match(r"(\d{1,2})(?::(\d\d))?", clock)
    if m is None:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour < 8 and "am" not in clock:
        hour += 12  # "2 o'clock" at a clinic is the afternoon
    later = datetime(now.year, 1, 1, hour, minute) + timedelta(minutes=30)
    return f"{later:%H:%M}"
