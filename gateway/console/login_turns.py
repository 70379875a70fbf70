"""Login attempts for one account take turns within this process.

The lockout counts attempts with an atomic slot in the database (`StaffAccounts.authenticate`): only
the first MAX_FAILED_LOGINS attempts since the last success get a password check. Attempts that ran
side by side would all take a slot before any of them finished, so a few parallel logins with the
right password (a double-click, a script) would use up the slots and be refused. Taking turns per
account means each attempt sees the count the one before it left: parallel right passwords all get
in, parallel guesses are counted in order. Across replicas the database slot alone still bounds
the checks. Only accounts with attempts in progress are held in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class LoginTurns:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}  # attempts holding or waiting for each account's lock

    @asynccontextmanager
    async def turn(self, email: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(email, asyncio.Lock())
        self._waiting[email] = self._waiting.get(email, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[email] -= 1
            if self._waiting[email] == 0:
                del self._waiting[email]
                del self._locks[email]
