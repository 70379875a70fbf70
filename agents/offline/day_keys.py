"""The day of a visit typed on the phone keypad: four digits, month then day ("1215").

On a bad line the day a caller asks for is what a small recogniser garbles most ("next Monday" →
"next Monday to IBM"); asked again, the same words come out garbled again. Keys are exact: once a
day asked for was not caught on a call, the keypad is offered, and four digits typed then are that
date (the next one to come: "0105" in December is January 5th).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.offline.calendar_words import safe_date

DAY_KEYS = "You can also type the date on the keypad as four digits, month then day."

_FOUR_DIGITS = re.compile(r"\s*(\d\d)(\d\d)\s*#?\s*")


def offer_day_keys(s: dict[str, Any], channel: str) -> str:
    """ " You can also type the date ..." on a call (noted, so four digits are read as the date), or
    nothing elsewhere."""
    if channel != "voice":
        return ""
    s["day_keys"] = True
    return f" {DAY_KEYS}"


def keyed_day(s: dict[str, Any], text: str, today: date) -> date | None:
    """The date typed after the keypad was offered for it, or None (not offered, or no date)."""
    if not s.get("day_keys") or (m := _FOUR_DIGITS.fullmatch(text)) is None:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    typed = safe_date(today.year, month, day)
    if typed is not None and typed < today:
        typed = safe_date(today.year + 1, month, day)
    return typed
