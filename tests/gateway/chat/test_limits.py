"""Refusals over a real server: origins, sizes, malformed frames, rate limits, idle timeout.
Each refusal is an error frame (or an HTTP error at the upgrade), never a silent drop, and the
connection stays usable unless closing is the point."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.store.db import Database
from gateway.store.models import AuditEventRow
from tests.conftest import LiveServer, running_server
from tests.gateway.chat.conftest import Chat, chat_settings

SITE = "https://www.riverside-clinic.example"


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = chat_settings(
        tmp_path_factory.mktemp("strict"),
        chat_allowed_origins=[SITE, "http://localhost:3000"],
        chat_max_message_bytes=1024,
        chat_max_text_chars=300,
        chat_rate_burst=3,
        chat_rate_per_s=0.05,
        chat_max_refusals=50,
    )
    with running_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = chat_settings(
        tmp_path_factory.mktemp("tight"),
        chat_idle_timeout_s=1.0,
        chat_max_refusals=3,
        chat_ip_rate_burst=4,
        chat_ip_rate_per_s=0.05,
    )
    with running_server(settings) as server:
        yield server


@pytest.fixture
def connect_limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = chat_settings(
        tmp_path_factory.mktemp("connects"), chat_ip_connect_burst=4, chat_ip_connect_per_s=0.01
    )
    with running_server(settings) as server:
        yield server


async def started(server: LiveServer, origin: str | None = SITE) -> Chat:
    chat = await Chat.open(server, origin=origin)
    await chat.hello()
    await chat.greeting()
    return chat


# --- origins ------------------------------------------------------------------------------------


async def test_foreign_origin_is_refused_at_the_upgrade_with_a_reason(strict_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            f"{strict_server.ws_url}/chat/ws", additional_headers={"Origin": "https://evil.example"}
        )
    response = refused.value.response
    assert response.status_code == 403
    body = json.loads(response.body)
    assert body["type"] == "error" and body["code"] == "origin_not_allowed"
    assert "https://evil.example" in body["message"]

    db = Database(strict_server.settings.database_url)
    try:
        async with db.session() as s:
            events = (
                await s.execute(select(AuditEventRow).where(AuditEventRow.kind == "security.rejected"))
            ).scalars()
            reasons = [(e.payload.get("reason"), e.payload.get("origin")) for e in events]
    finally:
        await db.close()
    assert ("chat_origin_refused", "https://evil.example") in reasons


@pytest.mark.parametrize(
    "origin", [SITE, "https://WWW.Riverside-Clinic.example:443", "http://localhost:3000"]
)
async def test_allowed_origins_connect(strict_server: LiveServer, origin: str) -> None:
    chat = await started(strict_server, origin)
    await chat.close()


@pytest.mark.parametrize(
    "origin",
    [
        "http://www.riverside-clinic.example",
        "https://riverside-clinic.example",
        "http://localhost:3001",
        "null",
    ],
)
async def test_near_miss_origins_are_refused(strict_server: LiveServer, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{strict_server.ws_url}/chat/ws", additional_headers={"Origin": origin})
    assert refused.value.response.status_code == 403


# --- sizes and malformed frames -----------------------------------------------------------------


async def test_oversize_frame_is_refused_and_the_connection_goes_on(strict_server: LiveServer) -> None:
    chat = await started(strict_server)
    await chat.send(type="message", text="x" * 2000, client_id="big")
    error = await chat.recv()
    assert error["type"] == "error" and error["code"] == "too_large" and "1024" in error["message"]
    await chat.send_raw(b"\x00" * 5000)
    assert (await chat.recv())["code"] == "too_large"
    frames = await chat.say("which doctors do you have", "after-big")
    assert frames[0]["type"] == "visitor.message" and frames[-1]["type"] == "bot.final"
    await chat.close()


async def test_text_over_the_character_limit_is_refused(strict_server: LiveServer) -> None:
    chat = await started(strict_server)
    # 602 bytes of UTF-8: under the byte limit, over the character limit.
    await chat.send_raw(json.dumps({"v": 1, "type": "message", "text": "é" * 301}, ensure_ascii=False))
    error = await chat.recv()
    assert error["code"] == "too_long" and "300" in error["message"]
    await chat.close()


BAD_FRAMES: list[tuple[Any, str]] = [
    ("{not json", "bad_json"),
    ("[1, 2, 3]", "bad_message"),
    ('"hello"', "bad_message"),
    (json.dumps({"v": 1, "type": "shout", "text": "hi"}), "bad_message"),
    (json.dumps({"v": 1, "type": "message"}), "bad_message"),
    (json.dumps({"v": 1, "type": "message", "text": 42}), "bad_message"),
    (json.dumps({"v": 1, "type": "message", "text": "hi", "extra": True}), "bad_message"),
    (json.dumps({"v": 9, "type": "message", "text": "hi"}), "unsupported_version"),
    (json.dumps({"v": 1, "type": "message", "text": "   "}), "empty_message"),
    (json.dumps({"v": 1, "type": "hello"}), "already_started"),
    (b"\x01\x02binary", "bad_message"),
]


async def test_malformed_frames_each_get_an_error_and_lose_nothing(strict_server: LiveServer) -> None:
    chat = await started(strict_server)
    for raw, code in BAD_FRAMES:
        await chat.send_raw(raw)
        error = await chat.recv()
        assert error["type"] == "error" and error["code"] == code, (raw, error)
        assert error["message"] and error["seq"] is None
    frames = await chat.say("thanks", "after-bad")
    assert frames[-1]["type"] == "bot.final"
    await chat.close()


async def test_message_before_hello_is_refused(strict_server: LiveServer) -> None:
    chat = await Chat.open(strict_server, origin=SITE)
    await chat.send(type="message", text="hi", client_id="early")
    assert (await chat.recv())["code"] == "hello_required"
    await chat.hello()
    await chat.close()


# --- rate limits --------------------------------------------------------------------------------


async def test_per_connection_rate_limit_refuses_with_retry_after(strict_server: LiveServer) -> None:
    chat = await started(strict_server)
    for n in range(6):
        await chat.send(type="message", text=f"message {n}", client_id=f"burst-{n}")
    echoed: list[str] = []
    refused: list[dict[str, Any]] = []
    while len(echoed) + len(refused) < 6:
        frame = await chat.recv()
        if frame["type"] == "visitor.message":
            echoed.append(frame["client_id"])
        elif frame["type"] == "error":
            refused.append(frame)
    assert echoed == ["burst-0", "burst-1", "burst-2"]
    assert len(refused) == 3
    assert all(e["code"] == "rate_limited" and e["retry_after_s"] > 0 for e in refused)
    await chat.close()


async def test_per_ip_rate_limit_spans_connections(tight_server: LiveServer) -> None:
    first = await started(tight_server, origin=None)
    second = await started(tight_server, origin=None)
    codes: list[str] = []
    for n in range(3):
        for chat, name in ((first, "a"), (second, "b")):
            await chat.send(type="message", text=f"hi {n}", client_id=f"{name}-{n}")
            frame = await chat.recv_until(lambda f: f["type"] in ("visitor.message", "error"))
            codes.append(frame[-1].get("code") or "ok")
    assert codes.count("ok") == 4 and codes.count("rate_limited") == 2, codes
    await first.close()
    await second.close()


async def test_too_many_new_connections_from_one_ip_are_refused(connect_limited_server: LiveServer) -> None:
    opened = []
    refusal = None
    for _ in range(10):
        try:
            opened.append(await connect(f"{connect_limited_server.ws_url}/chat/ws"))
        except InvalidStatus as exc:
            refusal = exc.response
            break
    assert refusal is not None and refusal.status_code == 429
    assert json.loads(refusal.body)["code"] == "rate_limited"
    assert len(opened) == 4
    for ws in opened:
        await ws.close()


# --- idle and abuse -----------------------------------------------------------------------------


async def test_idle_connection_gets_an_error_then_is_closed(tight_server: LiveServer) -> None:
    chat = await Chat.open(tight_server)
    welcome = await chat.hello()
    frames = await chat.recv_until(lambda f: f["type"] == "error", within_s=10)
    assert frames[-1]["code"] == "idle_timeout"
    with pytest.raises(ConnectionClosed):
        await chat.recv(within_s=10)
    assert chat.ws.close_code == 1000
    # The conversation itself is not lost: it can be resumed.
    again = await Chat.open(tight_server)
    assert (await again.hello(token=welcome["token"], last_seq=0))["resumed"] is True
    await again.close()


async def test_repeated_refusals_close_the_connection(tight_server: LiveServer) -> None:
    chat = await Chat.open(tight_server)
    await chat.hello()
    for _ in range(3):
        await chat.send_raw("garbage")
    codes = []
    with pytest.raises(ConnectionClosed):
        while True:
            frame = await chat.recv()
            if frame["type"] == "error":
                codes.append(frame["code"])
    assert codes == ["bad_json", "bad_json", "bad_json", "too_many_errors"]
    assert chat.ws.close_code == 1008
