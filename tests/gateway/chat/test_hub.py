"""The hub in-process on real services (SQLite, offline planner): the console's direct call
`post_staff_message`, and eviction of idle channels with replay from the outbox table."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from gateway.chat.hub import ChatRefused, Subscriber
from gateway.chat.service import ChatService, chat_service
from gateway.services import Services
from gateway.settings import Settings
from tests.conftest import prepare_database


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    await prepare_database(settings)
    started = await Services.start(settings, edges=(ChatService.start,))
    yield started
    await started.stop()


def drain(subscriber: Subscriber) -> list[dict]:  # type: ignore[type-arg]
    frames = []
    while not subscriber.queue.empty():
        frames.append(json.loads(subscriber.queue.get_nowait()))
    return frames


async def test_evicted_channel_reloads_and_replays_from_the_outbox(services: Services) -> None:
    hub = chat_service(services).hub
    conversation_id = await hub.open_conversation()
    await hub.visitor_message(conversation_id, "which doctors do you have?", "e-1")
    await hub.idle()
    live = hub.new_subscriber()
    await hub.attach(conversation_id, 0, live)
    before = drain(live)
    hub.detach(conversation_id, live)

    assert hub.sweep(idle_s=0.0) >= 1 and hub.status_of(conversation_id) is None

    again = hub.new_subscriber()
    synced, status = await hub.attach(conversation_id, 2, again)
    assert (synced, status) == (2, "bot")
    assert drain(again) == before[2:]
    # And it goes on with gap-free numbers.
    await hub.visitor_message(conversation_id, "thanks", "e-2")
    await hub.idle()
    after = drain(again)
    assert after[0]["seq"] == before[-1]["seq"] + 1 and after[0]["client_id"] == "e-2"


async def test_post_staff_message_from_python_reaches_observers(services: Services) -> None:
    hub = chat_service(services).hub
    conversation_id = await hub.open_conversation()
    await hub.idle()
    observer = await hub.observe(conversation_id, last_seq=10_000)  # only what happens from now
    seq = await hub.post_staff_message(conversation_id, "lee.ann@clinic.example", "  Hello from the desk  ")
    frames = drain(observer)
    assert [f["type"] for f in frames] == ["status", "staff.message"]
    assert frames[1] == {
        "v": 1,
        "type": "staff.message",
        "seq": seq,
        "text": "Hello from the desk",
        "staff_name": "Lee Ann",
    }
    with pytest.raises(ChatRefused) as refused:
        await hub.post_staff_message(conversation_id, "lee.ann@clinic.example", "   ")
    assert refused.value.code == "empty_message"
    with pytest.raises(ChatRefused) as refused:
        await hub.post_staff_message("no-such-conversation", "lee.ann@clinic.example", "hi")
    assert refused.value.code == "unknown_conversation"
    await hub.close_conversation(conversation_id)
    with pytest.raises(ChatRefused) as refused:
        await hub.post_staff_message(conversation_id, "lee.ann@clinic.example", "still there?")
    assert refused.value.code == "conversation_closed"
