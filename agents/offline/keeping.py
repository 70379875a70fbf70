"""A visit asked for on top of the one the caller has (normalized text): "an extra appointment, not
change the one I already have", "keep my Monday one and book another with Dr Chen", "a second
visit as well", "in addition to my Thursday appointment". The words about the kept appointment
("not change the one I have", "keep my appointment") say no move and no cancellation: `intents`
reads the turn without them, and an extra visit is a booking, never a move.
"""

from __future__ import annotations

import re

_VISIT = r"(?:one|appointment|appt|visit|booking|check ?up|follow ?up|physical|vaccination|consultation)"
_ONE = (
    r"(?:the (?:one|ones|appointment|appt|visit|booking)|the (?:other|existing|current|first|original|old)"
    rf" {_VISIT}|my (?:other |existing |current |usual |first |original |old )?"
    rf"(?:[a-z]+day |[a-z]+'s )?{_VISIT}|(?:his|her|their) (?:other |existing "
    rf"|current )?{_VISIT}|that one|both(?: of them)?)"
)
# the appointment the caller has is kept: said as no change, or as keeping it
KEPT = re.compile(
    r"\b(?:(?:don't|do not|not|never|without|no need to|rather not|not to|not wanting to|don't want to"
    r"|do not want to|i don't want you to|please don't)\s+(?:to\s+)?(?:change|changing|move|moving|cancel"
    r"|cancelling|canceling|replace|replacing|touch|touching|reschedule|rescheduling|swap|swapping|switch"
    r"|switching|lose|losing|drop|dropping)\s+(?:it|that|" + _ONE + r")"
    r"(?:\s+(?:i|we|he|she|they)\s+(?:already\s+)?(?:have|has|'ve got|got|had|booked)(?:\s+(?:already|booked|now))?)?"
    # "leave the one on the 19th alone", "I'll keep the Chen one": with what names it
    r"|(?:keep|keeping|still keep|also keep|leave|leaving)\s+(?:"
    + _ONE
    + r"|the (?:dr\.? )?[a-z]+ (?:one|appointment|visit))"
    r"(?:\s+(?:on|for|with|at)\s+(?:dr\.\s|[^.,;!?]){0,25}?(?=\s+alone\b|\s+as (?:it is|is)\b|\s*[.,;!?]|\s*$))?"
    r"(?:\s+as (?:it is|is)|\s+alone)?"
    r"|(?:one|appointment|appt|visit|booking) (?:i|we|he|she) (?:already )?(?:have|has|'ve got|got)"
    r" (?:stays|stay|as (?:it is|is)))\b"
)
# a visit on top of the one the caller has
EXTRA = re.compile(
    r"\b(?:an? (?:extra|additional|second|separate|further|2nd) (?:appointment|appt|visit|one|booking|slot"
    r"|consult|consultation|check ?up)|in addition to|on top of|another (?:appointment|appt|visit|booking|one(?= with (?:dr|doctor)\b))"
    r"(?! (?:day|time|date))|(?:appointment|appt|visit|one) as well|as well as (?:my|the|his|her))\b"
)


def keeps_the_other(text: str) -> tuple[str, bool] | None:
    """(the text without the words about the kept appointment, whether a visit on top of it is
    asked for), or None when the caller says nothing of the kind."""
    kept, extra = KEPT.search(text), EXTRA.search(text)
    if kept is None and extra is None:
        return None
    return KEPT.sub(" ", text), extra is not None


# the kept appointment named after the words that put the new visit on top of it
_BESIDES = re.compile(
    r"\b(?:in addition to|on top of|as well as|besides|alongside|apart from|other than)\s+"
    r"(?:my|the|his|her|their|our)\s+(?:[a-z]+day\s+|usual\s+|other\s+|existing\s+|current\s+)?"
    r"(?:one|appointment|appt|visit|booking|check ?up)(?:\s+(?:on|for|this|next)\s+(?:the\s+)?"
    r"(?:[a-z]+day|\d{1,2}(?:st|nd|rd|th)?))?\b"
)


def without_kept(text: str) -> str:
    """The text without the appointment the caller keeps ("keep my Thursday appointment", "on top
    of my Thursday one"): its day is not the day wanted for the new visit."""
    return _BESIDES.sub(" ", KEPT.sub(" ", text))
