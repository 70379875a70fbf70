"""Two replicas' chat hubs in one process (each its own services, database pool and Redis bus) on
one database: seqs are taken by the database, events reach the other replica's connections in
order, and a lost announcement is made good from the outbox."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.chat.hub import ChatHub, Subscriber
from gateway.chat.outbox import Outbox
from gateway.chat.protocol import StaffMessage
from gateway.chat.service import chat_service
from gateway.services import Services
from tests.gateway.cluster.conftest import REDIS_URL, redis_available, start_replicas

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def pair(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[tuple[Services, Services]]:
    if not redis_available():
        pytest.fail("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"fdtest-{uuid.uuid4().hex[:8]}:"
    started = await start_replicas(migrated_db_url, tmp_path, REDIS_URL, prefix)
    try:
        yield started[0], started[1]
    finally:
        for services in started:
            await services.stop()


def _frames(subscriber: Subscriber) -> list[dict]:  # type: ignore[type-arg]
    frames = []
    while not subscriber.queue.empty():
        frames.append(json.loads(subscriber.queue.get_nowait()))
    return frames


async def _until(subscriber: Subscriber, count: int, seen: list[dict]) -> None:  # type: ignore[type-arg]
    while len(seen) < count:
        seen.append(json.loads(await asyncio.wait_for(subscriber.queue.get(), 10)))


def _hub(services: Services) -> ChatHub:
    return chat_service(services).hub


async def test_messages_from_both_replicas_arrive_once_and_in_order(pair: tuple[Services, Services]) -> None:
    a, b = pair
    hub_a, hub_b = _hub(a), _hub(b)
    cid = await hub_a.open_conversation()
    await hub_a.idle()  # the greeting is stored
    on_a = hub_a.new_subscriber()
    await hub_a.attach(cid, 0, on_a)
    on_b = await hub_b.observe(cid)
    greeting = _frames(on_a)
    assert [f["type"] for f in greeting][-1] == "bot.final"

    # Staff on both replicas at once: 20 messages race for the conversation's next seqs.
    posts = [
        (hub_a if i % 2 else hub_b).post_staff_message(cid, "sam@clinic.example", f"note {i}")
        for i in range(20)
    ]
    seqs = await asyncio.gather(*posts)
    assert len(set(seqs)) == 20

    seen_a: list[dict] = []  # type: ignore[type-arg]
    seen_b: list[dict] = []  # type: ignore[type-arg]
    last = max(seqs)
    head = greeting[-1]["seq"]
    # Each replica's connection gets every event after the greeting once, in seq order (the
    # status change to "with staff" included).
    await _until(on_a, last - head, seen_a)
    await _until(on_b, last, seen_b)
    got_a = [f["seq"] for f in seen_a]
    assert got_a == list(range(head + 1, last + 1))
    assert {f["text"] for f in seen_a if f["type"] == "staff.message"} == {f"note {i}" for i in range(20)}
    assert [f["seq"] for f in seen_b] == list(range(1, last + 1))


async def test_a_lost_announcement_is_read_from_the_outbox(pair: tuple[Services, Services]) -> None:
    a, b = pair
    hub_a, hub_b = _hub(a), _hub(b)
    cid = await hub_a.open_conversation()
    await hub_a.idle()
    watcher = hub_a.new_subscriber()
    await hub_a.attach(cid, 0, watcher)
    first = _frames(watcher)
    # Two events stored without an announcement (a replica whose Redis messages were lost) ...
    outbox = Outbox(b.db)
    for text in ("first, unannounced", "second, unannounced"):
        await outbox.append_now(cid, _staff_message(text))
    assert watcher.queue.empty()
    # ... the next announced one makes A read the gap from the database first.
    last = await hub_b.post_staff_message(cid, "sam@clinic.example", "third, announced")
    seen: list[dict] = []  # type: ignore[type-arg]
    await _until(watcher, last - first[-1]["seq"], seen)
    texts = [f["text"] for f in seen if f["type"] == "staff.message"]
    assert texts == ["first, unannounced", "second, unannounced", "third, announced"]
    assert [f["seq"] for f in seen] == list(range(first[-1]["seq"] + 1, last + 1))


def _staff_message(text: str) -> Callable[[int], dict[str, Any]]:
    def build(seq: int) -> dict[str, Any]:
        return StaffMessage(seq=seq, text=text, staff_name="Sam").model_dump(mode="json")

    return build
