"""Keypad entries: digits collected until `#` or a pause, then handed on as one entry.

A date of birth typed as 03041985# arrives as "03041985". `*` clears what was typed so far.
An entry of exactly "0" (pressed alone) is the universal "a person, please".

When the agent has said how many digits complete the answer (`expect(8)` after asking for a date of
birth, `expect(1)` after "press 1 for 9 AM, 2 for 9:30"), an entry of that length completes at
once, without waiting for `#` or the pause. With `expect(1)` a lone "0" therefore completes at once
too, and it still means a person: options are numbered from 1, and "0 for a person" stays true on
every menu.
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
        self.expected: int | None = None  # digits that complete an entry at once

    def expect(self, digits: int | None) -> None:
        """Entries of exactly this many digits complete without `#` or the pause (None: never)."""
        self.expected = digits if digits is not None and digits > 0 else None
        if self.expected is not None and len(self._digits) == self.expected:
            self._complete()  # typed ahead, before the question had finished

    def press(self, digit: str) -> None:
        self._cancel_timer()
        if digit == "#":
            self._complete()
        elif digit == "*":
            self._digits.clear()
        else:
            self._digits.append(digit)
            if self.expected is not None and len(self._digits) == self.expected:
                self._complete()
            else:
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
