"""The caller checking a day's date aloud inside their own request: no question about their visits.

"I want Dr. Patel for Tuesday, what day is that, the tenth? Yes, Tuesday the tenth, at one thirty":
they ask the calendar, then answer themselves. "What day is that" read alone would ask for their
upcoming appointments; said beside a day or time they give, the request is read without it.
"""

from __future__ import annotations

import re
from datetime import datetime

from agents.offline.dates import find_when

_DAY_CHECK = re.compile(
    r"\b(?:(?:um|uh|er|hmm|wait|let me see|let's see)\W+)*(?:what|which) (?:day|date)(?: of the month)?"
    r" (?:is|was|'s|would|will) (?:that|it|this)(?: be)?(?: again)?\b(?:\s*,?\s*(?:is it|is that))?"
)


def without_day_check(text: str, now: datetime) -> str | None:
    """`text` (normalized) without the caller's own check of a date, when the rest still names a day
    or time to book; None when there is no such check, or nothing else is said."""
    if _DAY_CHECK.search(text) is None:
        return None
    rest = " ".join(_DAY_CHECK.sub(" ", text).split())
    if find_when(rest, now).empty:
        return None  # "what day is that?" alone: asked of something else
    return rest
