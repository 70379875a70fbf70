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


async def test_a_client_that_saw_events_lost_in_a_crash_gets_new_seqs(services: Services) -> None:
    # The process that delivered seqs head+1 and head+2 was killed before its outbox stored them;
    # this one (restarted) has the stored events up to head. New events must come after what the
    # client saw, or the widget would drop them as already shown.
    hub = chat_service(services).hub
    conversation_id = await hub.open_conversation()
    await hub.idle()
    observer = await hub.observe(conversation_id)
    head = observer.last_seq
    hub.detach(conversation_id, observer)
    assert hub.sweep(idle_s=0.0) >= 1  # as after a restart: the channel is read back from the database
    client = hub.new_subscriber()
    synced, _ = await hub.attach(conversation_id, head + 2, client)
    assert synced == head + 2
    await hub.visitor_message(conversation_id, "hello again", "r-1")
    await hub.idle()
    frames = drain(client)
    assert frames[0]["client_id"] == "r-1" and frames[0]["seq"] == head + 3
    # A client claiming far more than a crash can lose is not believed.
    liar = hub.new_subscriber()
    synced, _ = await hub.attach(conversation_id, 1_000_000, liar)
    assert synced == frames[-1]["seq"]


async def test_closed_chats_leave_the_hub_and_the_open_ones_stay(services: Services) -> None:
    # Found by the soak (bench/soak.py --tracemalloc): a closed chat's channel (its events, its
    # Conversation, the agent's state) stayed for the ten-minute idle limit, so memory grew with
    # the chats of the last ten minutes. Closed and quiet, it goes at the next sweep.
    hub = chat_service(services).hub
    baseline = hub.live_channels
    still_open = await hub.open_conversation()
    closed = [await hub.open_conversation() for _ in range(12)]
    for n, conversation_id in enumerate(closed):
        await hub.visitor_message(conversation_id, "what are your opening hours?", f"m-{n}")
    await hub.idle()
    for conversation_id in closed:
        await hub.close_conversation(conversation_id, "visitor left")
    await hub.idle()  # every event stored
    assert hub.live_channels == baseline + 13

    assert hub.sweep(closed_s=0.0) == 12
    assert hub.live_channels == baseline + 1 and hub.status_of(still_open) == "bot"
    assert services.conversations.live_counts().get("chat") == 1
    # A visitor coming back to a closed chat reads it from the database, whole.
    reader = hub.new_subscriber()
    synced, status = await hub.attach(closed[0], 0, reader)
    frames = drain(reader)
    assert status == "closed" and synced == 0 and frames[-1]["seq"] == len(frames)
    assert any(f.get("client_id") == "m-0" for f in frames)
    hub.detach(closed[0], reader)
    assert hub.sweep(closed_s=0.0) == 1 and hub.live_channels == baseline + 1
