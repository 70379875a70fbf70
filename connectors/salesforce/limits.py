"""The org's daily API allowance, as Salesforce reports it on every answer (`Sforce-Limit-Info:
api-usage=18/15000`).

The allowance is shared by every integration of the org, and running out breaks all of them for
the rest of a rolling 24 hours. So the connector keeps a reserve: once the usage it last saw leaves
less than `reserve` of the allowance, it stops calling (each call fails at once as `Unavailable`)
and lets one call through every `recheck_s` to learn whether usage dropped again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from connectors.resilience import HttpFailure

HEADER = "Sforce-Limit-Info"
_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class ApiUsage:
    used: int
    limit: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def parse_limit_info(value: str | None) -> ApiUsage | None:
    match = _API_USAGE.search(value or "")
    if not match:
        return None
    return ApiUsage(int(match.group(1)), int(match.group(2)))


class ApiAllowance:
    def __init__(
        self, reserve: float = 0.05, recheck_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not 0 <= reserve < 1:
            raise ValueError("the API reserve is a fraction of the daily allowance, 0 <= reserve < 1")
        self.reserve = reserve
        self.recheck_s = recheck_s
        self._clock = clock
        self.last: ApiUsage | None = None
        self._seen_at = 0.0

    def observe(self, header: str | None) -> None:
        usage = parse_limit_info(header)
        if usage is not None:
            self.last = usage
            self._seen_at = self._clock()

    def exhausted(self) -> bool:
        usage = self.last
        return usage is not None and usage.left <= usage.limit * self.reserve

    def check(self) -> None:
        """Before a call: raise while the reserve is reached, except for one call per `recheck_s`."""
        if not self.exhausted():
            return
        if self._clock() - self._seen_at >= self.recheck_s:
            self._seen_at = self._clock()  # this call is the re-check; the others keep waiting
            return
        usage = self.last
        assert usage is not None
        raise HttpFailure(
            403,
            None,
            f"Salesforce API allowance reserve reached ({usage.used}/{usage.limit} used, "
            f"reserve {self.reserve:.0%}); not calling",
        )
