"""Chat fixtures: gateways on real uvicorn with chosen chat settings, and a raw protocol client."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from gateway.settings import Settings
from tests.conftest import (
    LiveServer,
    create_pg_database,
    drop_pg_database,
    make_settings,
    prepare_database,
    running_server,
)

STAFF_EMAIL = "dana.reyes@clinic.example"
AUDITOR_EMAIL = "audrey.audit@clinic.example"
PASSWORD = "a long enough password"


class Chat:
    """A raw chat connection: frames in and out, every receive bounded by a deadline."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, server: LiveServer, origin: str | None = None) -> Chat:
        headers = {"Origin": origin} if origin else None
        return cls(await connect(f"{server.ws_url}/chat/ws", additional_headers=headers))

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps({"v": 1, **frame}))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def recv(self, within_s: float = 15.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), within_s))

    async def recv_until(self, match: Any, within_s: float = 15.0) -> list[dict[str, Any]]:
        """Frames up to and including the first that matches."""
        seen: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            frame = await self.recv(max(0.01, deadline - loop.time()))
            seen.append(frame)
            if match(frame):
                return seen

    async def hello(self, token: str | None = None, last_seq: int = 0) -> dict[str, Any]:
        await self.send(type="hello", token=token, last_seq=last_seq)
        welcome = await self.recv()
        assert welcome["type"] == "welcome", welcome
        return welcome

    async def greeting(self) -> list[dict[str, Any]]:
        return await self.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] is None)

    async def say(self, text: str, client_id: str) -> list[dict[str, Any]]:
        """Send a message and read up to the bot's final reply to it."""
        await self.send(type="message", text=text, client_id=client_id)
        return await self.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] == client_id)

    async def close(self) -> None:
        await self.ws.close()


def chat_settings(tmp: Path, **overrides: object) -> Settings:
    return make_settings(tmp, **overrides)


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One gateway for the module's tests, with the default chat limits."""
    with running_server(chat_settings(tmp_path_factory.mktemp("chat"))) as server:
        yield server


def server_on(database: str, tmp: Path) -> Iterator[LiveServer]:
    """A gateway on SQLite or on a throwaway PostgreSQL database (dropped afterwards), for
    module fixtures parametrized over ["sqlite", "postgres"]."""
    if database == "sqlite":
        with running_server(chat_settings(tmp)) as live:
            yield live
        return
    url = asyncio.run(create_pg_database())
    try:
        with running_server(chat_settings(tmp, database_url=url)) as live:
            yield live
    finally:
        asyncio.run(drop_pg_database(url))


async def start_server(settings: Settings) -> LiveServer:
    """A live gateway started from inside an async test (the server runs in its own thread)."""
    await prepare_database(settings)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    return server


async def stop_server(server: LiveServer) -> None:
    await asyncio.to_thread(server.stop)


def staff_login(server: LiveServer, email: str) -> tuple[httpx.Client, str]:
    """Log in through the console's real login form; returns the client and its CSRF token."""
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    form = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    resp = client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1), "next": "/console"},
    )
    assert resp.status_code == 303, resp.text
    page = client.get("/console")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    return client, csrf.group(1)


def sequenced(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] not in ("welcome", "error")]
