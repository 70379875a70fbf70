"""Whose name and date of birth to check when a caller speaks for a relative: "I'm ringing about my
son Lucas's appointment" then "His name is Lucas Garcia and he was born on April 8th, 2015. I'm his
mother, Maria Garcia, October 19th, 1982", "it's Maria Garcia, 10/19/1982. I need to cancel Lucas's
appointment. Lucas Garcia, 4/8/2015", "lucas garcia 4/8/2015, im maria garcia his mom", "his dob is
4/8/2015, im maria his mom" after "reschedule lucas garcia's appt".

Each date of birth in the turn is given an owner (the full name said right beside it) and a side
(the relative's: "his dob", "he was born", the relative's name; the caller's: "I'm ...", "my dob").
The patient is the one date on the relative's side; the caller, when named with a date of their
own, is who speaks (for a request of their own later). The check itself is unchanged: that name
and that date must fit one person on file, or it fails as any check does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from agents.offline.birthdates import find_dob
from agents.offline.names import (
    CALENDAR_WORDS,
    KIN,
    NOT_NAMES,
    _words_before,
    dob_of_another,
    possessive_name,
    someone_elses_name,
    spoke_for_a_relative,
)

# "I'm his mother, Maria Garcia", "im maria his mom", "i'm maria garcia his mom", "I'm his mom"
_SPEAKER_IS_KIN = re.compile(
    r"\b(?:i'm|i am|im|this is|it's)\s+(?:(?P<before>[a-z'-]+(?:\s+[a-z'-]+)?),?\s+)?(?:his|her|their)\s+"
    rf"(?:{KIN}|mum|mom|mother|dad|father|parent|guardian|carer|caregiver)\b"
    r"(?:,?\s+(?P<after>[a-z'-]+\s+[a-z'-]+))?"
)
# "it's Maria Garcia", "this is Maria Garcia", "I'm Maria Garcia": the caller's own name
_SPEAKER_NAMED = re.compile(
    r"\b(?:i'm|i am|im|this is|it's|my name is|my name's)\s+(?P<name>[a-z'-]+\s+[a-z'-]+)"
)
# "hi, Maria Garcia, October 19th 1982. ...", "Maria Garcia here, ...": the name the turn opens with
_OPENING_NAME = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\W+)?(?:(?:yes|yeah|oh|um|uh)\W+)?"
    r"(?P<name>[a-z'-]+\s+[a-z'-]+)(?:\s+(?:here|speaking|calling))?\s*[,.:;-]"
)
# a date written day first beyond doubt ("19/10/1982"): the turn's other dates are day first too
_DAY_FIRST = re.compile(r"\b(?:1[3-9]|2\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:\d{4}|\d{2})\b")
_NUMERIC_DATE = re.compile(r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})$")
# the caller's own date: "my dob", "i'm ...", "me:"
_MINE = re.compile(r"\b(?:my (?:dob|date of birth|birthday|bday|birth date)|i'm|i am|im|i was born|me)\b")
_HIS_IS = re.compile(r"\b(?:his|her|their)(?: one)? is\W*$")
# "cancel lucas garcia appt" (typed without the 's), "about lucas garcia", "for lucas garcia"
_THEIR_VISIT_NAMED = re.compile(
    r"\b(?P<first>[a-z'-]+)\s+(?P<last>[a-z'-]+)(?:'s|s)?\s+(?:appt|appointment|visit|vaccination|check ?up|physical)\b"
    # ("the home caregiver for Mr. José Ramírez": a title before the name)
    # ("executive assistant to Mr. Michael Brown", "calling from the office of Ms. Siobhan O'Connor")
    # ("la mamá de Lucas Garcia", "the mother of Lucas Garcia")
    r"|\b(?:about|for|regarding|on behalf of|(?:assistant|secretary|carer|caregiver|aide|pa) to|the office of"
    r"|(?:mam[aá]|madre|pap[aá]|padre|m[eè]re|p[eè]re) de|(?:m[aã]e|pai) d[oa]|(?:mother|father|mum|mom|dad) of)\s+"
    r"(?:(?:mr|mrs|ms|miss|mister|dr)\.?\s+)?(?P<first2>[^\W\d_][\w'-]*)"
    r"\s+(?P<last2>[^\W\d_][\w'-]*)\b"
)
# "Lucas's appointment", "my son lucas": a relative by first name
_THEIR_FIRST_NAME = re.compile(
    r"\b(?P<first>[a-z'-]+)'s\s+(?:[a-z]+\s+)?(?:appt|appointment|visit|vaccination|check ?up|physical|shot|jab)\b"
    rf"|\bmy\s+(?:{KIN})(?:'s)?,?\s+(?P<first2>[a-z'-]+)\b"
    # "I can't bring Lucas to Dr. Rodriguez on Thursday": the one brought to the visit
    r"|\b(?:bring|take|drive|get)\s+(?P<first3>[a-z'-]+)\s+(?:to|in|over)\b"
)
# "his dob is April 8th, 2015, Lucas Garcia.": the name said right after the date, ending the clause
_NAME_AFTER = re.compile(r"^\W*(?P<first>[a-z'-]+)\s+(?P<last>[a-z'-]+)\W*(?:$|[.;!?])")
# "Lucas Garcia is my son", "my son is Lucas Garcia"
_IS_MY_KIN = re.compile(
    rf"\b(?P<first>[a-z'-]+)\s+(?P<last>[a-z'-]+)\s+is\s+(?:my|our)\s+(?:{KIN})\b"
    rf"|\b(?:my|our)\s+(?:{KIN})(?:'s name)?\s+is\s+(?P<first2>[a-z'-]+)\s+(?P<last2>[a-z'-]+)\b"
)
# the words that give a date as someone's, between their name and the date
_CUE_BEFORE_DATE = re.compile(
    r"(?:\b(?:and|,)\s*)?(?:\b(?:he|she|they)(?:'s| is| was| were)? born(?: on| in)?|\b(?:his|her|their|my) (?:date of birth"
    r"|dob|d\.o\.b\.?|birthday|birth date)(?: is)?|\bborn(?: on| in)?|\bdob|\bdate of birth)?[\s:,=-]*$"
)
_NOT_A_FIRST_NAME = {
    "born",
    "he",
    "she",
    "his",
    "her",
    "has",
    "is",
    "was",
    "and",
    "who",
    "dob",
    "needs",
    "had",
    "him",
    "them",
    "it",
    "me",
    "us",
    "you",
    "that",
    "this",
}
# two people to serve, not one spoken for (`next_person`)
_BOTH = re.compile(
    r"\b(?:both|us two|the two of us|me and|myself and|and me|and myself|and for me|one for me)\b"
)


@dataclass(frozen=True)
class Patient:
    name: tuple[str, str]
    born: date
    speaker: tuple[str, str] | None  # the caller, when they gave a name of their own
    speaker_born: date | None


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _is_name(first: str | None, last: str | None) -> bool:
    # (not "for thursday april 17th": a day, no person)
    return bool(first and last) and not {first, last} & (NOT_NAMES | CALENDAR_WORDS)


def _relative(turns: list[str]) -> tuple[tuple[str, str] | None, str | None]:
    """The relative the call is about (full name, or first name only), from the caller's turns."""
    full: tuple[str, str] | None = None
    first: str | None = None
    for said in turns:
        if full is None and (named := someone_elses_name(said)) is not None:
            full = named
        if full is None and (owned := possessive_name(said)) is not None:
            a, _, b = owned.partition(" ")
            full = (a, b)
        if (
            full is None
            and (m := _IS_MY_KIN.search(said)) is not None
            and _is_name(a := m["first"] or m["first2"], b := m["last"] or m["last2"])
        ):
            full = (_title(a), _title(b))
        if full is None:
            for m in _THEIR_VISIT_NAMED.finditer(said):
                a, b = m.group("first") or m.group("first2"), m.group("last") or m.group("last2")
                if _is_name(a, b) and a not in (
                    "my",
                    "his",
                    "her",
                    "the",
                    "an",
                    "a",
                    "our",
                    "their",
                    "dr",
                    "doctor",
                    "next",
                    "this",
                ):
                    full = (_title(a), _title(b))
                    break
        if first is None and (m := _THEIR_FIRST_NAME.search(said)) is not None:
            word = re.sub(r"'s$", "", m.group("first") or m.group("first2") or m.group("first3"))
            if word not in NOT_NAMES and word not in _NOT_A_FIRST_NAME:
                first = word
    return full, (full[0].lower() if full else first)


def _owner(before: str) -> tuple[str, str] | None:
    """The full name said right before a date of birth ("Lucas Garcia, 4/8/2015", "his name is
    Lucas Garcia and he was born on ..."), in the same clause; None when no name is right there."""
    clause = re.split(r"[.;!?()]", _CUE_BEFORE_DATE.sub("", before))[-1]
    clause = re.sub(r"\s+(?:here|speaking|calling)\W*$", "", clause)  # "it's Maria Garcia here, 10/19/1982"
    words = _words_before(clause)
    return (_title(words[0]), _title(words[-1])) if 2 <= len(words) <= 3 else None


def _speaker(text: str) -> tuple[str, str] | None:
    if (m := _SPEAKER_IS_KIN.search(text)) is not None:
        said = m.group("before") or m.group("after") or ""
        words = said.split()
        if len(words) == 2 and _is_name(*words):
            return _title(words[0]), _title(words[1])
    for m in (_SPEAKER_NAMED.search(text), _OPENING_NAME.match(text)):
        if m is not None and _is_name(*(words := m.group("name").split())):
            return _title(words[0]), _title(words[1])
    return None


def _as_written(born: date, span: str, text: str) -> date:
    """An ambiguous numeric date ("08/04/2015") read day first when another date of the turn is
    written day first beyond doubt ("Maria Garcia, 19/10/1982, for my son Lucas, 08/04/2015")."""
    m = _NUMERIC_DATE.match(span.strip())
    if m is None or not _DAY_FIRST.search(text) or int(m["a"]) > 12 or int(m["b"]) > 12:
        return born
    try:
        return date(int(m["y"]), int(m["b"]), int(m["a"]))
    except ValueError:
        return born


def patient_of_the_call(text: str, earlier: list[str], today: date) -> Patient | None:
    """The relative's name and date of birth when this turn gives them for a call about that
    relative (`earlier`: the caller's turns before, normalized); None when it is not so clear."""
    if _BOTH.search(text) or not (
        _SPEAKER_IS_KIN.search(text)
        or spoke_for_a_relative(" ".join([*earlier, text]))
        or _relative([*earlier, text])[1] is not None
    ):
        return None
    dates: list[tuple[date, int, int]] = []
    masked = text
    while len(dates) < 3:
        born, span = find_dob(masked, today)
        if born is None or not span:
            break
        at = masked.index(span)
        dates.append((_as_written(born, span, text), at, at + len(span)))
        masked = masked[:at] + "#" * len(span) + masked[at + len(span) :]
    if not dates or len({d for d, _, _ in dates}) != len(dates) or len(dates) > 2:
        return None
    full, first = _relative([*earlier, text])
    speaker = _speaker(text)
    speaker_is_kin = _SPEAKER_IS_KIN.search(text) is not None
    theirs: list[tuple[tuple[str, str] | None, date]] = []
    mine: list[tuple[tuple[str, str] | None, date]] = []
    for born, start, end in dates:
        before = masked[:start]
        owner = _owner(before)
        if (
            owner is None
            and (after := _NAME_AFTER.match(masked[end:]))
            and _is_name(after["first"], after["last"])
        ):
            owner = (_title(after["first"]), _title(after["last"]))
        window = before[-40:]
        if owner is not None and speaker is not None and owner == speaker:
            mine.append((owner, born))
        elif dob_of_another(before) or _HIS_IS.search(window):
            theirs.append((owner, born))
        elif owner is not None and first is not None and owner[0].lower() == first:
            theirs.append((owner, born))
        elif (
            owner is None
            and first is not None
            and speaker is not None
            and re.search(rf"\b{re.escape(first)},?\s+(?:who was |he was |she was )?(?:born|dob)\W*$", before)
        ):
            # "book my son Lucas, born April 8, 2015" from Maria Garcia: Lucas, by the family name she
            # gave (checked as any name is: exactly, or it fails)
            theirs.append(((_title(first), speaker[1]), born))
        elif _MINE.search(re.split(r"[.;!?]", window)[-1]):
            mine.append((owner, born))
        elif owner is not None and speaker_is_kin and speaker is not None and owner != speaker:
            theirs.append((owner, born))
        elif owner is None and len(dates) == 1 and speaker_is_kin and full is not None:
            theirs.append((None, born))  # "his birthday ... i'm his mom": the one date, his
        else:
            return None
    if len(theirs) != 1:
        return None
    owner, born = theirs[0]
    # ("Maria Garcia ... calling about Lucas's appointment, his date of birth is ...": Lucas, by the
    # family name she gave; checked as any name is, exactly, or it fails)
    name = owner or full or ((_title(first), speaker[1]) if first and speaker else None)
    if name is None or (speaker is not None and name == speaker):
        return None
    if first is not None and name[0].lower() != first:
        return None  # the date beside someone else than the relative the call is about
    own = mine[0] if mine else None
    return Patient(name, born, own[0] or speaker if own else speaker, own[1] if own else None)
