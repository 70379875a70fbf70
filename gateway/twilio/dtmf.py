"""Keypad entries: digits collected until `#` or a pause, then handed on as one entry.

A date of birth typed as 03041985# arrives as "03041985". `*` clears what was typed so far.
An entry of exactly "0" (pressed alone) is the universal "a person, please".
`entry_text` gives the agent a readable form of an entry (eight digits that make a date read as
MM/DD/YYYY, the way US callers type a date of birth); the raw digits travel with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

PERSON_PLEASE = "0"


class DigitCollector:
    def __init__(self, timeout_s: float, on_entry: Callable[[str], None]) -> None:
        self._timeout_s = timeout_s
        self._on_entry = on_entry
        self._digits: list[str] = []
        self._timer: asyncio.TimerHandle | None = None

    def press(self, digit: str) -> None:
        self._cancel_timer()
        if digit == "#":
            self._complete()
        elif digit == "*":
            self._digits.clear()
        else:
            self._digits.append(digit)
            self._timer = asyncio.get_running_loop().call_later(self._timeout_s, self._complete)

    def close(self) -> None:
        self._cancel_timer()
        self._digits.clear()

    def _complete(self) -> None:
        self._cancel_timer()
        entry = "".join(self._digits)
        self._digits.clear()
        if entry:
            self._on_entry(entry)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def entry_text(digits: str) -> str:
    """The turn text for a keypad entry: a date for MMDDYYYY, the digits otherwise."""
    if len(digits) == 8 and digits.isdigit():
        month, day, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
        try:
            date(year, month, day)
        except ValueError:
            return digits
        return f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
    return digits
