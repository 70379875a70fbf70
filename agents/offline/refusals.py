"""A doctor or a kind of doctor the caller says they do not want ("not the kids' doctor", "I'd
rather not see Dr Chen", "anyone but the heart specialist"): those words name nobody to book with."""

from __future__ import annotations

import re
from typing import Any

from connectors.base import Provider, Slot

# words between "not" and "doctor" that say which kind ("the kids'", "a heart"): no day or time
_KIND_WORD = (
    r"(?!(?:with|on|at|in|for|and|but|or|to|see|by|this|next|until|after|before|today|tomorrow|morning"
    r"|afternoon|evening|week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)[a-z'][a-z'-]*\s+"
)
_REFUSED = re.compile(
    r"\b(?:not|never|don't want|do not want|don't need|do not need|rather not|anyone but|anybody but|except"
    r"|any (?:doctor|dr|provider|physician|one|other) but|whoever but"
    r"|other than|apart from|but not|no need for)\s+(?:(?:with|see|have|to see|for)\s+)?(?:the\s+|a\s+|an\s+|my\s+)?"
    r"(?P<who>(?:dr|doctor)\.?\s+[a-z][a-z'-]*"  # "not dr chen"
    rf"|(?:{_KIND_WORD}){{1,3}}(?:doctor|specialist|physician)\b"  # "not the kids' doctor"
    r"|[a-z]+(?:ian|ist)s?\b"  # "not a pediatrician"
    r"|(?:kids'?|children'?s?|child|baby|pediatric|paediatric) one\b)"  # "not the kids one"
)


def without_refusals(text: str) -> str:
    """`text` without the doctors the caller turns down."""
    return _REFUSED.sub(" ", text)


def note_refusals(s: dict[str, Any], text: str) -> None:
    """Keeps what the caller turned down ("just not Dr Chen"), to be matched to a doctor once the
    practice's doctors are known."""
    said = [m.group("who") for m in _REFUSED.finditer(text)]
    if said:
        s["refused"] = [*s.get("refused", []), *said][-5:]


def not_refused(s: dict[str, Any], slots: list[Slot], providers: list[Provider]) -> list[Slot]:
    """The free slots of doctors the caller did not turn down, when they named none to see."""
    if s.get("provider_id") or not s.get("refused"):
        return slots
    from agents.offline.choices import _mentions_specialty, find_provider

    refused: set[str] = set()
    for said in s["refused"]:
        named = find_provider(said, providers)
        refused |= (
            {named.id} if named else {p.id for p in providers if _mentions_specialty(said, p.specialty)}
        )
    return [x for x in slots if x.provider_id not in refused]
