"""As many model runs at once as there are cores, the most urgent first.

Whisper and Piper each have their own workers, and with both busy there are more model runs than
cores. The operating system then shares the cores between all of them, so every run slows down
together: four 200 ms runs on two cores all finish after about 400 ms. Callers wait on these runs
(a transcript before a reply can be planned, a reply's first sentence before it can be heard),
and for waiting callers it is better that two runs finish after 200 ms and two after 400 ms.
`CpuGate` admits at most `slots` runs at a time and, when a slot frees, admits the waiting run
with the lowest rank: a reply's first sentence (its turn has already waited for its transcript)
before a transcript, a final transcript before a speculative one, first come first served within
a rank. Work with slack (later sentences, which run at a lower OS priority) does not pass the gate.

Runs are not pre-empted, so with every slot taken by transcripts a first sentence would wait for a
whole Whisper run (300-500 ms under load) before its own ~200 ms. A first sentence is short and a
caller is already waiting on it, so it gets one slot beyond `slots`: it shares the cores with the
runs in progress for a moment instead of queueing behind them.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Ranks (lower is admitted first).
FIRST_SENTENCE = 0
FINAL_TRANSCRIPT = 1
SPECULATIVE_TRANSCRIPT = 2


class CpuGate:
    def __init__(self, slots: int | None = None) -> None:
        self.slots = slots or os.cpu_count() or 1
        if self.slots < 1:
            raise ValueError("slots must be at least 1")
        self._cond = threading.Condition()
        self._waiting: list[tuple[int, int]] = []  # (rank, arrival) heap
        self._arrivals = itertools.count()
        self.running = 0

    @contextmanager
    def hold(self, rank: int) -> Iterator[None]:
        """Run the body once a slot is free and no more urgent run is waiting for one."""
        ticket = (rank, next(self._arrivals))
        with self._cond:
            heapq.heappush(self._waiting, ticket)
            limit = self.slots + (1 if rank <= FIRST_SENTENCE else 0)
            while self.running >= limit or self._waiting[0] != ticket:
                self._cond.wait()
            heapq.heappop(self._waiting)
            self.running += 1
            if self.running < self.slots and self._waiting:
                self._cond.notify_all()  # another slot is still free for the next in line
        try:
            yield
        finally:
            with self._cond:
                self.running -= 1
                self._cond.notify_all()

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)
