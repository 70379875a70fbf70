"""A website visitor on the real chat WebSocket, for creating conversations the way the widget does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import websockets


class Visitor:
    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.frames: list[dict[str, Any]] = []
        self.conversation_id = ""
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Visitor:
        self._ws = await websockets.connect(f"{self.ws_url}/chat/ws", open_timeout=30)
        await self._ws.send(json.dumps({"v": 1, "type": "hello"}))
        welcome = json.loads(await asyncio.wait_for(self._ws.recv(), 30))
        assert welcome["type"] == "welcome", welcome
        self.conversation_id = welcome["conversation_id"]
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    async def _read(self) -> None:
        async for raw in self._ws:
            self.frames.append(json.loads(raw))

    async def wait_for(self, match: Callable[[dict[str, Any]], bool], within_s: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            for frame in self.frames:
                if match(frame):
                    return frame
            await asyncio.sleep(0.02)
        raise AssertionError(f"no matching frame within {within_s} s; got {self.frames}")

    async def send(self, text: str) -> str:
        """Send a message without waiting for an answer; returns its client id."""
        client_id = f"m{time.monotonic_ns()}"
        await self._ws.send(json.dumps({"v": 1, "type": "message", "text": text, "client_id": client_id}))
        return client_id

    async def say(self, text: str) -> dict[str, Any]:
        """Send a message and wait for the bot's whole reply to it."""
        client_id = await self.send(text)
        return await self.wait_for(
            lambda f: f.get("type") == "bot.final" and f.get("in_reply_to") == client_id
        )
