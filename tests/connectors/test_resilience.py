"""Resilience against real failing local HTTP servers, real timeouts and a real refused port."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import urllib3

from connectors.base import Conflict, NotFound, Rejected, Unavailable
from connectors.resilience import (
    CircuitBreaker,
    HttpFailure,
    Resilience,
    ResiliencePolicy,
    map_exception,
    parse_retry_after,
)
from tests.fakes.scripted_http import Reply, ScriptedHttpServer

FAST = ResiliencePolicy(
    timeout_s=2.0,
    attempts=3,
    backoff_initial_s=0.01,
    backoff_max_s=0.05,
    jitter_s=0.01,
    breaker_threshold=100,
)


@pytest.fixture
async def server():
    async with ScriptedHttpServer() as srv:
        yield srv


@pytest.fixture
async def client():
    async with httpx.AsyncClient() as c:
        yield c


def get_json(client: httpx.AsyncClient, url: str):
    async def go():
        resp = await client.get(url)
        resp.raise_for_status()
        return resp.json()

    return go


def post_json(client: httpx.AsyncClient, url: str, body: dict):
    async def go():
        resp = await client.post(url, json=body)
        if resp.status_code >= 400:
            raise HttpFailure(resp.status_code, resp.headers, resp.text)
        return resp.json()

    return go


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for(predicate, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_read_retries_transient_errors_then_succeeds(server, client):
    server.script(Reply(503), Reply(502), Reply(200, {"ok": 1}))
    guard = Resilience("t", FAST)
    assert await guard.read("get", get_json(client, server.url + "/x")) == {"ok": 1}
    assert len(server.received) == 3
    assert guard.breaker.consecutive_failures == 0


async def test_read_gives_up_after_attempts_with_unavailable(server, client):
    server.script(Reply(500))
    with pytest.raises(Unavailable) as info:
        await Resilience("t", FAST).read("get", get_json(client, server.url))
    assert len(server.received) == FAST.attempts
    assert "500" in (info.value.detail or "")


@pytest.mark.parametrize(
    ("status", "failure"),
    [(404, NotFound), (410, NotFound), (409, Conflict), (412, Conflict), (400, Rejected), (422, Rejected)],
)
async def test_client_errors_map_to_typed_failures_without_retry(server, client, status, failure):
    server.script(Reply(status, {"message": "nope"}))
    guard = Resilience("t", FAST)
    with pytest.raises(failure):
        await guard.read("get", get_json(client, server.url))
    assert len(server.received) == 1
    assert guard.breaker.state == "closed" and guard.breaker.consecutive_failures == 0


async def test_auth_failure_is_unavailable_and_not_retried(server, client):
    server.script(Reply(401, {"message": "bad token"}))
    with pytest.raises(Unavailable):
        await Resilience("t", FAST).read("get", get_json(client, server.url))
    assert len(server.received) == 1


async def test_write_without_idempotency_key_is_tried_once(server, client):
    server.script(Reply(503), Reply(200, {"id": "1"}))
    with pytest.raises(Unavailable):
        await Resilience("t", FAST).write("create", post_json(client, server.url, {"a": 1}))
    assert len(server.received) == 1


async def test_write_with_idempotency_key_is_retried(server, client):
    server.script(Reply(503), Reply(200, {"id": "1"}))
    result = await Resilience("t", FAST).write(
        "create", post_json(client, server.url, {"a": 1}), idempotency_key="key-12345678"
    )
    assert result == {"id": "1"}
    assert len(server.received) == 2
    assert server.received[0].body == server.received[1].body


async def test_retry_after_is_honoured(server, client):
    server.script(Reply(429, headers={"Retry-After": "1"}), Reply(200, {"ok": True}))
    started = time.monotonic()
    assert await Resilience("t", FAST).read("get", get_json(client, server.url)) == {"ok": True}
    assert time.monotonic() - started >= 1.0
    assert len(server.received) == 2


async def test_retry_after_longer_than_allowed_fails_at_once(server, client):
    server.script(Reply(429, headers={"Retry-After": "120"}), Reply(200))
    started = time.monotonic()
    with pytest.raises(Unavailable) as info:
        await Resilience("t", FAST).read("get", get_json(client, server.url))
    assert time.monotonic() - started < 5
    assert len(server.received) == 1
    assert "429" in (info.value.detail or "")


async def test_timeout_of_each_attempt(server, client):
    server.script(Reply(hang=True))
    policy = ResiliencePolicy(timeout_s=0.2, attempts=2, backoff_initial_s=0.01, jitter_s=0.0)
    started = time.monotonic()
    with pytest.raises(Unavailable) as info:
        await Resilience("t", policy).read("get", get_json(client, server.url))
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 3.0
    assert len(server.received) == 2
    assert "Timeout" in (info.value.detail or "")


async def test_timeout_mid_write_without_key_is_not_repeated(server, client):
    server.script(Reply(hang=True), Reply(200, {"id": "dup"}))
    policy = ResiliencePolicy(timeout_s=0.2, attempts=3, backoff_initial_s=0.01)
    with pytest.raises(Unavailable):
        await Resilience("t", policy).write("create", post_json(client, server.url, {"a": 1}))
    assert len(server.received) == 1


async def test_refused_connection_is_unavailable(client):
    url = f"http://127.0.0.1:{free_port()}/"
    guard = Resilience("t", FAST)
    with pytest.raises(Unavailable):
        await guard.read("get", get_json(client, url))
    assert guard.breaker.consecutive_failures == FAST.attempts


async def test_urllib3_connection_error_maps_to_unavailable():
    # hubspot-api-client speaks urllib3 in a thread; its errors must map the same way.
    pool = urllib3.PoolManager(retries=False, timeout=1.0)
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(Unavailable):
        await Resilience("t", FAST).read("get", lambda: asyncio.to_thread(pool.request, "GET", url))


async def test_circuit_opens_fails_fast_and_recovers_through_half_open(server, client):
    server.script(Reply(503))
    policy = ResiliencePolicy(
        timeout_s=1.0, attempts=1, backoff_initial_s=0.01, breaker_threshold=2, breaker_cooldown_s=0.3
    )
    guard = Resilience("t", policy)
    for _ in range(2):
        with pytest.raises(Unavailable):
            await guard.read("get", get_json(client, server.url))
    assert guard.breaker.state == "open"
    reached = len(server.received)
    with pytest.raises(Unavailable) as info:
        await guard.read("get", get_json(client, server.url))
    assert "circuit open" in (info.value.detail or "")
    assert len(server.received) == reached  # failed fast: nothing reached the server

    await wait_for(lambda: guard.breaker.state == "half_open")
    # A failed trial call opens the circuit again.
    with pytest.raises(Unavailable):
        await guard.read("get", get_json(client, server.url))
    assert guard.breaker.state == "open"
    assert len(server.received) == reached + 1

    await wait_for(lambda: guard.breaker.state == "half_open")
    server.script(Reply(200, {"back": True}))
    assert await guard.read("get", get_json(client, server.url)) == {"back": True}
    assert guard.breaker.state == "closed"


async def test_half_open_lets_only_one_trial_through(server, client):
    breaker = CircuitBreaker(threshold=1, cooldown_s=0.0)
    breaker.failure()
    assert breaker.state == "half_open"
    breaker.acquire("t")
    with pytest.raises(Unavailable):
        breaker.acquire("t")
    breaker.success()
    assert breaker.state == "closed"


async def test_breaker_opens_during_retries_and_stops_them(server, client):
    server.script(Reply(503))
    policy = ResiliencePolicy(
        timeout_s=1.0, attempts=5, backoff_initial_s=0.01, breaker_threshold=2, breaker_cooldown_s=60
    )
    with pytest.raises(Unavailable):
        await Resilience("t", policy).read("get", get_json(client, server.url))
    assert len(server.received) == 2


def test_parse_retry_after_forms():
    now = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_unexpected_exception_maps_to_rejected_with_detail():
    err = map_exception(KeyError("entry"))
    assert isinstance(err, Rejected)
    assert "KeyError" in (err.detail or "")


def test_policy_rejects_nonsense():
    with pytest.raises(ValueError):
        ResiliencePolicy(timeout_s=0)
    with pytest.raises(ValueError):
        ResiliencePolicy(attempts=0)
