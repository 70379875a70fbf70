"""Calls of a gateway process that died are ended on the books by whoever notices: the restarted
process (one replica) or another replica (heartbeats in Redis), exactly once, on the audit chain."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.chat.service import ChatService
from gateway.cluster.bus import RedisBus
from gateway.cluster.replicas import INTERRUPTED, ReplicaRegistry
from gateway.services import Services
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import ConversationRow
from tests.conftest import make_settings, prepare_database
from tests.gateway.cluster.conftest import REDIS_URL, redis_available

pytestmark = pytest.mark.timeout(120)


async def _open_call(services: Services, channel: str = "voice") -> str:
    conversation = await services.conversations.open(channel, caller_phone="+15035550142")  # type: ignore[arg-type]
    return conversation.id


async def _status(db: Database, cid: str) -> str:
    async with db.session() as s:
        row = await s.get(ConversationRow, cid)
    assert row is not None
    return row.status


async def _end_events(audit: AuditLog, cid: str) -> list[dict]:  # type: ignore[type-arg]
    return [e.payload for e in await audit.events(cid) if e.kind == "conversation.ended"]


@pytest.fixture
async def settings_on(migrated_db_url: str, tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path, database_url=migrated_db_url, replica_id="first-process")
    await prepare_database(settings)
    return settings


async def test_restarted_gateway_ends_the_calls_the_dead_one_left(settings_on: Settings) -> None:
    first = await Services.start(settings_on)
    call = await _open_call(first)
    chat = await _open_call(first, "chat")
    await first.audit.flush()
    # The first process dies without stopping (nothing of `stop()` runs): a new one starts.
    restarted_settings = settings_on.model_copy(update={"replica_id": "second-process"})
    tool = await Services.start(restarted_settings)  # a CLI tool opening the core: ends nothing
    try:
        assert await _status(tool.db, call) == "active"
    finally:
        await tool.stop()
    gateway = await Services.start(restarted_settings, edges=(ChatService.start,))
    try:
        assert await _status(gateway.db, call) == "closed"
        assert await _status(gateway.db, chat) == "active"  # a chat resumes on any replica
        ended = await _end_events(gateway.audit, call)
        assert ended == [{"reason": INTERRUPTED, "replica": "first-process", "noticed_by": "second-process"}]
        assert (await gateway.audit.verify()).ok
    finally:
        await gateway.stop()
        await first.stop()


@pytest.fixture
async def registries(settings_on: Settings) -> AsyncIterator[tuple[Services, list[ReplicaRegistry]]]:
    if not redis_available():
        pytest.fail("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"fdtest-{uuid.uuid4().hex[:8]}:"
    services = await Services.start(settings_on)
    made: list[tuple[RedisBus, ReplicaRegistry]] = []
    for name in ("holder", "watcher-1", "watcher-2"):
        bus = RedisBus(REDIS_URL, prefix, name)
        made.append((bus, ReplicaRegistry(bus, services.db, services.audit, name, heartbeat_s=1.0)))
    try:
        yield services, [registry for _, registry in made]
    finally:
        for bus, registry in made:
            await registry.stop()
            await bus.close()
        await services.stop()


async def test_other_replicas_end_a_dead_replicas_calls_once(
    registries: tuple[Services, list[ReplicaRegistry]],
) -> None:
    services, (holder, watcher1, watcher2) = registries
    call = await _open_call(services)
    await services.conversations.hold(call)  # opened by "first-process"; the stream is here
    async with services.db.session() as s, s.begin():
        row = await s.get(ConversationRow, call)
        assert row is not None
        row.replica_id = holder.replica_id
    await holder.beat()
    # The holder is alive: nobody ends its call.
    assert await watcher1.sweep() == [] and await watcher2.sweep() == []
    assert await _status(services.db, call) == "active"
    # The holder dies (its key is gone, as when it expires): both watchers notice at once.
    await holder.stop()
    ended = await asyncio.gather(watcher1.sweep(), watcher2.sweep())
    assert sorted(ended, key=len) == [[], [call]]
    assert await _status(services.db, call) == "closed"
    events = await _end_events(services.audit, call)
    assert len(events) == 1 and events[0]["replica"] == "holder"
    assert (await services.audit.verify()).ok


async def test_a_heartbeat_expires_on_its_own(registries: tuple[Services, list[ReplicaRegistry]]) -> None:
    _, (holder, watcher, _) = registries
    await holder.beat()
    assert await watcher.alive({"holder"}) == {"holder"}
    ttl = await holder._bus.client.ttl(holder._bus.key("replica", "holder"))
    assert 0 < ttl <= holder.ttl_s
