"""Text fit for speech: dates and times as a person says them, short sentences, no markdown.

Both the runtime and the offline planner phrase records through here, so the voice edge never has
to read "2026-12-03T15:00:00-05:00" or a bullet list aloud.
"""

from __future__ import annotations

import re
from datetime import date, datetime


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def say_time(dt: datetime) -> str:
    """'3 PM', '10:30 AM', '12 PM'."""
    hour = dt.hour % 12 or 12
    half = "AM" if dt.hour < 12 else "PM"
    return f"{hour} {half}" if dt.minute == 0 else f"{hour}:{dt.minute:02d} {half}"


def say_date(d: date) -> str:
    """'Tuesday, December 3rd'."""
    return f"{d.strftime('%A')}, {d.strftime('%B')} {ordinal(d.day)}"


def say_when(dt: datetime) -> str:
    """'Tuesday, December 3rd at 3 PM'."""
    return f"{say_date(dt.date())} at {say_time(dt)}"


def join_spoken(items: list[str], conjunction: str = "or") -> str:
    """'a', 'a or b', 'a, b, or c'."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return ", ".join(items[:-1]) + f", {conjunction} {items[-1]}"


_MARKDOWN = re.compile(r"[*_`#>|]+|^\s*[-•]\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")


def plain(text: str) -> str:
    """Drop markdown markup and collapse whitespace, so text can be spoken as is."""
    text = _MARKDOWN.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    """Split into sentences for streaming (the voice edge synthesizes each as it arrives).

    Abbreviations like 'Dr.' are not sentence ends: the split needs a capital after the space,
    and 'Dr. Patel' is re-joined below.
    """
    parts = _SENTENCE_END.split(plain(text))
    out: list[str] = []
    for part in parts:
        if out and re.search(r"\b(Dr|Mr|Mrs|Ms|St)\.$", out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p for p in out if p]
