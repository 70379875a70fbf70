"""Refused requests on the audit chain, rate-limited and aggregated per client address.

A forged webhook, a foreign chat origin or a replayed stream token is worth an audit event, but
one event per refused request lets anyone fill the chain (and its disk) by repeating the request.
So per client address and window (`audit_rejection_window_s`, default one minute): the first
refusal is written in full, later ones are only counted, and when the window ends one summary
event says "N rejections in 1 min" with the count per reason. Across all addresses at most
`audit_rejection_max_addresses` full events are written per window; refusals past that (many
addresses at once) go into one summary for the window too. Summaries are written by a background
task when their window ends, and at shutdown.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.events import EventKind
from gateway.logging import get_logger
from gateway.store.audit import SYSTEM_CHAIN, AuditLog, AuditWriteError

log = get_logger(__name__)

_OVERFLOW = "*"  # the summary key of refusals from addresses past the per-window cap
_MAX_REASONS = 20  # distinct reasons counted per summary; the rest count as "other"


@dataclass
class _Window:
    started: float
    written: int  # refusals of the window written in full: the first one, or none (over the cap)
    counted: Counter[str] = field(default_factory=Counter)  # refusals not written in full, by reason


class RejectionLog:
    def __init__(
        self,
        audit: AuditLog,
        window_s: float = 60.0,
        max_addresses: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._audit = audit
        self._window_s = window_s
        self._max_addresses = max_addresses
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._full_written: list[float] = []  # when full events were written, within the window
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_forever(), name="rejection-summaries")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush(everything=True)

    async def reject(self, remote: str | None, reason: str, **details: Any) -> None:
        """Record one refused request from `remote` (the client address) on the system chain."""
        now = self._clock()
        address = remote or "unknown"
        window = await self._current(address, now)
        if window is not None:
            _count(window, reason)
            return
        self._full_written = [t for t in self._full_written if now - t < self._window_s]
        if len(self._full_written) >= self._max_addresses:  # many addresses at once: count only
            overflow = await self._current(_OVERFLOW, now)
            if overflow is None:
                overflow = self._windows[_OVERFLOW] = _Window(now, written=0)
            _count(overflow, reason)
            return
        self._windows[address] = _Window(now, written=1)
        self._full_written.append(now)
        try:
            await self._audit.append(
                SYSTEM_CHAIN, EventKind.SECURITY, "system", {"reason": reason, "remote": remote, **details}
            )
        except AuditWriteError as exc:  # the request is refused all the same; not a 500 for it
            log.error("refusal not audited", reason=reason, error=str(exc)[:200])

    async def _current(self, key: str, now: float) -> _Window | None:
        """The open window of `key`; a window that has ended is summarised and dropped first."""
        window = self._windows.get(key)
        if window is None or now - window.started < self._window_s:
            return window
        del self._windows[key]
        await self._write_summary(key, window)
        return None

    async def flush(self, everything: bool = False) -> int:
        """Write the summaries of windows that ended (all of them with `everything`); returns how many."""
        now = self._clock()
        written = 0
        for address, window in list(self._windows.items()):
            if everything or now - window.started >= self._window_s:
                del self._windows[address]
                if await self._write_summary(address, window):
                    written += 1
        return written

    async def _write_summary(self, address: str, window: _Window) -> bool:
        unwritten = sum(window.counted.values())
        if unwritten == 0:
            return False
        total = window.written + unwritten
        minutes = self._window_s / 60
        span = f"{minutes:g} min" if minutes >= 1 else f"{self._window_s:g} s"
        payload: dict[str, Any] = {
            "reason": "rejections_aggregated",
            "remote": None if address == _OVERFLOW else address,
            "count": total,  # all refusals of the window, the one written in full included
            "not_written": dict(window.counted),  # by reason
            "window_s": self._window_s,
            "summary": f"{total} rejections in {span}"
            + (" from addresses past the per-window limit" if address == _OVERFLOW else ""),
        }
        try:
            await self._audit.append(SYSTEM_CHAIN, EventKind.SECURITY, "system", payload)
        except Exception:  # the store may be down; say so in the log and keep serving
            log.exception("rejection summary not stored", count=total)
            return False
        return True

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(min(10.0, max(0.5, self._window_s / 2)))
            try:
                await self.flush()
            except Exception:
                log.exception("rejection summaries failed")


def _count(window: _Window, reason: str) -> None:
    if reason not in window.counted and len(window.counted) >= _MAX_REASONS:
        reason = "other"  # reasons may quote the request: keep the summary small
    window.counted[reason] += 1
