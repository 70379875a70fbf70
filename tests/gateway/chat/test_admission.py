"""Who may open and keep a chat, over a real server (docs/security.md): the allowed origins by
default, deeply nested frames, connections that never say hello, open connections per client
address, and abandoned chats leaving the handoff queue."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.logging import configure_logging
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import ConversationRow, HandoffRow
from tests.conftest import LiveServer
from tests.gateway.chat.conftest import Chat, chat_settings, start_server, stop_server

LOOK_ALIKE = "https://riverside-family-clinic.example"


async def refused_status(server: LiveServer, origin: str) -> tuple[int, dict[str, object]]:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{server.ws_url}/chat/ws", additional_headers={"Origin": origin})
    return refused.value.response.status_code, json.loads(refused.value.response.body)


# --- origins ------------------------------------------------------------------------------------


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[LiveServer]:
    server = await start_server(settings)
    try:
        yield server
    finally:
        await stop_server(server)


async def test_by_default_only_the_public_urls_origin_may_open_a_chat(tmp_path: Path) -> None:
    async with served(chat_settings(tmp_path)) as server:
        assert server.settings.chat_allowed_origins == []
        status, body = await refused_status(server, LOOK_ALIKE)
        assert status == 403 and body["code"] == "origin_not_allowed"

        own = await Chat.open(server, origin=server.url)  # the widget on our own demo page
        welcome = await own.hello()
        assert welcome["type"] == "welcome"
        await own.close()


async def test_any_origin_only_when_configured_and_then_warned_at_start(tmp_path: Path) -> None:
    buffer = io.StringIO()
    configure_logging("INFO", json_output=True)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        async with served(chat_settings(tmp_path, chat_allowed_origins=["*"])) as server:
            chat = await Chat.open(server, origin=LOOK_ALIKE)
            assert (await chat.hello())["type"] == "welcome"
            await chat.close()
    finally:
        handler.setStream(sys.stderr)
    warnings = [
        line
        for line in (json.loads(raw) for raw in buffer.getvalue().splitlines() if raw.startswith("{"))
        if line.get("level") == "warning" and "every website" in line.get("event", "")
    ]
    assert len(warnings) == 1, buffer.getvalue()


# --- frames and connections ---------------------------------------------------------------------


@pytest.fixture
async def guarded_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = chat_settings(tmp_path, chat_hello_timeout_s=2.0, chat_max_connections_per_ip=3)
    async with served(settings) as server:
        yield server


@pytest.mark.parametrize("frame", ["[" * 3000, '{"type":"hello","token":' + "[" * 5000, "1" * 5000])
async def test_deeply_nested_or_huge_json_is_bad_json_and_the_connection_lives(
    guarded_server: LiveServer, frame: str
) -> None:
    chat = await Chat.open(guarded_server)
    await chat.send_raw(frame)
    error = await chat.recv()
    assert error["type"] == "error" and error["code"] == "bad_json", error
    assert (await chat.hello())["type"] == "welcome"  # the same connection still works
    await chat.close()


async def test_a_connection_without_hello_is_closed(guarded_server: LiveServer) -> None:
    chat = await Chat.open(guarded_server)
    error = await chat.recv(within_s=10)
    assert error["type"] == "error" and error["code"] == "hello_timeout"
    with pytest.raises(ConnectionClosed):
        await chat.recv(within_s=10)
    assert chat.ws.close_code == 1008


async def test_open_connections_per_client_address_are_capped(guarded_server: LiveServer) -> None:
    chats = [await Chat.open(guarded_server) for _ in range(3)]
    for chat in chats:
        await chat.hello()
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{guarded_server.ws_url}/chat/ws")
    assert refused.value.response.status_code == 429
    assert json.loads(refused.value.response.body)["code"] == "too_many_connections"

    await chats[0].close()
    # The server counts the connection as closed once its handler has finished; retry until then.
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            again = await Chat.open(guarded_server)
            break
        except InvalidStatus:
            assert asyncio.get_running_loop().time() < deadline, "the closed connection was never released"
            await asyncio.sleep(0.05)
    assert (await again.hello())["type"] == "welcome"
    for chat in [*chats[1:], again]:
        await chat.close()


# --- abandoned chats ----------------------------------------------------------------------------


async def _rows(settings: Settings, conversation_ids: list[str]) -> dict[str, tuple[str, list[str]]]:
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            conversations = (
                await s.scalars(select(ConversationRow).where(ConversationRow.id.in_(conversation_ids)))
            ).all()
            handoffs = (
                await s.scalars(select(HandoffRow).where(HandoffRow.conversation_id.in_(conversation_ids)))
            ).all()
        return {
            c.id: (c.status, [h.status for h in handoffs if h.conversation_id == c.id]) for c in conversations
        }
    finally:
        await db.close()


async def _waiting_for_a_person(server: LiveServer) -> tuple[Chat, str]:
    chat = await Chat.open(server)
    welcome = await chat.hello()
    await chat.greeting()
    await chat.say("I want to talk to a real person please", "p-1")
    status = await chat.recv()
    assert status["type"] == "status" and status["status"] == "waiting", status
    return chat, welcome["conversation_id"]


async def test_abandoned_chat_is_closed_and_leaves_the_handoff_queue(tmp_path: Path, db_url: str) -> None:
    settings = chat_settings(tmp_path, database_url=db_url, chat_abandoned_after_s=1.0)
    async with served(settings) as server:
        await _abandon_one_of_two(server)


async def _abandon_one_of_two(server: LiveServer) -> None:
    gone, gone_id = await _waiting_for_a_person(server)
    stays, stays_id = await _waiting_for_a_person(server)
    await gone.close()  # the visitor closed the tab

    deadline = asyncio.get_running_loop().time() + 20
    while (rows := await _rows(server.settings, [gone_id, stays_id]))[gone_id][0] != "closed":
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.1)
    assert rows[gone_id] == ("closed", ["resolved"])
    # The visitor still connected (and waiting) keeps their place in the queue, and hears nothing.
    assert rows[stays_id] == ("waiting", ["waiting"])
    await stays.send(type="typing")
    await stays.close()
