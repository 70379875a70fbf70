"""Failed identity checks counted across conversations: per patient, per calling number and per
client address, so guessing a date of birth over many short chats or calls meets the same limits
as guessing it in one.

The agent only sees the `IdentityAttempts` protocol; the gateway keeps the counts in its database
(shared by replicas, kept across restarts). `AttemptPolicy` turns one key's count into what the
agent may do: check now, wait (backoff: each failure past a threshold doubles the wait), or not
check at all (lockout: a person must verify the caller).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

# "patient": whom the caller claims to be (the name given, or a person on file for the calling
# number); "caller_number": the caller ID (spoofable, so one key among others); "client_address":
# the chat visitor's IP address.
KeyKind = Literal["patient", "caller_number", "client_address"]


@dataclass(frozen=True)
class AttemptKey:
    kind: KeyKind
    value: str  # as the agent knows it; the gateway stores only a keyed hash of it


@dataclass(frozen=True)
class Standing:
    """Where a set of keys stands: the worst of them."""

    failures: int = 0  # the most failures of any key within the window
    retry_after_s: float = 0.0  # > 0: backoff, no check before this many seconds
    locked: bool = False  # no check at all: a person verifies this caller

    def worst(self, other: Standing) -> Standing:
        return Standing(
            failures=max(self.failures, other.failures),
            retry_after_s=max(self.retry_after_s, other.retry_after_s),
            locked=self.locked or other.locked,
        )


OPEN = Standing()


@dataclass(frozen=True)
class AttemptPolicy:
    """Counts reset after `window_s` without a failure of that key; a lockout lasts as long."""

    window_s: float = 24 * 3600
    backoff_after: int = 5  # failures of one key before checks are spaced out
    backoff_base_s: float = 30.0  # wait after the `backoff_after`-th failure, doubling after each
    backoff_max_s: float = 900.0
    lockout_after: int = 10  # failures of one key that stop checks until a person steps in

    def standing(self, failures: int, last_failure: datetime | None, now: datetime) -> Standing:
        if last_failure is None or failures <= 0 or now - last_failure > timedelta(seconds=self.window_s):
            return OPEN
        if failures >= self.lockout_after:
            return Standing(failures=failures, locked=True)
        if failures < self.backoff_after:
            return Standing(failures=failures)
        wait = min(self.backoff_max_s, self.backoff_base_s * 2 ** (failures - self.backoff_after))
        left = wait - (now - last_failure).total_seconds()
        return Standing(failures=failures, retry_after_s=max(0.0, left))


@dataclass(frozen=True)
class Check:
    """The answer to "may this check run?". Allowed: it has been counted as a failure already
    (so parallel conversations cannot all slip under a limit), `standing` is what the keys stand
    at if it fails. Refused: nothing was counted, `standing` says why (locked, or the wait)."""

    allowed: bool
    standing: Standing
    kinds: list[str]  # the kinds of key counted (for the audit: never their values)


class IdentityAttempts(Protocol):
    async def try_check(self, keys: Sequence[AttemptKey], conversation_id: str) -> Check:
        """Count a check about to run against every key, atomically, unless the keys' standing
        forbids it now."""
        ...

    async def check_passed(self, keys: Sequence[AttemptKey]) -> None:
        """The check counted by `try_check` passed, or could not run: take the count back."""
        ...
