"""The chat client against a real WebSocket server that orders events as a busy replica can: the
handoff status of one reply may arrive only after the echo of the visitor's next message."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.server import ServerConnection, serve

from gateway.clients.chat_client import ChatClient


async def _late_handoff(ws: ServerConnection) -> None:
    seq = 0

    async def send(frame: dict[str, object]) -> None:
        nonlocal seq
        seq += 1
        await ws.send(json.dumps({"v": 1, "seq": seq, **frame}))

    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello"
    await ws.send(
        json.dumps(
            {"v": 1, "type": "welcome", "conversation_id": "c1", "token": "t", "status": "bot", "seq": 0}
        )
    )
    first = json.loads(await ws.recv())
    await send({"type": "visitor.message", "text": first["text"], "client_id": first["client_id"]})
    await send(
        {"type": "bot.final", "text": "I'll pass this to our staff.", "in_reply_to": first["client_id"]}
    )
    second = json.loads(await ws.recv())
    await send({"type": "visitor.message", "text": second["text"], "client_id": second["client_id"]})
    # The handoff made by the first reply is published only now; the bot never answers the second.
    await send({"type": "status", "status": "waiting", "detail": "a person will answer"})
    await ws.wait_closed()


@pytest.fixture
async def server_url() -> AsyncIterator[str]:
    async with serve(_late_handoff, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"http://127.0.0.1:{port}"


async def test_a_handoff_published_after_the_next_echo_means_no_reply(server_url: str) -> None:
    client = ChatClient(server_url, timeout_s=5)
    await client.connect()
    assert await client.say("I have a question about a charge on my bill") == "I'll pass this to our staff."
    assert client.status == "bot"  # the handoff is not here yet
    assert await client.say("Can I talk to a person?") is None
    assert client.status == "waiting"
    # The status event is still there for whoever waits for it.
    status = await client.wait_for(lambda e: e["type"] == "status")
    assert status["status"] == "waiting"
    await client.close()
