"""Voice before chat: who goes first when callers and chat visitors wait for the same thing.

A caller hears silence while the bot works on a reply; a chat visitor sees a typing indicator and
reads at their own pace. So when both wait for a shared resource, the caller's work goes first:
`priority_of(channel)` ranks voice ahead of chat (and of the terminal), and `PriorityLimiter`
admits at most `slots` holders at a time, the most urgent waiter first (first come, first served
within a rank). The model client uses one for its requests to the model server (a server runs a
few requests at a time; the rest queue, and without a rank of their own they would queue in
arrival order there).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

VOICE = 0  # a caller is waiting in silence
CHAT = 1  # a visitor reading and typing (and anything else)


def priority_of(channel: str) -> int:
    """The rank of a conversation's work: voice first."""
    return VOICE if channel == "voice" else CHAT


class PriorityLimiter:
    """At most `slots` holders at once; a free slot goes to the waiter with the lowest rank."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.slots = slots
        self.holders = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []  # (rank, arrival, grant)
        self._arrivals = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for _rank, _n, grant in self._waiting if not grant.done())

    def waiting_at(self, rank: int) -> int:
        return sum(1 for r, _n, grant in self._waiting if r == rank and not grant.done())

    @asynccontextmanager
    async def hold(self, rank: int) -> AsyncIterator[None]:
        """Run the body in a slot: at once if one is free and nobody waits, else when granted."""
        await self._acquire(rank)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, rank: int) -> None:
        if self.holders < self.slots and not self.waiting:
            self.holders += 1
            return
        grant: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (rank, next(self._arrivals), grant))
        try:
            await grant
        except asyncio.CancelledError:
            if grant.done() and not grant.cancelled():
                self._release()  # granted, then cancelled before it ran: pass the slot on
            raise

    def _release(self) -> None:
        self.holders -= 1
        while self._waiting and self.holders < self.slots:
            _rank, _n, grant = heapq.heappop(self._waiting)
            if grant.done():  # its waiter was cancelled
                continue
            self.holders += 1
            grant.set_result(None)
