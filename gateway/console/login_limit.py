"""Login attempts per client address: a token bucket (`FRONTDESK_CONSOLE_LOGIN_RATE_BURST`
attempts at once, then `FRONTDESK_CONSOLE_LOGIN_RATE_PER_S` a second).

An attempt over the limit is answered at once with 429 and `Retry-After`, before the password is
checked: it costs no argon2 time and holds no connection open (a delayed answer would tie up the
server for every guess). The per-account lockout (5 wrong passwords) still applies underneath; this
limit stops one address from guessing across many accounts or locking them all out. The address is
the client's as uvicorn sees it, so behind a reverse proxy set `FORWARDED_ALLOW_IPS` to the proxy's
address (`frontdesk serve` trusts X-Forwarded-For from there) or every visitor shares one bucket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gateway.cluster.limits import KeyedLimit


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0
    first_refusal: bool = False  # the first refusal since this address was last allowed: audit it


class LoginLimit:
    def __init__(self, buckets: KeyedLimit) -> None:
        """`buckets`: this process's, or shared by the replicas (`gateway.cluster.limits`)."""
        self._buckets = buckets
        self._refused: set[str] = set()  # addresses refused since their last allowed attempt

    async def check(self, address: str) -> Verdict:
        wait = await self._buckets.take(address)
        if wait == 0.0:
            self._refused.discard(address)
            return Verdict(True)
        first = address not in self._refused
        if first and len(self._refused) < 50_000:
            self._refused.add(address)
        return Verdict(False, max(1, math.ceil(wait)), first)
