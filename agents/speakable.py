"""Text fit for speech: dates and times as a person says them, short sentences, no markdown.

Both the runtime and the offline planner phrase records through here, so the voice edge never has
to read "2026-12-03T15:00:00-05:00" or a bullet list aloud. The words themselves (ordinals, the
clock, a weekday and date) and the sentence split belong to `speech.text`, so that what the agent
writes and what the voice edge's normaliser rewrites read the same; this module says the agent's
records (datetimes, lists of choices) with them.
"""

from __future__ import annotations

from datetime import date, datetime

from speech.text import spoken_day, spoken_time


def say_time(dt: datetime) -> str:
    """'3 PM', '10:30 AM', '12 PM'."""
    return spoken_time(dt.hour, dt.minute)


def say_date(d: date) -> str:
    """'Tuesday, December 3rd'."""
    return spoken_day(d)


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
