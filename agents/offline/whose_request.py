"""Whom a turn's request is for, when a caller speaks of someone else: a relative asked for by a
caller verified as themselves, the relative verified in the caller's place, someone not family,
the caller's own visit asked for after a relative's, a doctor referred to as "her" or "him"."""

from __future__ import annotations

import re
from datetime import date

from agents.offline.birthdates import find_dob
from agents.offline.followups import own_request_after_theirs
from agents.offline.names import (
    DOCTOR_NAMED,
    asks_for_a_relative,
    relative_asked_for,
    someone_elses_name,
    spoke_for_a_relative,
)
from agents.offline.names import KIN_WORDS as _KIN_WORDS
from agents.offline.numbers import normalize
from agents.planner import PlanContext

SOMEONE_ELSE = (
    "I'm sorry, in this conversation I can only help with appointments for {name}. For someone else, "
    "please start a new conversation with their name and date of birth, or ask for our staff."
)
# someone who is not family, spoken of ("my friend's appointment", "my neighbour Emily Davis")
NOT_FAMILY = re.compile(
    r"\b(?:my|our)\s+(?:best\s+|close\s+|good\s+)?(?:friend|neighbou?r|colleague|co-?worker|boss|room-?\s?mate"
    r"|flat-?\s?mate|house-?\s?mate|client|employee|tenant|landlord|lodger|classmate|teammate|pal|buddy|mate)(?:'s|s')?\b"
    # ... whose appointment it is: the visit named before any "my" ("my friend is driving me to my
    # appointment", "my neighbour was going to drive me": the caller's own)
    r"(?:(?!\bmy\b)[^.;!?]){0,50}?\b(?:appointment|appt|visit|booking|booked|scheduled)\b"
    # ... and not what they arranged themselves ("my boss just scheduled an all-day training")
    r"(?!\s+(?:a|an|me|us|something|some|another|meetings?|trainings?|shifts?)\b)"
)
_SELF_CUE = re.compile(r"\b(?:this is|it's|it is|i'm|i am|im|my name is|my name's)\s+$")


def relative_is_verified(said: str, first_name: str | None) -> bool:
    """In a turn that asked for a relative ("my son needs a check-up"), whether the person just
    verified is that relative: their first name said after the relative was spoken of, and not
    as the caller's own introduction ("my son's appt. lucas garcia, dob ...")."""
    kin = _KIN_WORDS.search(said)
    if kin is None or not first_name:
        return True
    if re.search(
        rf"\b{re.escape(first_name.lower())}(?: [a-z'-]+)?'s (?:[a-z]+ )?(?:appointment|appt|visit|booking|check ?up"
        r"|vaccination|jab|shot|physical)\b",
        said,
    ):
        return True  # "this is about Lucas Garcia's appointment, he's my son": the one whose visit it is
    for m in re.finditer(rf"\b{re.escape(first_name.lower())}\b", said[kin.start() :]):
        before = said[kin.start() : kin.start() + m.start()]
        after = said[kin.start() + m.end() : kin.start() + m.end() + 40]
        if not _SELF_CUE.search(before) or _THEIR_BIRTH.search(after) or _SPEAKER_IS_KIN.search(said):
            # ("yes, it's james wilson, his birthday is ...": his, whatever "it's" says)
            return True
    return False


# "... It's Lucas Garcia, born April 8 2015. I'm Maria, his mom.": the one named is the relative
_SPEAKER_IS_KIN = re.compile(
    r"\b(?:i'm|i am|this is) (?:[a-z]+,? )?(?:his|her|their) (?:mom|mum|mother|dad|father|wife|husband|partner"
    r"|parent|guardian|carer|caregiver|daughter|son)\b"
)
_THEIR_BIRTH = re.compile(
    r"\b(?:his|her|their) (?:birthday|date of birth|dob|birth date)\b|\b(?:he|she) was born\b"
)


def said_before(ctx: PlanContext, born: date) -> bool:
    """The date of birth was said in an earlier turn (the caller's own, verified with it)."""
    earlier = [m.content or "" for m in ctx.messages if m.role == "user"][:-1]
    return any(find_dob(normalize(t), ctx.now.date())[0] == born for t in earlier)


def for_someone_else(ctx: PlanContext, text: str) -> bool:
    """A turn asking for a relative of a caller who was verified as themselves (no earlier turn
    spoke of a relative: a parent who gave their child's details is speaking for the child)."""
    if not asks_for_a_relative(text) or own_request_after_theirs(text):
        return False
    if ctx.caller.speaking_for and relative_asked_for(text) in (None, ctx.caller.speaking_for):
        return False  # the relative's request, after the caller's own: the person verified now
    named = someone_elses_name(text)
    if named is not None:
        return named[0].lower() != (ctx.caller.first_name or "").lower()
    earlier = [normalize(m.content or "") for m in ctx.messages if m.role == "user"][:-1]
    return not any(spoke_for_a_relative(t) for t in earlier)


# the caller's own visit asked for in so many words ("and for me", "book me too", "my own")
FOR_ME_TOO = re.compile(
    r"(?<!not )(?<!n't )\b(?:for me|for myself|book me|and me|me too|me as well|one for me|my own)\b"
)
# a doctor referred to by a pronoun: "could I book one with her", "his next free slot"
WITH_THEM = re.compile(
    r"\b(?:with|see|seeing) (?:her|him)\b|\b(?:her|his) (?:next|first|earliest) (?:free|available|opening)"
)


def doctor_said_before(ctx: PlanContext) -> str | None:
    """The doctor the caller named last in an earlier turn ("... with Dr. Patel"), or None."""
    for m in reversed([m for m in ctx.messages if m.role == "user"][:-1]):
        if said := [d.group(0) for d in DOCTOR_NAMED.finditer(normalize(m.content or ""))]:
            return said[-1]
    return None
