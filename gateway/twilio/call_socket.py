"""What every socket that carries a call does the same way, whoever is at the far end (Twilio's
Media Streams, `stream.py`; a browser's test call, `web_call.py`): send a frame unless the socket is
gone, count and audit bad frames (a call survives a few; a flood ends it), end the call for a drain,
and name why the call ended."""

from __future__ import annotations

import json
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from agents.events import EventKind
from gateway.services import Services
from gateway.twilio.session import CallSession

POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
MAX_PROTOCOL_ERRORS = 20
AUDITED_IN_FULL = 5  # the first few bad frames of a burst in full; the rest only count


class CallSocket:
    """A call's socket, accepted. Subclasses read it and start `session`."""

    def __init__(self, services: Services, websocket: WebSocket, close_reason: str) -> None:
        self.services = services
        self.ws = websocket
        self.session: CallSession | None = None
        self.errors = 0
        self.close_reason = close_reason
        self.drained = False  # the drain ended the call (its disconnect is not the caller's doing)

    async def _refuse(self, reason: str, *, fatal: bool, code: int = POLICY_VIOLATION) -> bool:
        """Audit a bad frame; True (and the socket closed) when the call must end."""
        self.errors += 1
        fatal = fatal or self.errors > MAX_PROTOCOL_ERRORS
        if self.errors <= AUDITED_IN_FULL or fatal or self._conversation_id() is None:
            await self._audit_refusal(reason)
        if fatal:
            self.close_reason = f"protocol error: {reason}"
            await self._close_socket(code, "protocol")
        return fatal

    def _conversation_id(self) -> str | None:
        """The conversation whose audit chain a bad frame goes on (None: not started yet)."""
        return self.session.conversation.id if self.session is not None else None

    async def _audit_refusal(self, reason: str) -> None:
        conversation_id = self._conversation_id()
        if conversation_id is not None:
            await self.services.audit.append(
                conversation_id,
                EventKind.SECURITY,
                "system",
                {"path": self.ws.url.path, "reason": reason, "errors": self.errors},
            )

    async def _send(self, message: dict[str, Any]) -> None:
        """Send a frame; a socket that is gone drops it (the reader ends the call)."""
        if self.ws.application_state != WebSocketState.CONNECTED:
            return
        try:
            await self.ws.send_text(json.dumps(message, separators=(",", ":")))
        except (WebSocketDisconnect, RuntimeError, OSError):
            return

    async def end_for_drain(self) -> None:
        """`gateway.drain.LiveCall`: the closing sentence, then hang up (the reader closes the books)."""
        if self.session is not None:
            await self.session.say_goodbye_for_drain()
        self.drained = True
        self.close_reason = "server draining: deadline reached"
        await self._close_socket(1000, "")

    def _disconnected(self) -> None:
        if not self.drained:
            self.close_reason = "caller disconnected"

    async def _close_socket(self, code: int, reason: str) -> None:
        if self.ws.application_state == WebSocketState.CONNECTED:
            try:
                await self.ws.close(code, reason)
            except (RuntimeError, OSError, WebSocketDisconnect):  # the far end is already gone
                pass
