"""The audit spool over a real gateway and a PostgreSQL of the test's own ([5/7] item 2).

Audit events written while the database is down go to the spool on disk; the gateway killed with
SIGKILL during the outage and started again once the database is back puts them into the chain,
in order and once, and `frontdesk audit verify` passes. A spool that fills up refuses new calls
politely and says so in /readyz and the metrics; once the database is back it empties and calls
are taken again.

The events are refusals (forged Twilio webhooks, each from another client address through a
trusted proxy, so each is written in full): they reach the audit log without any other write
first, while a chat or call turn would wait on its own rows (the ride-through) before its events.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gateway.store.audit import SPOOL_KEY, SYSTEM_CHAIN
from gateway.store.db import Database
from gateway.store.models import AuditEventRow
from gateway.twilio.signatures import sign
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.cluster.conftest import FRONTDESK, Cluster
from tests.gateway.faults.conftest import OwnPostgres
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

METRICS_TOKEN = "spool-test-metrics-" + uuid.uuid4().hex


async def _forged_webhooks(base_url: str, addresses: range) -> None:
    """Unsigned calls to the voice webhook, one per client address: each refused and audited."""
    async with httpx.AsyncClient(timeout=30) as client:
        for n in addresses:
            answer = await client.post(
                f"{base_url}/twilio/voice",
                data={"CallSid": f"CAforged{n}"},
                headers={"X-Forwarded-For": f"10.9.0.{n}"},
            )
            assert answer.status_code == 403, answer.text


async def _until(condition: Callable[[], bool], within_s: float = 30.0) -> None:
    for _ in range(int(within_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not met")


def _spooled_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_bytes().splitlines()]


async def test_events_spooled_during_an_outage_survive_a_kill(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    secret = "spool-test-secret-" + uuid.uuid4().hex
    settings = make_settings(tmp_path, database_url=own_postgres.url, session_secret=secret)
    await prepare_database(settings)
    env = {
        "FRONTDESK_DATABASE_URL": own_postgres.url,
        "FRONTDESK_SESSION_SECRET": secret,
        "FRONTDESK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "FRONTDESK_PRELOAD_MODELS": "false",
        "FRONTDESK_TRUSTED_PROXIES": "127.0.0.1",
    }
    cluster = Cluster(settings, env, tmp_path)
    spool = tmp_path / "gateway" / "audit-spool.jsonl"
    try:
        first = cluster.start("gateway")
        await own_postgres.stop()
        await _forged_webhooks(first.url, range(1, 4))  # answered: each event is on disk
        keys = await asyncio.to_thread(_spooled_keys, spool)
        assert len(keys) == 3
        first.kill()
        await own_postgres.start()

        second = cluster.start("gateway")  # the same data directory: the spool is replayed at start
        assert await asyncio.to_thread(_spooled_keys, spool) == []
        db = Database(own_postgres.url)
        try:
            async with db.session() as s:
                rows = (
                    await s.execute(
                        select(AuditEventRow.seq, AuditEventRow.payload)
                        .where(AuditEventRow.conversation_id == SYSTEM_CHAIN)
                        .order_by(AuditEventRow.seq)
                    )
                ).all()
        finally:
            await db.close()
        replayed = [payload.get(SPOOL_KEY) for _, payload in rows if payload.get(SPOOL_KEY)]
        assert replayed == keys  # each once, in the order they were written
        assert [payload["remote"] for _, payload in rows if payload.get(SPOOL_KEY)] == [
            "10.9.0.1",
            "10.9.0.2",
            "10.9.0.3",
        ]
        verified = await asyncio.create_subprocess_exec(
            FRONTDESK, "audit", "verify", env={**os.environ, **env}, stdout=PIPE, stderr=STDOUT
        )
        out, _ = await verified.communicate()
        assert verified.returncode == 0, out.decode()
        assert "audit spool replayed into the chains" in second.log()
    finally:
        cluster.stop_all()


def _incoming_call(base_url: str) -> httpx.Response:
    url = f"{base_url}/twilio/voice"
    params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+15035550123", "To": "+15035550100"}
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)})


def _metric(base_url: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith(name + " ")))


async def test_a_full_spool_refuses_new_calls_and_says_so(own_postgres: OwnPostgres, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        database_url=own_postgres.url,
        database_ride_through_s=0.5,
        audit_spool_max_bytes=1000,  # three or four refusals
        trusted_proxies=["127.0.0.1"],
        metrics_token=METRICS_TOKEN,
    )
    await prepare_database(settings)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    try:
        await own_postgres.stop()
        await _forged_webhooks(server.url, range(1, 10))  # the last ones find the spool full
        ready = await asyncio.to_thread(httpx.get, f"{server.url}/readyz")
        assert ready.status_code == 503
        assert "full" in ready.json()["audit_spool"] and "new calls refused" in ready.json()["audit_spool"]
        assert await asyncio.to_thread(_metric, server.url, "frontdesk_audit_spool_full") == 1
        spooled = await asyncio.to_thread(_metric, server.url, "frontdesk_audit_spool_events")
        assert 1 <= spooled < 9
        answer = await asyncio.to_thread(_incoming_call, server.url)
        assert answer.status_code == 200 and "call us back" in answer.text and "<Stream" not in answer.text

        await own_postgres.start()
        # The spool empties into the chain (retried by the writer), and calls are taken again.
        await _until(lambda: httpx.get(f"{server.url}/readyz").status_code == 200, within_s=60)
        assert await asyncio.to_thread(_metric, server.url, "frontdesk_audit_spool_events") == 0
        assert await asyncio.to_thread(_metric, server.url, "frontdesk_audit_spool_full") == 0
        answer = await asyncio.to_thread(_incoming_call, server.url)
        assert "<Stream" in answer.text, answer.text
    finally:
        with suppress(RuntimeError):  # started again above unless the test failed before
            await own_postgres.start()
        await asyncio.to_thread(server.stop)
