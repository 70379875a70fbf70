"""A small chat protocol client (websockets): the terminal command, smoke tests and the load bench
speak to a gateway through it exactly as the widget does."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class ChatClientError(Exception):
    """The server refused something or did not answer in time; the message says which."""


def ws_url(base_url: str) -> str:
    url = base_url.rstrip("/")
    if url.startswith("https://"):
        url = "wss://" + url[len("https://") :]
    elif url.startswith("http://"):
        url = "ws://" + url[len("http://") :]
    return url + "/chat/ws"


class ChatClient:
    def __init__(self, base_url: str, *, origin: str | None = None, timeout_s: float = 30.0) -> None:
        self.url = ws_url(base_url)
        self.origin = origin
        self.timeout_s = timeout_s
        self.ws: ClientConnection | None = None
        self.conversation_id: str | None = None
        self.token: str | None = None
        self.status = "bot"
        self.last_seq = 0
        self.events: list[dict[str, Any]] = []  # received, not yet taken by wait_for()
        self.history: list[dict[str, Any]] = []  # every sequenced event received, in order

    async def connect(self, token: str | None = None, last_seq: int = 0) -> dict[str, Any]:
        headers = {"Origin": self.origin} if self.origin else None
        try:
            self.ws = await connect(self.url, additional_headers=headers, open_timeout=self.timeout_s)
        except OSError as exc:
            raise ChatClientError(f"cannot reach {self.url}: {exc}") from None
        await self._send({"type": "hello", "token": token, "last_seq": last_seq})
        welcome = await self._recv_raw()
        if welcome.get("type") != "welcome":
            raise ChatClientError(f"server refused hello: {welcome.get('code')}: {welcome.get('message')}")
        self.conversation_id = welcome["conversation_id"]
        self.token = welcome["token"]
        self.status = welcome["status"]
        self.last_seq = welcome["seq"]
        return welcome

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def __aenter__(self) -> ChatClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def greeting(self) -> str:
        event = await self.wait_for(lambda e: e["type"] == "bot.final" and e["in_reply_to"] is None)
        return event["text"]

    async def say(self, text: str) -> str | None:
        """Send a message; the bot's whole reply, or None when a person has the conversation
        (then the server's acknowledgement is what we wait for)."""
        client_id = uuid.uuid4().hex
        await self._send({"type": "message", "text": text, "client_id": client_id})
        await self.wait_for(lambda e: e["type"] == "visitor.message" and e["client_id"] == client_id)
        # Events before the echo (a status change included) have been read by now. A handoff made
        # by the previous reply may still be on its way (the status is published after that
        # reply's final): a person taking the conversation while we wait also means no reply.
        while True:
            for event in self.events:
                if event["type"] == "bot.final" and event["in_reply_to"] == client_id:
                    self.events.remove(event)
                    return str(event["text"])
            if self.status != "bot":
                return None
            await self.next_event()

    async def wait_for(self, match: Any) -> dict[str, Any]:
        for event in self.events:
            if match(event):
                self.events.remove(event)
                return event
        while True:
            event = await self.next_event()
            if match(event):
                self.events.remove(event)
                return event

    async def next_event(self) -> dict[str, Any]:
        """The next sequenced event (also kept in `events`); an error frame raises."""
        message = await self._recv_raw()
        if message.get("type") == "error":
            raise ChatClientError(f"{message['code']}: {message['message']}")
        if message.get("type") == "status":
            self.status = message["status"]
        self.last_seq = max(self.last_seq, int(message.get("seq") or 0))
        self.events.append(message)
        self.history.append(message)
        return message

    async def _send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None, "not connected"
        await self.ws.send(json.dumps({"v": 1, **frame}))

    async def _recv_raw(self) -> dict[str, Any]:
        assert self.ws is not None, "not connected"
        try:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=self.timeout_s)
        except TimeoutError:
            raise ChatClientError(f"no answer from the server within {self.timeout_s:.0f} s") from None
        return json.loads(raw)
