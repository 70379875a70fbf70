"""What `/readyz` says about the things outside this process (docs/drain.md "Readiness").

Each remote dependency has a `Probe`: one cheap request, bounded in time, whose answer is kept for
a few seconds so that a storm of readiness checks (every replica's kubelet, a load balancer, an
operator's curl loop) reaches the EMR at most once per `ttl_s`. `/readyz` never waits for a probe
longer than `wait_s`: a dependency that does not answer is reported as such (from the last answer,
or "no answer yet") while the probe finishes in the background.

What counts against readiness (docs/drain.md explains why):
- the model server: never; unset it is "offline agent", unreachable "degraded: ..." (the offline
  agent answers instead, so the replica still serves);
- the connector (EMR / CRM): never; "degraded: ..." when it does not answer. Every replica shares
  it, so taking them all out of the load balancer would turn a records outage into no service at
  all: callers can still be answered and handed to staff;
- Redis, when configured: yes. A replica that cannot reach it cannot deliver the chat events other
  replicas publish nor share the rate limits: the others, which still can, should take the work;
- voice: "not configured: ..." without a Twilio auth token (every webhook would be refused); chat is
  unaffected, so it does not count either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx

from gateway.logging import get_logger
from gateway.settings import Settings

log = get_logger(__name__)

PROBE_TIMEOUT_S = 3.0  # one probe's request, connect included
PROBE_TTL_S = 5.0  # an answer is reused this long
READYZ_WAIT_S = 1.0  # /readyz waits at most this long for a probe (kubelet's default timeout is 1 s)
OK = "ok"

Check = Callable[[], Awaitable[None]]  # returns when the dependency is fine, raises why not


class Probe:
    """One dependency's check: bounded, cached for `ttl_s`, one request at a time."""

    def __init__(
        self, check: Check, *, timeout_s: float = PROBE_TIMEOUT_S, ttl_s: float = PROBE_TTL_S
    ) -> None:
        self._check = check
        self.timeout_s = timeout_s
        self.ttl_s = ttl_s
        self._answer: str | None = None
        self._answered_at = 0.0
        self._running: asyncio.Task[str] | None = None

    async def status(self, wait_s: float = READYZ_WAIT_S) -> str:
        """ "ok" or why not: the cached answer, a fresh one, or (slow) the last / "no answer yet"."""
        if self._answer is not None and time.monotonic() - self._answered_at < self.ttl_s:
            return self._answer
        task = self._running
        if task is None:
            task = self._running = asyncio.create_task(self._run(), name="readiness-probe")
        done, _ = await asyncio.wait({task}, timeout=wait_s)
        if done:
            return task.result()
        if self._answer is not None:
            return self._answer
        return f"no answer within {wait_s:g} s yet"

    async def _run(self) -> str:
        try:
            await asyncio.wait_for(self._check(), self.timeout_s)
            answer = OK
        except TimeoutError:
            answer = f"no answer within {self.timeout_s:g} s"
        except Exception as exc:
            answer = describe(exc)
        self._answer, self._answered_at = answer, time.monotonic()
        self._running = None
        return answer

    async def close(self) -> None:
        if self._running is not None:
            self._running.cancel()
            await asyncio.gather(self._running, return_exceptions=True)


def describe(exc: BaseException) -> str:
    """A short, credential-free reason: the exception's type and the start of its message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


class HttpRefused(Exception):
    """The server answered, but not as a working one (5xx, or it refused our credentials)."""


async def _get(url: str, headers: dict[str, str], timeout_s: float) -> None:
    """GET `url`; fine on any answer a working server gives (2xx-4xx but 401/403), else raises."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout_s)) as http:
        response = await http.get(url, headers=headers)
    if response.status_code in (401, 403) and "Authorization" in headers:
        raise HttpRefused(f"refused the credentials (HTTP {response.status_code})")
    if response.status_code >= 500:
        raise HttpRefused(f"HTTP {response.status_code}")


class DependencyChecks:
    """The probes for the dependencies this configuration has."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        s = settings
        self.model: Probe | None = None
        if s.llm_base_url:
            key = s.llm_api_key.get_secret_value() if s.llm_api_key else None
            self.model = Probe(self._http(s.llm_base_url.rstrip("/") + "/models", key))
        self.connector: Probe | None = None
        if s.connector == "fhir" and s.fhir_base_url:
            # The CapabilityStatement: every FHIR server serves it, mostly without authentication.
            self.connector = Probe(self._http(s.fhir_base_url.rstrip("/") + "/metadata", None))
        elif s.connector == "hubspot" and s.hubspot_access_token:
            # A property's definition: proves the token and the API, reads no contact's data.
            token = s.hubspot_access_token.get_secret_value()
            url = s.hubspot_base_url.rstrip("/") + "/crm/v3/properties/contacts/phone"
            self.connector = Probe(self._http(url, token))
        elif s.connector == "salesforce":
            # The API versions list: answers without credentials and reads no data (the instance,
            # or before the first session the login server).
            base = s.salesforce_instance_url or s.salesforce_login_url
            self.connector = Probe(self._http(base.rstrip("/") + "/services/data/", None))
        self.redis: Probe | None = None
        redis_url = _redis_url(s)
        if redis_url:
            self.redis = Probe(self._redis(redis_url))

    def _http(self, url: str, bearer: str | None) -> Check:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}

        async def check() -> None:
            await _get(url, headers, PROBE_TIMEOUT_S)

        return check

    def _redis(self, url: str) -> Check:
        async def check() -> None:
            import redis.asyncio as redis

            client = redis.Redis.from_url(
                url, socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S
            )
            try:
                await cast(Awaitable[bool], client.ping())  # redis's typing: sync or async
            finally:
                await client.aclose()

        return check

    async def report(self) -> dict[str, Any]:
        """The dependencies' lines of /readyz, and whether one of them makes the replica unready."""
        model, connector, redis = await asyncio.gather(
            _status(self.model), _status(self.connector), _status(self.redis)
        )
        out: dict[str, Any] = {
            "model": "offline agent" if model is None else _degraded(model),
            "connector": f"{self.settings.connector}: {'ok' if connector is None else _degraded(connector)}",
            "voice": voice_configuration(self.settings),
        }
        if redis is not None:
            out["redis"] = redis
        out["dependencies_ready"] = redis in (None, OK)
        return out

    async def close(self) -> None:
        for probe in (self.model, self.connector, self.redis):
            if probe is not None:
                await probe.close()


async def _status(probe: Probe | None) -> str | None:
    return None if probe is None else await probe.status()


def _degraded(status: str) -> str:
    return OK if status == OK else f"degraded: {status}"


def _redis_url(settings: Settings) -> str | None:
    value = getattr(settings, "redis_url", None)  # FRONTDESK_REDIS_URL (several replicas)
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return text or None


def voice_configuration(settings: Settings) -> str:
    if settings.twilio_auth_token is None:
        return "not configured: FRONTDESK_TWILIO_AUTH_TOKEN is not set"
    return OK


def log_configuration(settings: Settings) -> None:
    """At start, what /readyz will say about the configuration, said once in the log."""
    voice = voice_configuration(settings)
    if voice != OK:
        log.warning("voice " + voice + ": every Twilio webhook will be refused; chat is unaffected")
    if settings.llm_base_url:
        log.info("agent: model server configured; the offline agent answers when it is unreachable")
    else:
        log.info("agent: offline agent (no FRONTDESK_LLM_BASE_URL)")
