"""`WS /twilio/stream`: the Media Streams socket of one call, thin on purpose.

Checks the upgrade's signature over the public stream URL (close 1008 when bad), reads frames,
refuses oversized or malformed ones with an audit event (a call survives a few bad frames; a flood
ends it), spends the call's token on `start` (a stream without `start` within
`FRONTDESK_TWILIO_START_TIMEOUT_S` is closed: it holds a socket and serves no call; while the
database is away a token this process handed out is spent in memory, any other refused with close
1013: gateway/twilio/tokens.py), then hands decoded input to the call's `CallSession`. Whatever ends
the socket (stop, hang-up, a vanished client, an error) the session closes the conversation.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from agents.events import EventKind
from gateway.conversation import Conversation
from gateway.deps import ServicesDep
from gateway.logging import get_logger
from gateway.services import Services
from gateway.twilio import messages, signatures, tokens, transfer_result
from gateway.twilio.call_socket import MESSAGE_TOO_BIG, POLICY_VIOLATION, CallSocket
from gateway.twilio.edge import issued_here
from gateway.twilio.session import CallSession
from gateway.twilio.webhook import audit_rejection

log = get_logger(__name__)

TRY_AGAIN_LATER = 1013  # a stream refused only because the database is away


async def media_stream(websocket: WebSocket, services: ServicesDep) -> None:
    settings = services.settings
    token = settings.twilio_auth_token
    url = signatures.public_request_url(
        settings.public_url, websocket.url.path, websocket.url.query, websocket=True
    )
    signature = websocket.headers.get("x-twilio-signature")
    await websocket.accept()
    if not signatures.is_valid(token.get_secret_value() if token else "", url, {}, signature):
        await audit_rejection(
            services,
            websocket.url.path,
            websocket.client,
            "bad stream signature" if signature else "missing stream signature",
        )
        await websocket.close(POLICY_VIOLATION, "signature")
        return
    await _StreamLoop(services, websocket).run()


class _StreamLoop(CallSocket):
    def __init__(self, services: Services, websocket: WebSocket) -> None:
        super().__init__(services, websocket, close_reason="stream stopped")
        self.conversation: Conversation | None = None

    async def run(self) -> None:
        try:
            await self._read()
        except WebSocketDisconnect:
            self._disconnected()
        except Exception as exc:  # keep the books straight whatever broke
            log.exception("media stream failed")
            self.close_reason = f"stream error: {type(exc).__name__}"
        finally:
            await self._finish()
            await self._close_socket(1000, "")
            self.services.drain.untrack(self)  # the call's books are closed

    async def _finish(self) -> None:
        """Close the call's books; a failure here is logged (the store may be what failed)."""
        try:
            if self.session is not None:
                await self.session.close(self.close_reason)
            elif self.conversation is not None and not self.conversation.closed:
                await self.conversation.close(self.close_reason)  # failed while starting the call
        except Exception:
            log.exception("closing the call failed", reason=self.close_reason)

    async def _read(self) -> None:
        settings = self.services.settings
        limit = settings.twilio_max_message_bytes
        start_by = time.monotonic() + settings.twilio_start_timeout_s
        while True:
            if self.session is None and self.conversation is None:
                try:
                    frame = await asyncio.wait_for(self.ws.receive(), max(0.0, start_by - time.monotonic()))
                except TimeoutError:
                    await audit_rejection(
                        self.services,
                        "/twilio/stream",
                        self.ws.client,
                        f"no start event within {settings.twilio_start_timeout_s:g} s",
                    )
                    self.close_reason = "no start event"
                    await self._close_socket(POLICY_VIOLATION, "no start")
                    return
            else:
                frame = await self.ws.receive()
            if frame["type"] == "websocket.disconnect":
                self._disconnected()
                return
            text = frame.get("text")
            if text is None:
                await self._refuse("binary frame", fatal=False)
                continue
            if len(text) > limit:
                await self._refuse(
                    f"message of {len(text)} bytes exceeds {limit}", fatal=True, code=MESSAGE_TOO_BIG
                )
                return
            try:
                message = messages.parse(text)
            except messages.ProtocolError as exc:
                if await self._refuse(str(exc), fatal=False):
                    return
                continue
            if await self._handle(message):
                return

    async def _handle(self, message: messages.Message) -> bool:
        """Act on one message; True when the stream is over."""
        session = self.session
        if isinstance(message, messages.Connected):
            return False
        if isinstance(message, messages.Start):
            if session is not None:
                return await self._refuse("second start event", fatal=False)
            return await self._start(message)
        if session is None:
            return await self._refuse(f"{type(message).__name__.lower()} before start", fatal=False)
        if isinstance(message, messages.Media):
            session.audio(message.payload)
        elif isinstance(message, messages.Mark):
            session.mark(message.name)
        elif isinstance(message, messages.Dtmf):
            session.dtmf(message.digit)
        elif isinstance(message, messages.Stop):
            self.close_reason = "transferred to staff" if session.conversation.with_person else "call ended"
            return True
        return False

    async def _start(self, start: messages.Start) -> bool:
        services = self.services
        token = start.custom_parameters.get("token", "")
        try:
            conversation_id = await tokens.redeem(
                services.db, token, services.settings.twilio_token_ttl_s, issued_here(services)
            )
        except tokens.TokenUnverifiable as exc:
            # Another replica's token, or a forged one: without the database neither can be told
            # nor spent. Refused, never taken on trust; the log says why (no traceback).
            log.warning(
                "media stream refused: its token cannot be checked while the database is away",
                reason=str(exc),
            )
            await audit_rejection(
                services,
                "/twilio/stream",
                self.ws.client,
                "token unverifiable: database unreachable",
                call_sid=start.call_sid,
            )
            self.close_reason = "token unverifiable"
            await self._close_socket(TRY_AGAIN_LATER, "token unverifiable: database unreachable")
            return True
        except tokens.TokenRefused as exc:
            await audit_rejection(
                services, "/twilio/stream", self.ws.client, str(exc), call_sid=start.call_sid
            )
            await self._close_socket(POLICY_VIOLATION, "token")
            return True
        conversation = await services.conversations.get(conversation_id)
        if conversation is None or conversation.closed:
            await audit_rejection(
                services, "/twilio/stream", self.ws.client, "conversation not open", call_sid=start.call_sid
            )
            await self._close_socket(POLICY_VIOLATION, "conversation")
            return True
        self.conversation = conversation
        # The webhook may have been answered by another replica: the call lives where its stream is.
        await services.conversations.hold(conversation.id)
        await services.audit.append(
            conversation.id,
            EventKind.CALL_EVENT,
            "system",
            {"event": "stream_started", "call_sid": start.call_sid, "stream_sid": start.stream_sid},
        )
        # Back from a transfer nobody picked up: the call opens with the offer of a message.
        follows = await transfer_result.follows(
            services, conversation, start.custom_parameters.get(transfer_result.FOLLOWS)
        )
        models = await services.speech_models()
        self.session = CallSession(
            services,
            conversation,
            start.call_sid,
            start.stream_sid,
            self._send,
            self._hang_up,
            models,
            opening=transfer_result.nobody_answered if follows else None,
        )
        self.session.begin()
        services.drain.track(self, conversation.id)  # a live call: a drain waits for it
        return False

    async def _audit_refusal(self, reason: str) -> None:
        if self.session is None:  # no call yet: the system chain, aggregated per address
            await audit_rejection(self.services, "/twilio/stream", self.ws.client, reason, errors=self.errors)
        else:
            await super()._audit_refusal(reason)

    async def _hang_up(self) -> None:
        self.close_reason = "bot ended the call"
        await self._close_socket(1000, "")
