"""Resilience shared by all connectors: timeouts, retries with backoff, a circuit breaker, and the
mapping of transport/HTTP errors to the typed failures of `connectors.base`.

Usage inside a connector::

    self._guard = Resilience("fhir", ResiliencePolicy(timeout_s=settings_timeout))
    bundle = await self._guard.read("search_slots", lambda: client.get("/Slot", params=...))
    appt = await self._guard.write("book", lambda: post_bundle(...), idempotency_key=req.idempotency_key)

Rules:
- Every attempt runs under `timeout_s` (asyncio cancellation; a sync client run in a thread should
  also set its own socket timeout, since a thread cannot be cancelled).
- Reads are retried on *transient* failures (timeouts, connection errors, 408/429/5xx). Writes are
  retried only when they carry an idempotency key, because only then can the system (or the
  connector) recognise the repeat; a write without a key is tried exactly once.
- `Retry-After` (seconds or HTTP date) is honoured: the next attempt waits at least that long; if
  the server asks for longer than `max_retry_after_s`, we stop and report `Unavailable` at once,
  since a caller on the phone cannot wait that long.
- The circuit breaker counts only failures that say the system is unhealthy (`Unavailable`). A
  404/409/4xx proves the system is alive, so it counts as a success for the breaker.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import httpx
import urllib3.exceptions
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from connectors.base import Conflict, ConnectorError, NotFound, Rejected, Unavailable

T = TypeVar("T")

BreakerState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class ResiliencePolicy:
    timeout_s: float = 10.0  # per attempt
    attempts: int = 3  # total tries of a retryable call (1 = no retry)
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 4.0
    jitter_s: float = 0.2  # uniform random extra wait, so replicas don't retry in lock-step
    max_retry_after_s: float = 30.0
    breaker_threshold: int = 5  # consecutive unhealthy failures that open the circuit
    breaker_cooldown_s: float = 30.0  # open -> half-open after this long

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.attempts < 1 or self.breaker_threshold < 1:
            raise ValueError("timeout_s > 0, attempts >= 1 and breaker_threshold >= 1 are required")


# ---------------------------------------------------------------------------------------------
# Error mapping


class HttpFailure(Exception):
    """Raise this from connector code for an HTTP answer that is an error (status >= 400) when
    the client library does not raise by itself; `Resilience` maps it like any other."""

    def __init__(self, status: int, headers: Mapping[str, str] | None = None, detail: str | None = None):
        super().__init__(f"HTTP {status}" + (f": {detail}" if detail else ""))
        self.status = status
        self.headers = dict(headers or {})
        self.detail = detail


@dataclass(frozen=True)
class Failure:
    """A mapped error plus what the retry loop needs to know about it."""

    error: ConnectorError
    transient: bool  # worth retrying, and a sign the system is unhealthy
    retry_after_s: float | None = None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP date; None when absent/garbled."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    try:
        for key, value in headers.items():
            if str(key).lower() == name.lower():
                return str(value)
    except AttributeError:
        return None
    return None


def failure_for_status(status: int, headers: Any = None, detail: str | None = None) -> Failure:
    """Map an HTTP status code to a typed failure. `detail` is for logs, never for the caller."""
    text = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status in (404, 410):
        return Failure(NotFound("I couldn't find that in our records.", detail=text), False)
    if status in (409, 412):
        return Failure(Conflict("That was changed by someone else just now.", detail=text), False)
    if status in (401, 403):
        # Our credentials are wrong or expired: nothing the caller did, and no retry will help.
        return Failure(Unavailable("I can't reach our records system right now.", detail=text), False)
    if status in (408, 429) or status >= 500:
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return Failure(
            Unavailable("Our records system is not answering right now.", detail=text), True, retry_after
        )
    if status >= 400:
        return Failure(Rejected("Our records system did not accept that request.", detail=text), False)
    raise ValueError(f"status {status} is not an error")


def classify(exc: BaseException) -> Failure:
    """Map any exception raised by a connector call to a `Failure`."""
    if isinstance(exc, ConnectorError):
        # Raised deliberately by connector code: keep it; only Unavailable is worth retrying.
        return Failure(exc, isinstance(exc, Unavailable), getattr(exc, "retry_after_s", None))
    if isinstance(exc, HttpFailure):
        return failure_for_status(exc.status, exc.headers, exc.detail)
    if isinstance(exc, httpx.HTTPStatusError):
        resp = exc.response
        return failure_for_status(resp.status_code, resp.headers, resp.reason_phrase)
    status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
    if isinstance(status, int) and status >= 400:
        # Generated SDK clients (hubspot-api-client's ApiException, ...) carry status/headers.
        return failure_for_status(status, getattr(exc, "headers", None), getattr(exc, "reason", None))
    if isinstance(exc, TimeoutError | httpx.TimeoutException | urllib3.exceptions.TimeoutError):
        return Failure(Unavailable("Our records system is taking too long.", detail=repr(exc)), True)
    if isinstance(exc, httpx.TransportError | urllib3.exceptions.HTTPError | ConnectionError | OSError):
        return Failure(Unavailable("I can't reach our records system right now.", detail=repr(exc)), True)
    # A bug or an unexpected answer: not transient, and the caller should hear a plain "no".
    return Failure(Rejected("Something went wrong with that request.", detail=repr(exc)), False)


def map_exception(exc: BaseException) -> ConnectorError:
    return classify(exc).error


# ---------------------------------------------------------------------------------------------
# Circuit breaker


class CircuitBreaker:
    """Closed -> (N consecutive unhealthy failures) -> open -> (cool-down) -> half-open, where one
    trial call is let through: success closes the circuit, failure opens it again."""

    def __init__(self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic):
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def acquire(self, system: str) -> None:
        """Call before an attempt; raises `Unavailable` at once when the circuit is open."""
        state = self.state
        if state == "closed":
            return
        if state == "half_open" and not self._trial_running:
            self._trial_running = True
            return
        raise Unavailable(
            "Our records system is not answering right now.", detail=f"circuit open for {system}"
        )

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def failure(self) -> None:
        self._failures += 1
        self._trial_running = False
        if self._opened_at is not None or self._failures >= self.threshold:
            self._opened_at = self._clock()

    def release(self) -> None:
        """The attempt ended without a verdict (e.g. the caller hung up): free the trial slot."""
        self._trial_running = False


# ---------------------------------------------------------------------------------------------
# The guard connectors wrap their calls in


class _Transient(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


class Resilience:
    def __init__(
        self, system: str, policy: ResiliencePolicy | None = None, breaker: CircuitBreaker | None = None
    ) -> None:
        self.system = system
        self.policy = policy or ResiliencePolicy()
        self.breaker = breaker or CircuitBreaker(
            self.policy.breaker_threshold, self.policy.breaker_cooldown_s
        )

    async def read(self, operation: str, fn: Callable[[], Awaitable[T]]) -> T:
        return await self.call(operation, fn, retry=True)

    async def write(
        self, operation: str, fn: Callable[[], Awaitable[T]], *, idempotency_key: str | None = None
    ) -> T:
        return await self.call(operation, fn, retry=bool(idempotency_key))

    async def call(self, operation: str, fn: Callable[[], Awaitable[T]], *, retry: bool) -> T:
        policy = self.policy
        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.attempts if retry else 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(operation, fn)
        except _Transient as exc:
            raise exc.failure.error from exc.__cause__
        raise AssertionError("unreachable")  # pragma: no cover - tenacity either returns or raises

    async def _attempt(self, operation: str, fn: Callable[[], Awaitable[T]]) -> T:
        self.breaker.acquire(self.system)
        try:
            async with asyncio.timeout(self.policy.timeout_s):
                result = await fn()
        except asyncio.CancelledError:
            self.breaker.release()
            raise
        except Exception as exc:
            failure = classify(exc)
            if failure.error.detail is None:
                failure.error.detail = f"{self.system}.{operation}: {exc!r}"
            if failure.transient:
                self.breaker.failure()
                if (
                    failure.retry_after_s is not None
                    and failure.retry_after_s > self.policy.max_retry_after_s
                ):
                    # The server asks for more patience than a caller on the line has.
                    raise failure.error from (None if failure.error is exc else exc)
                raise _Transient(failure) from exc
            self.breaker.success()
            if failure.error is exc:
                raise
            raise failure.error from exc
        self.breaker.success()
        return result

    def _wait(self, state: RetryCallState) -> float:
        policy = self.policy
        backoff = min(policy.backoff_max_s, policy.backoff_initial_s * 2.0 ** (state.attempt_number - 1))
        backoff += random.uniform(0, policy.jitter_s)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.failure.retry_after_s is not None:
            return max(backoff, exc.failure.retry_after_s)
        return backoff
