"""`WS /chat/ws`: one visitor connection. Admission (origin, connect rate, open connections per
client address) happens at the upgrade; then the connection must say `hello` within
`FRONTDESK_CHAT_HELLO_TIMEOUT_S`, and frames are size-checked, parsed, rate-limited and handed to
the hub. Outgoing frames all go
through one sender task, so errors and conversation events never interleave mid-write.

Every refusal is an `error` frame; the connection is closed only when continuing makes no sense
(idle, too many refusals in a row, client too slow to read).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import WebSocket
from starlette.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from gateway.chat.hub import ChatRefused, Subscriber
from gateway.chat.limits import TokenBucket, origin_allowed
from gateway.chat.protocol import (
    BadFrame,
    ErrorFrame,
    Hello,
    Typing,
    VisitorMessage,
    Welcome,
    dump,
    parse_client_frame,
)
from gateway.chat.resume import ResumeUnavailable
from gateway.chat.service import ChatService, chat_service
from gateway.chat.tokens import TokenRefused
from gateway.drain import Drain
from gateway.logging import get_logger
from gateway.services import Services
from gateway.store.db import unreachable

log = get_logger(__name__)

CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013
CLOSE_SERVICE_RESTART = 1012
# A draining replica (docs/drain.md) takes no new chat: the widget reconnects, and another replica
# resumes the conversation from the shared database.
DRAINING = "this server is restarting; reconnect to continue (your conversation is kept)"
# The database has been away longer than the spools could bridge (gateway/store/audit_spool.py),
# or it is away and there is no spool here (a second process, spools off, several replicas):
# nothing of a new conversation could be put on record, so none is started; open ones go on.
# While the turn spool has room a new chat starts as usual, its row and token spooled.
NOT_TAKING_NEW = "we can't take new conversations right now; please try again in a few minutes"
# A resume while the database is away: a chat opened here during the outage is resumed from memory
# (gateway/chat/resume.py); any other needs the database (its token's generation, its stored
# events) and gets this; the widget shows it and reconnects later.
RESUME_UNAVAILABLE = "we can't reach your conversation right now; reconnect in a few minutes to continue it"


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


def client_ip(websocket: WebSocket) -> str:
    return websocket.client.host if websocket.client else "unknown"


async def refuse_upgrade(websocket: WebSocket, status: int, code: str, message: str) -> None:
    """Refuse before accepting: an HTTP response with a JSON error body where the server supports
    it (uvicorn does), otherwise a close frame whose reason says why."""
    body = ErrorFrame(code=code, message=message).model_dump(mode="json")
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse(body, status_code=status))
    else:
        await websocket.close(CLOSE_POLICY, reason=f"{code}: {message}"[:120])


async def chat_socket(websocket: WebSocket, services: Services) -> None:
    chat = chat_service(services)
    settings = chat.settings
    ip = client_ip(websocket)
    if services.drain.draining:
        await refuse_upgrade(websocket, 503, "server_draining", DRAINING)
        return
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, settings.chat_origins):
        await services.rejections.reject(ip, "chat_origin_refused", path="/chat/ws", origin=origin)
        await refuse_upgrade(websocket, 403, "origin_not_allowed", f"origin {origin!r} may not open a chat")
        return
    if chat.open_connections(ip) >= settings.chat_max_connections_per_ip:
        await refuse_upgrade(
            websocket,
            429,
            "too_many_connections",
            f"{settings.chat_max_connections_per_ip} chats are already open from your address; close one",
        )
        return
    wait = await chat.ip_connects.take(ip)
    if wait > 0:
        await refuse_upgrade(
            websocket, 429, "rate_limited", f"too many new connections; retry in {wait:.0f} s"
        )
        return
    with chat.connection_from(ip):
        await websocket.accept()
        await _Connection(websocket, chat, ip, services.drain, lambda: services.spools_full).run()


class _Connection:
    def __init__(
        self, websocket: WebSocket, chat: ChatService, ip: str, drain: Drain, spools_full: Callable[[], bool]
    ) -> None:
        self.ws = websocket
        self.drain = drain
        self.spools_full = spools_full  # no new conversation while they are
        self.chat = chat
        self.settings = chat.settings
        self.ip = ip
        self.bucket = TokenBucket(self.settings.chat_rate_burst, self.settings.chat_rate_per_s)
        # Typing notices are cheap but still bounded.
        self.typing_bucket = TokenBucket(10, 2.0)
        self.conversation_id: str | None = None
        self.subscriber: Subscriber | None = None
        self.sender: asyncio.Task[None] | None = None
        self.refusals = 0

    async def run(self) -> None:
        try:
            await self._receive_loop()
        except WebSocketDisconnect:
            pass
        finally:
            if self.conversation_id is not None and self.subscriber is not None:
                self.chat.hub.detach(self.conversation_id, self.subscriber)
            if self.sender is not None:
                if not self.sender.done():
                    self.sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self.sender

    async def _receive_loop(self) -> None:
        limit = self.settings.chat_max_message_bytes
        hello_by = time.monotonic() + self.settings.chat_hello_timeout_s
        while True:
            waiting_for_hello = self.conversation_id is None
            timeout = self.settings.chat_idle_timeout_s
            if waiting_for_hello:
                timeout = min(timeout, max(0.0, hello_by - time.monotonic()))
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout=timeout)
            except TimeoutError:
                if waiting_for_hello:
                    await self._close_with_error(
                        CLOSE_POLICY, "hello_timeout", "no hello received in time; closing"
                    )
                else:
                    await self._close_with_error(
                        1000, "idle_timeout", "closed after a period without activity; reconnect to continue"
                    )
                return
            if message["type"] == "websocket.disconnect":
                return
            if self.sender is not None and self.sender.done():
                return  # the sender closed the socket (slow client)
            await self._handle(message.get("text"), message.get("bytes"), limit)
            if self.refusals >= self.settings.chat_max_refusals:
                await self._close_with_error(
                    CLOSE_POLICY, "too_many_errors", "too many refused messages in a row; closing"
                )
                return

    async def _handle(self, raw: str | None, data: bytes | None, limit: int) -> None:
        if raw is None:
            size = len(data or b"")
            if size > limit:
                await self._refuse("too_large", f"message of {size} bytes exceeds the limit of {limit}")
            else:
                await self._refuse("bad_message", "binary frames are not supported; send JSON text")
            return
        size = len(raw.encode("utf-8", "surrogatepass"))
        if size > limit:
            await self._refuse("too_large", f"message of {size} bytes exceeds the limit of {limit}")
            return
        try:
            frame = parse_client_frame(raw)
        except BadFrame as exc:
            await self._refuse(exc.code, exc.message)
            return
        await self._dispatch(frame)

    async def _dispatch(self, frame: Hello | VisitorMessage | Typing) -> None:
        if isinstance(frame, Hello):
            await self._hello(frame)
            return
        if self.conversation_id is None:
            await self._refuse("hello_required", "send a hello message first")
            return
        if isinstance(frame, Typing):
            if self.typing_bucket.take() == 0:
                await self.chat.hub.visitor_typing(self.conversation_id)
            return  # extra typing notices carry no content; dropping them loses nothing
        text = frame.text.strip()
        if not text:
            await self._refuse("empty_message", "the message is empty")
            return
        if len(text) > self.settings.chat_max_text_chars:
            await self._refuse(
                "too_long", f"message of {len(text)} characters exceeds {self.settings.chat_max_text_chars}"
            )
            return
        wait = self.bucket.take()
        if wait == 0:  # a message this connection may not send does not spend the address's budget
            wait = await self.chat.ip_messages.take(self.ip)
        if wait > 0:
            await self._refuse(
                "rate_limited", f"too many messages; this one was not sent, retry in {wait:.1f} s", wait
            )
            return
        try:
            await self.chat.hub.visitor_message(self.conversation_id, text, frame.client_id)
        except ChatRefused as exc:
            await self._refuse(exc.code, exc.message)
            return
        self.refusals = 0

    async def _hello(self, hello: Hello) -> None:
        if self.conversation_id is not None:
            await self._refuse("already_started", "this connection already has a conversation")
            return
        if self.drain.draining:  # connected just before the drain: start or resume elsewhere
            await self._close_with_error(CLOSE_SERVICE_RESTART, "server_draining", DRAINING)
            return
        if not hello.token and self.spools_full():  # a resume goes on: its record is kept
            await self._close_with_error(CLOSE_TRY_AGAIN, "not_taking_new", NOT_TAKING_NEW)
            return
        hub = self.chat.hub
        opened: str | None = None  # a new conversation, once its row is in
        try:
            if hello.token:
                # The old token is revoked here: the welcome below carries its replacement.
                conversation_id, token = await self.chat.resume.resume(hello.token, hello.last_seq)
                resumed = True
            else:
                conversation_id = await hub.open_conversation(meta={"ip": self.ip}, client_address=self.ip)
                opened = conversation_id
                token = await self.chat.resume.first(conversation_id)
                resumed = False
            subscriber = hub.new_subscriber()
            synced, status = await hub.attach(conversation_id, hello.last_seq if resumed else 0, subscriber)
        except (TokenRefused, ChatRefused) as exc:
            await self._refuse(exc.code, exc.message)
            return
        except Exception as exc:
            if not (unreachable(exc) or isinstance(exc, ResumeUnavailable)):
                raise
            await self._database_away(bool(hello.token), opened, exc)
            return
        self.conversation_id = conversation_id
        self.subscriber = subscriber
        self.refusals = 0
        welcome = Welcome(
            seq=synced,
            conversation_id=conversation_id,
            token=token,
            resumed=resumed,
            status=status,
        )
        # The welcome goes out before anything queued by attach(): the sender starts after it.
        await self.ws.send_text(dump(welcome))
        self.sender = asyncio.create_task(self._send_loop(subscriber))

    async def _database_away(self, resuming: bool, opened: str | None, exc: Exception) -> None:
        """The hello needed the database and it is away: the visitor is told so and the connection
        closed with 1013 (the widget reconnects later, with its token if it had one), instead of the
        connection dropping under a traceback. Nothing is left registered: a conversation is in
        the hub only once its row is in, and one whose token could not be stored is closed (nobody
        could ever resume it), after the refusal, as the close may wait out the ride-through."""
        log.warning(
            "chat hello refused: the database is unreachable",
            resuming=resuming,
            error_type=type(exc).__name__,
        )
        try:
            if resuming:
                await self._close_with_error(CLOSE_TRY_AGAIN, "resume_unavailable", RESUME_UNAVAILABLE)
            else:
                await self._close_with_error(CLOSE_TRY_AGAIN, "not_taking_new", NOT_TAKING_NEW)
        finally:  # also when the visitor is gone already
            if opened is not None:
                await self._close_unresumable(opened)

    async def _close_unresumable(self, conversation_id: str) -> None:
        try:
            await self.chat.hub.close_conversation(
                conversation_id, "not started: the database is unreachable"
            )
        except Exception as failed:  # the abandoned-chat sweep closes it once the database is back
            log.warning(
                "chat: closing a conversation opened without a token failed",
                conversation_id=conversation_id,
                error_type=type(failed).__name__,
            )

    async def _send_loop(self, subscriber: Subscriber) -> None:
        queue = subscriber.queue
        while True:
            item = await queue.get()
            if isinstance(item, str):
                await self.ws.send_text(item)
                continue
            if item is None:  # the hub cut us off: the client reads too slowly
                item = _Close(CLOSE_TRY_AGAIN, "too slow: reconnect and resume")
                await self.ws.send_text(dump(ErrorFrame(code="too_slow", message=item.reason)))
            if self.ws.client_state == WebSocketState.CONNECTED:
                await self.ws.close(item.code, reason=item.reason)
            return

    async def _send(self, frame: str) -> None:
        if self.subscriber is None:
            await self.ws.send_text(frame)
        else:
            self.subscriber.queue.put_nowait(frame)

    async def _refuse(self, code: str, message: str, retry_after_s: float | None = None) -> None:
        self.refusals += 1
        await self._send(dump(ErrorFrame(code=code, message=message, retry_after_s=retry_after_s)))

    async def _close_with_error(self, close_code: int, code: str, message: str) -> None:
        await self._send(dump(ErrorFrame(code=code, message=message)))
        if self.subscriber is None or self.sender is None:
            await self.ws.close(close_code, reason=message[:120])
            return
        self.subscriber.queue.put_nowait(_Close(close_code, message[:120]))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sender, timeout=5)
