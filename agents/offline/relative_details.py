"""A parent's details, then the child's, in one answer: "I'm Maria Garcia, 19 October 1982, and Lucas
was born 8 April 2015", "Me: 19/10/1982. Lucas: 8 April 2015", "maria garcia 10/19/1982, it's about
lucas, born 4/8/2015". When the conversation is about someone else (a relative was named, or that
first name came up before), the person to check is the second one: their name (the caller's family
name when only a first name is said) with their own date of birth. The check itself is unchanged:
that name and that date must fit one person on file, or it fails as any check does.
"""

from __future__ import annotations

import re
from datetime import date

from agents.offline.birthdates import find_dob
from agents.offline.names import (
    _is_name_word,
    _name_words,
    _title,
    dob_of_another,
    find_name,
    spoke_for_a_relative,
)

# the words between a name and its date of birth: "was born", "dob", ":", "born on"
_DOB_CUE = re.compile(
    r"[\s:,=-]*(?:\b(?:was|is|'s|s)\s+)?(?:\b(?:born(?:\s+on)?|dob|d\.o\.b\.?|date of birth|birthday|bday)\b)?[\s:,=-]*$"
)
# "for both of us", "me and my son": two people to serve, not one spoken for (`next_person`)
_BOTH = re.compile(r"\b(?:both|us two|the two of us|me and|myself and|and me|and myself)\b")


def _name_before(words: str) -> list[str]:
    """The name words that end `words` ("and lucas", ". Lucas Garcia", "it's about lucas")."""
    clause = re.split(r"[.,;:!?()\[\]]|\b(?:and|about|for|regarding|re)\b", _DOB_CUE.sub("", words))[-1]
    found: list[str] = []
    for raw in reversed(clause.split()):
        w = raw.strip("\"'")
        if not _is_name_word(w):
            break
        found.insert(0, w)
    return found if 1 <= len(found) <= 3 else []


# a full name said as whom a request is for: "book lucas garcia", "for lucas garcia", "about lucas garcia"
_FOR_WHOM = re.compile(
    r"\b(?:book|booking|cancel|cancelling|move|moving|reschedule|rescheduling|bring|bringing|for|about|regarding)"
    r"\s+(?:in\s+)?(?=(?P<rest>[a-z]))"
)


def _named_for_the_request(words: str) -> list[str]:
    """The full name of the last person a request was said for in `words` ("... book lucas garcia
    with dr rodriguez - his"), or none."""
    for cue in reversed(list(_FOR_WHOM.finditer(words))):
        found = _name_words(words[cue.start("rest") :], leading=False)
        if 2 <= len(found) <= 3:
            return found
    return []


def _caller_named_before(earlier: list[str]) -> tuple[str, str] | None:
    """The caller's name from an earlier turn ("Maria Garcia, calling about my boy's check-up")."""
    for said in earlier:
        if (name := find_name(said)) is not None:
            return name
        opening = _name_words(said)
        if 2 <= len(opening) <= 3 and re.match(
            rf"\W*{re.escape(' '.join(opening))}\s*(?:,|here\b|calling\b)", said
        ):
            return _title(opening[0]), _title(opening[-1])
    return None


def relative_checked(
    text: str, earlier: list[str], today: date, caller: tuple[str, str] | None
) -> tuple[tuple[str, str], date] | None:
    """The second person's name and date of birth when `text` gives two dates of birth, the first
    the caller's (`caller`: the name read with it, maybe from an earlier turn) and the second a
    relative's the conversation is about; else None."""
    first, first_span = find_dob(text, today)
    if first is None or not first_span:
        return None
    after = text[text.index(first_span) + len(first_span) :]
    second, second_span = find_dob(after, today)
    if second is None or not second_span or second == first or _BOTH.search(text):
        return None
    between = after[: after.index(second_span)]
    words = _name_before(between)
    # "i need to book lucas garcia with dr rodriguez - his dob's april 8, 2015": the date given as
    # another's, the one named for the request before it
    theirs = not words and dob_of_another(between)
    words = words or (_named_for_the_request(between) if theirs else [])
    if not words:
        return None
    caller = caller or _caller_named_before(earlier)
    last = words[-1] if len(words) >= 2 else (caller[1] if caller else None)
    if last is None or (caller is not None and _title(words[0]) == caller[0]):
        return None
    said = " ".join([*earlier, text[: text.index(first_span)], between])
    about_them = (
        theirs or spoke_for_a_relative(said) or re.search(rf"\b{re.escape(words[0])}\b", " ".join(earlier))
    )
    about_them = about_them or re.search(rf"\b(?:about|for|regarding)\s+{re.escape(words[0])}\b", after)
    if not about_them:
        return None
    return (_title(words[0]), _title(last)), second
