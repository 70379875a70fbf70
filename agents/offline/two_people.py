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
from datetime import date, datetime, timedelta
from typing import Any

from agents.next_person import CALLERS_OWN, NEXT_PERSON
from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.names import DOCTOR_NAMED, KIN

# "for my husband and me", "book myself and my son Lucas", "for me and my wife", "both of us"
_NOT_NAMED = r"(?!(?:with|on|at|for|and|to|in|dr|doctor|both|need|needs|would|want|wants|too|also)\b)"
_BOTH = re.compile(
    rf"\b(?:(?:for|book|see|get|bring|put|fit|squeeze|have)\s+)?(?:(?:me|myself|i)\s+and\s+(?:my|our)\s+(?P<kin1>{KIN})"
    rf"(?:\s+{_NOT_NAMED}(?P<name1>[a-z]+)(?:\s+{_NOT_NAMED}(?P<last1>[a-z]+))?)?"
    rf"|(?:my|our)\s+(?P<kin2>{KIN})(?:\s+{_NOT_NAMED}(?P<name2>[a-z]+)(?:\s+{_NOT_NAMED}(?P<last2>[a-z]+))?)?"
    r"\s+and\s+(?:me|myself|i))\b"
)
_NOT_A_NAME = {
    "and",
    "with",
    "on",
    "at",
    "in",
    "for",
    "both",
    "need",
    "needs",
    "would",
    "want",
    "wants",
    "too",
    "also",
}
_CLOCK = r"\d{1,2}(?::\d\d)?(?:\s*(?:am|pm|o'clock))?"
_THEM = r"(?:him|her|them|his|hers|theirs)"
# "10:00 for me", "me at 2 o'clock", "3:00 for me"
_MINE = re.compile(
    rf"(?:\b(?:at\s+)?(?P<t1>{_CLOCK})\s+for\s+(?:me|myself)\b"
    rf"|\b(?:me|myself|mine)\s+(?:at\s+)?(?P<t2>{_CLOCK})"
    # "could I have Thursday the 3rd at 1 pm and her at 1:30"
    rf"|\b(?:could|can|may) i\b[^.?!]{{0,40}}?\bat\s+(?P<t3>{_CLOCK}))"
)
# "10:30 for him", "him right after, at 2:30", "her at 3:30"
_THEIRS = re.compile(
    rf"(?:\b(?:at\s+)?(?P<t1>{_CLOCK})\s+for\s+(?:{_THEM}|(?:my|our)\s+(?:{KIN})|[a-z]+)\b"
    rf"|\b{_THEM}\s+(?:(?:right|straight|just)\s+)?(?:after(?:wards)?\W+)?(?:at\s+)?(?P<t2>{_CLOCK})"
    # "could he have tomorrow, friday the 8th, at 3 pm and me at 3:30"
    rf"|\b(?:he|she|they)\b[^.?!]{{0,40}}?\bat\s+(?P<t3>{_CLOCK}))"
)
_RIGHT_AFTER = re.compile(
    rf"\b{_THEM}\s+(?:right|straight|just|immediately)\s+after\b|\b(?:the )?(?:slot|one|appointment|time) (?:right |straight |just )?after (?:me|mine)\b"
    r"|\b(?:right|straight|just|immediately) after (?:me|mine)\b"
)
# the relative's details beside the caller's: "and he's Matthew Moore, 6/28/1969", "she's Mia White, born ..."
_THEIR_DETAILS = re.compile(
    r"(?:\band\s+)?\b(?:he's|she's|he is|she is|his name is|her name is|his name's|her name's)\s+"
    r"(?P<first>[a-z'-]+)\s+(?P<last>[a-z'-]+)\W+(?:(?:born|dob|date of birth|birthday)(?:\s+is)?\W*)?"
)


def split_both(text: str, now: datetime) -> tuple[str, str, str] | None:
    """(the caller's own request, the relative's, the relative's kin word) for a request made for
    both with a time for each (normalized `text`); None otherwise."""
    if (after := _after_mine(text, now)) is not None:
        return after
    both = _BOTH.search(text)
    mine = _MINE.search(text)
    if both is None or mine is None:
        return None
    kin = both.group("kin1") or both.group("kin2")
    said = f"{both.group('name1') or both.group('name2') or ''} {both.group('last1') or both.group('last2') or ''}"
    named = " ".join(w for w in said.split() if w not in _NOT_A_NAME)
    own_time = mine.group("t1") or mine.group("t2") or mine.group("t3")
    theirs = next((m for m in _THEIRS.finditer(text) if m.start() != mine.start()), None)
    their_time = (
        (theirs.group("t1") or theirs.group("t2") or theirs.group("t3")) if theirs is not None else None
    )
    if their_time is None and _RIGHT_AFTER.search(text):
        their_time = _half_an_hour_after(own_time, now)
    if their_time is None:
        return None
    details, rest = _their_details(text, now)
    _, own_span = find_dob(rest, now.date())
    when = find_when(rest.replace(own_span, " ") if own_span else rest, now)
    day = (
        f" on {when.start:%B} {when.start.day}".lower()
        if when.start is not None and when.start == when.end
        else ""
    )
    rest = rest.replace(mine.group(0), " ")
    if theirs is not None:
        rest = rest.replace(theirs.group(0), theirs.group(0).replace(their_time, " "))
    rest = _BOTH.sub(" book me ", rest, count=1)
    with_whom = _with_whom(rest)
    who = f"my {kin} {named}".strip()
    relative = f"book {who}{with_whom}{day} at {their_time}{details}"
    own = f"{rest.strip(' ,.')}{day} at {own_time}"
    return own, relative, kin


# "... and my husband Ryan Walker would like the appointment straight after mine", "and my wife
# Harper Young wants the slot after me", "and can my wife Emily Davis have the one straight after mine?"
_AFTER_MINE = re.compile(
    rf"\W*\b(?:and|also|plus)?\s*(?:(?:can|could|would|may)\s+)?(?:my|our)\s+(?P<kin>{KIN})\b(?P<mid>[^.?!]{{0,60}}?)"
    r"\b(?:right |straight |just |immediately )?after (?:me|mine|my one|my appointment)\b"
)
_NOT_NAME_WORDS = _NOT_A_NAME | {
    "have", "has", "the", "one", "slot", "like", "can", "could", "in", "dob", "born", "is", "get", "gets",
    "appointment", "time", "visit", "wants", "would", "right", "straight", "just", "please", "a", "an",
}  # fmt: skip


def _after_mine(text: str, now: datetime) -> tuple[str, str, str] | None:
    """The caller's own visit at the time they asked for, and the relative's half an hour later."""
    m = _AFTER_MINE.search(text)
    if m is None:
        return None
    head = text[: m.start()]
    _, own_span = find_dob(head, now.date())
    when = find_when(head.replace(own_span, " ") if own_span else head, now)
    if when.at is None or when.start is None or when.start != when.end:
        return None
    clause_and_after = text[m.start() :]
    their_dob, their_span = find_dob(clause_and_after, now.date())
    details = f" , born {their_dob:%B} {their_dob.day} {their_dob.year}".lower() if their_dob else ""
    tail = text[m.end() :]
    if their_span and their_span in tail:
        tail = tail.replace(their_span, " ")
    tail = _THEIR_BIRTH.sub(" ", tail)
    words: list[str] = []
    for word in re.findall(r"[a-z'-]+", m.group("mid")):
        if word in _NOT_NAME_WORDS or len(words) == 2:
            break
        words.append(word)
    later = datetime.combine(when.start, when.at) + timedelta(minutes=30)
    with_whom = _with_whom(head)
    who = f"my {m.group('kin')} {' '.join(words)}".strip()
    relative = f"book {who}{with_whom} on {later:%B} {later.day} at {later:%H:%M}{details}".lower()
    return f"{head} {tail}".strip(), relative, m.group("kin")


def _with_whom(text: str) -> str:
    """ " with dr. patel" for the doctor the caller named, or nothing."""
    doctor = DOCTOR_NAMED.search(text)
    return f" with {doctor.group(0)}" if doctor else ""


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


# "he was born 6/16/1984", "his birthday is sept 17 1958", "she's 8/20/1968"
_THEIR_BIRTH = re.compile(
    r"\b(?:(?:he|she)(?:'s| is| was)? born(?: on)?|(?:his|her) (?:birthday|date of birth|dob|birth date)(?: is)?"
    r"|(?:he's|she's|he is|she is))\W*"
)


def _their_details(text: str, now: datetime) -> tuple[str, str]:
    """(", matthew moore, born june 28 1969" or ", born june 28 1969" or "", the text without them):
    the relative's name and date of birth ("and he's Matthew Moore, 6/28/1969"), or their date of
    birth said with a pronoun ("he was born 6/16/1984", "his birthday is ...")."""
    if (named := _birth_after(_THEIR_DETAILS, text, now, gap=3)) is not None:
        m, dob, end = named
        said = f" , {m.group('first')} {m.group('last')}, born {dob:%B} {dob.day} {dob.year}".lower()
        return said, f"{text[: m.start()]} {text[end:]}"
    if (pronoun := _birth_after(_THEIR_BIRTH, text, now, gap=2)) is not None:
        m, dob, end = pronoun
        return f" , born {dob:%B} {dob.day} {dob.year}".lower(), f"{text[: m.start()]} {text[end:]}"
    return "", text


def _birth_after(
    cue: re.Pattern[str], text: str, now: datetime, gap: int
) -> tuple[re.Match[str], date, int] | None:
    """The first `cue` with a date of birth right after it (at most `gap` characters on), that
    date and where it ends; None when no cue has one."""
    for m in cue.finditer(text):
        after = text[m.end() :]
        dob, span = find_dob(after, now.date())
        if dob is not None and span is not None and after.index(span) <= gap:
            return m, dob, m.end() + after.index(span) + len(span)
    return None


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
