"""Redis goes down under two replicas and comes back: each replica keeps serving its own chats,
what was stored meanwhile reaches the other replica's connections once Redis is back, nothing is
lost or delivered twice. A Redis server of the test's own (redis-server on a free port), so it
can be stopped and started."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.chat.hub import Subscriber
from gateway.chat.service import chat_service
from gateway.services import Services
from tests.gateway.cluster.conftest import free_port, start_replicas

pytestmark = pytest.mark.timeout(120)


class RedisServer:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"),
            *("--dir", str(self.dir)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    await client.ping()
                    return
                except (redis.ConnectionError, OSError):
                    await asyncio.sleep(0.05)  # polling for the server to listen, with a bound
            raise TimeoutError("redis-server did not start")
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            await self.process.wait()
            self.process = None


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    await server.stop()


@pytest.fixture
async def pair(
    migrated_db_url: str, tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[Services, Services]]:
    await redis_server.start()
    started = await start_replicas(migrated_db_url, tmp_path, redis_server.url)
    try:
        yield started[0], started[1]
    finally:
        for services in started:
            await services.stop()


async def _take(subscriber: Subscriber, count: int) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(await asyncio.wait_for(subscriber.queue.get(), 20)) for _ in range(count)]


async def test_delivery_resumes_after_redis_returns(
    pair: tuple[Services, Services], redis_server: RedisServer
) -> None:
    a, b = pair
    hub_a, hub_b = chat_service(a).hub, chat_service(b).hub
    cid = await hub_a.open_conversation()
    await hub_a.idle()
    visitor = hub_a.new_subscriber()
    await hub_a.attach(cid, 0, visitor)
    # Staff on B take the chat while Redis is up: A hears of it (the bot stays quiet from now on).
    joined = await hub_b.post_staff_message(cid, "sam@clinic.example", "Hi, Maria here.")
    while json.loads(await asyncio.wait_for(visitor.queue.get(), 20))["seq"] < joined:
        pass
    assert visitor.queue.empty()

    await redis_server.stop()
    # Each replica keeps working on its own: the visitor writes on A, staff write on B.
    await hub_a.visitor_message(cid, "Is my refill ready?", client_id="c-1")
    await hub_a.idle()
    echo = await _take(visitor, 1)
    assert echo[0]["type"] == "visitor.message" and echo[0]["seq"] == joined + 1
    missed = await hub_b.post_staff_message(cid, "sam@clinic.example", "Let me check the pharmacy queue.")
    assert missed == joined + 2  # the database gave B the next seq, Redis or not
    assert visitor.queue.empty()  # but the announcement could not reach A

    await redis_server.start()  # the same port: A's bus reconnects and reads what it missed
    caught_up = await _take(visitor, 1)
    assert caught_up[0]["seq"] == missed and caught_up[0]["text"] == "Let me check the pharmacy queue."
    # Live delivery across replicas works again, and nothing arrives twice.
    assert b.bus is not None and await b.bus.subscribed(timeout_s=30)
    again = await hub_b.post_staff_message(cid, "sam@clinic.example", "It is ready for pickup.")
    live = await _take(visitor, 1)
    assert live[0]["seq"] == again == missed + 1
    assert visitor.queue.empty()
