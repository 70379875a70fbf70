"""Admission and flow limits of the chat edge: origin check, frame size, token buckets per
connection and per client IP. Idle timeout is enforced by the connection loop with the setting.

Buckets are plain arithmetic on a monotonic clock (no timers, no tasks), so a thousand
connections cost a few hundred bytes each.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """`*` allows any origin. Otherwise the Origin header must match an entry (scheme://host[:port],
    default ports ignored). Browsers always send Origin on a WebSocket upgrade, so the check stops
    other sites' pages from opening chats; a request without Origin is not from a browser (the
    terminal client, a script) and could forge any Origin anyway, so it is let through."""
    if "*" in allowed or not origin:
        return True
    want = _normalise(origin)
    return any(_normalise(entry) == want for entry in allowed)


def _normalise(origin: str) -> str:
    if origin == "null":
        return origin
    parts = urlsplit(origin.strip().lower())
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    port = parts.port if parts.port not in (None, default_port) else None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


class TokenBucket:
    """`capacity` tokens, refilled at `rate_per_s`; `take()` spends one or says how long to wait."""

    __slots__ = ("_clock", "capacity", "rate", "stamp", "tokens")

    def __init__(
        self, capacity: float, rate_per_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.rate = rate_per_s
        self.tokens = capacity
        self._clock = clock
        self.stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, cost: float = 1.0) -> float:
        """0.0 when allowed (and spent); otherwise the seconds until it would be allowed."""
        self._refill()
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate if self.rate > 0 else float("inf")

    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.capacity


class PerKeyBuckets:
    """One bucket per key (client IP), bounded: full buckets are dropped first when it grows."""

    def __init__(self, capacity: float, rate_per_s: float, max_keys: int = 50_000) -> None:
        self.capacity = capacity
        self.rate = rate_per_s
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, cost: float = 1.0) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict()
            bucket = self._buckets[key] = TokenBucket(self.capacity, self.rate)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(cost)

    def _evict(self) -> None:
        # Oldest-used first; a full bucket carries no state worth keeping.
        for key in list(self._buckets)[: max(1, self.max_keys // 10)]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
