"""A doctor or a kind of doctor the caller says they do not want ("not the kids' doctor", "I'd
rather not see Dr Chen", "anyone but the heart specialist"): those words name nobody to book with."""

from __future__ import annotations

import re

# words between "not" and "doctor" that say which kind ("the kids'", "a heart"): no day or time
_KIND_WORD = (
    r"(?!(?:with|on|at|in|for|and|but|or|to|see|by|this|next|until|after|before|today|tomorrow|morning"
    r"|afternoon|evening|week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)[a-z'][a-z'-]*\s+"
)
_REFUSED = re.compile(
    r"\b(?:not|never|don't want|do not want|don't need|do not need|rather not|anyone but|anybody but|except"
    r"|other than|apart from|but not|no need for)\s+(?:(?:with|see|have|to see|for)\s+)?(?:the\s+|a\s+|an\s+|my\s+)?"
    r"(?:(?:dr|doctor)\.?\s+[a-z][a-z'-]*"  # "not dr chen"
    rf"|(?:{_KIND_WORD}){{1,3}}(?:doctor|specialist|physician)\b"  # "not the kids' doctor"
    r"|[a-z]+(?:ian|ist)s?\b)"  # "not a pediatrician"
)


def without_refusals(text: str) -> str:
    """`text` without the doctors the caller turns down."""
    return _REFUSED.sub(" ", text)
