"""The chat hub: one in-memory channel per live conversation, fanning sequenced events out to the
connections (and console observers) attached to it, and replaying what a reconnecting client missed.

Replies are produced by a per-conversation worker task owned by the hub, not by the WebSocket, so
a reply keeps being generated and stored while the visitor's connection is down; the visitor gets
it on resume. Every event gets the next `seq` of its conversation, is kept in memory until the
outbox has stored it, and is then replayable from the database as well.

With several replicas (a `RedisBus`), any replica may add to any conversation: the visitor is on
one, the staff member who replies on another. Then an event's seq is taken by the database as the
event is stored (two replicas never clash on it), and only then delivered locally and announced
to the other replicas, which deliver it to their own connections. A replica that sees a gap in a
conversation's seqs (an announcement lost or overtaken) reads the missing events from the outbox.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from agents.api import EndConversation, Handoff, UserTurn
from agents.staff_hours import offer_after_wait
from gateway.chat.outbox import Outbox
from gateway.chat.protocol import (
    STATUS_DETAIL,
    BotDelta,
    BotFinal,
    ChatStatus,
    SequencedEvent,
    StaffMessage,
    StatusEvent,
    VisitorEcho,
    chat_status,
)
from gateway.cluster.bus import RedisBus
from gateway.conversation import Conversation, ConversationManager
from gateway.logging import get_logger
from gateway.reply import Reply
from gateway.statuses import ConversationStatus
from gateway.store.audit import AuditWriteError

log = get_logger(__name__)

APOLOGY = "Sorry, something went wrong on our side. Please try again, or ask for a person."
_MEMORY_KEEP = 200  # durable events kept in memory per channel for cheap replay
_CLOSED_KEEP_S = 5.0  # a closed channel stays this long after its last event (`ChatHub.sweep`)
_TOPIC = "chat"  # the bus topic of chat events
_LOST_IN_A_CRASH_MAX = 2000  # an outbox batch at most; a client claiming more is not believed
_STATUS_OF = {chat_status(s): s for s in ConversationStatus}


class ChatRefused(Exception):
    """A request the hub will not carry out; `code` and `message` go to the client as an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Subscriber:
    """One attached connection: a queue of JSON frames. A client too slow to drain
    `max_pending` frames is cut off (`overflowed`) and resumes from its last seq."""

    __slots__ = ("last_seq", "max_pending", "overflowed", "queue")

    def __init__(self, max_pending: int = 500) -> None:
        # Frames (str); None when cut off; the connection also queues its own errors and close.
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.last_seq = 0
        self.max_pending = max_pending
        self.overflowed = False

    def push(self, seq: int, frame: str) -> None:
        if seq <= self.last_seq or self.overflowed:
            return  # already delivered (replay overlapping live delivery)
        if self.queue.qsize() >= self.max_pending:
            self.overflowed = True
            self.queue.put_nowait(None)
            return
        self.last_seq = seq
        self.queue.put_nowait(frame)


class _Channel:
    __slots__ = (
        "client_ids",
        "conversation",
        "delivering",
        "events",
        "inbox",
        "publishing",
        "seq",
        "stale",
        "status",
        "subscribers",
        "touched",
        "visitor_typing_at",
        "worker",
    )

    def __init__(self, conversation: Conversation, head_seq: int) -> None:
        self.conversation = conversation
        self.seq = head_seq
        self.events: deque[tuple[int, str]] = deque()
        self.subscribers: set[Subscriber] = set()
        self.status = conversation.status
        # None = greet; a callable = the agent speaks unprompted (an unclaimed handoff's offer),
        # in turn with the visitor's messages
        self.inbox: deque[tuple[str, str | None] | Callable[[], Reply] | None] = deque()
        self.worker: asyncio.Task[None] | None = None
        self.client_ids: OrderedDict[str, None] = OrderedDict()
        self.touched = time.monotonic()
        self.visitor_typing_at = 0.0
        # Several replicas only: one local publisher at a time takes a seq and delivers it; one
        # delivery at a time (local or announced), so a gap is filled before what follows it.
        self.publishing = asyncio.Lock()
        self.delivering = asyncio.Lock()
        self.stale = False  # another replica changed the conversation: reload before a turn


class ChatHub:
    def __init__(
        self,
        conversations: ConversationManager,
        outbox: Outbox,
        evict_after_s: float = 600.0,
        max_pending_per_connection: int = 500,
        bus: RedisBus | None = None,
        waiting_detail: Callable[[], str | None] | None = None,
    ) -> None:
        """`waiting_detail`: what a visitor waiting for a person is told to expect, asked when
        the handoff is made ("A person usually answers within 3 minutes.", or when we open);
        None: the plain status."""
        self._waiting_detail = waiting_detail
        self._conversations = conversations
        self._outbox = outbox
        self._bus = bus
        if bus is not None:
            bus.subscribe(_TOPIC, self._on_announced)
            bus.on_reconnect(self._catch_up)
        self._channels: dict[str, _Channel] = {}
        self._loading: dict[str, asyncio.Future[_Channel]] = {}
        self._evict_after_s = evict_after_s
        self._max_pending = max_pending_per_connection
        self._sweeper: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._outbox.start()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="chat-hub-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        workers = [c.worker for c in self._channels.values() if c.worker is not None]
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await self._outbox.stop()

    def new_subscriber(self) -> Subscriber:
        return Subscriber(self._max_pending)

    # -- visitor side ------------------------------------------------------------------------

    async def open_conversation(
        self, meta: dict[str, Any] | None = None, client_address: str | None = None
    ) -> str:
        """A new chat conversation whose greeting is being produced. One replica: opened while
        the database is away too, its row in the turn spool (several: its events need the database)."""
        conversation = await self._conversations.open(
            "chat", meta=meta, client_address=client_address, spool_if_away=self._bus is None
        )
        channel = _Channel(conversation, head_seq=0)
        self._channels[conversation.id] = channel
        channel.inbox.append(None)
        self._ensure_worker(channel)
        return conversation.id

    async def attach(
        self, conversation_id: str, last_seq: int, subscriber: Subscriber
    ) -> tuple[int, ChatStatus]:
        """Queue every event after `last_seq` to the subscriber, then keep it attached for live
        events. Returns the seq the subscriber is synced to and the conversation's status."""
        channel = await self._channel(conversation_id)
        if self._bus is None and channel.seq < last_seq <= channel.seq + _LOST_IN_A_CRASH_MAX:
            # The client saw events this process delivered and never stored: it was killed
            # between a delivery and the outbox's next batch. Those are gone; new events must
            # not reuse their seqs, or the widget would drop them as already shown.
            log.warning(
                "chat: client resumed past the stored events (lost in a crash)",
                conversation_id=conversation_id,
                lost=last_seq - channel.seq,
            )
            channel.seq = last_seq
        subscriber.last_seq = min(last_seq, channel.seq)
        synced = subscriber.last_seq
        # Older events than memory holds come from the outbox table; loop because the memory
        # window may move while we read.
        while subscriber.last_seq + 1 < _first_in_memory(channel):
            before = subscriber.last_seq
            for payload in await self._outbox.read_after(conversation_id, subscriber.last_seq):
                seq = int(payload["seq"])
                if seq >= _first_in_memory(channel):
                    break
                subscriber.push(seq, _encode(payload))
            if subscriber.last_seq == before:
                log.error(
                    "chat: events missing from the outbox", after_seq=before, conversation_id=conversation_id
                )
                break
        # No await from here on: the memory replay and joining live delivery are one step.
        for seq, frame in channel.events:
            subscriber.push(seq, frame)
        channel.subscribers.add(subscriber)
        channel.touched = time.monotonic()
        return synced, chat_status(channel.status)

    def detach(self, conversation_id: str, subscriber: Subscriber) -> None:
        channel = self._channels.get(conversation_id)
        if channel is not None:
            channel.subscribers.discard(subscriber)
            channel.touched = time.monotonic()

    async def visitor_message(self, conversation_id: str, text: str, client_id: str | None) -> None:
        """Store and acknowledge a visitor message; the bot (or, during a handoff, staff) answers.
        A message whose client_id was already accepted is ignored: the client re-sent it after a
        reconnect and its echo and reply are in the stream already."""
        channel = await self._channel(conversation_id)
        if channel.status is ConversationStatus.CLOSED:
            raise ChatRefused("conversation_closed", "this conversation has ended; start a new one")
        if client_id is not None:
            if client_id in channel.client_ids:
                return
            channel.client_ids[client_id] = None
            if len(channel.client_ids) > 256:
                channel.client_ids.popitem(last=False)
        await self._publish(channel, VisitorEcho, text=text, client_id=client_id)
        channel.inbox.append((text, client_id))
        self._ensure_worker(channel)

    async def visitor_typing(self, conversation_id: str) -> None:
        channel = await self._channel(conversation_id)
        channel.visitor_typing_at = time.monotonic()

    # -- staff side (the console calls these directly) -----------------------------------------

    async def post_staff_message(
        self, conversation_id: str, staff_email: str, text: str, staff_name: str | None = None
    ) -> int:
        """Store a staff message as a turn and deliver it live; returns its seq."""
        text = text.strip()
        if not text:
            raise ChatRefused("empty_message", "the message is empty")
        channel = await self._channel(conversation_id)
        if channel.status is ConversationStatus.CLOSED:
            raise ChatRefused("conversation_closed", "this conversation has ended")
        await channel.conversation.staff_message(staff_email, text)
        if channel.status is not ConversationStatus.WITH_STAFF:
            await self._set_status(channel, ConversationStatus.WITH_STAFF)
        return await self._publish(
            channel, StaffMessage, text=text, staff_name=staff_name or _display_name(staff_email)
        )

    async def offer_message_instead(self, conversation_id: str) -> bool:
        """A handoff nobody claimed in time (`gateway.chat.unclaimed`): the assistant has the
        conversation again and offers to take a message. False when it is no longer waiting."""
        channel = await self._channel(conversation_id)
        await self._refresh(channel)
        if channel.status is not ConversationStatus.WAITING:
            return False
        conversation = channel.conversation
        await self._set_status(channel, ConversationStatus.ACTIVE)
        # through the worker: a visitor message arriving now is answered after the offer, not beside it
        channel.inbox.append(lambda: conversation.agent_says(offer_after_wait(conversation.state)))
        self._ensure_worker(channel)
        return True

    async def close_conversation(self, conversation_id: str, reason: str = "closed by staff") -> None:
        channel = await self._channel(conversation_id)
        if channel.status is not ConversationStatus.CLOSED:
            await channel.conversation.close(reason)
            await self._set_status(channel, ConversationStatus.CLOSED)

    async def observe(self, conversation_id: str, last_seq: int = 0) -> Subscriber:
        """A console view of the live conversation: everything after `last_seq`, then live."""
        subscriber = self.new_subscriber()
        await self.attach(conversation_id, last_seq, subscriber)
        return subscriber

    def visitor_is_typing(self, conversation_id: str, within_s: float = 5.0) -> bool:
        channel = self._channels.get(conversation_id)
        return channel is not None and time.monotonic() - channel.visitor_typing_at < within_s

    def attached(self, conversation_id: str) -> bool:
        """Whether this process has a connection on the conversation or is producing its reply."""
        channel = self._channels.get(conversation_id)
        return channel is not None and (bool(channel.subscribers) or channel.worker is not None)

    def replays_from_memory(self, conversation_id: str, after_seq: int) -> bool:
        """Whether a connection attaching from `after_seq` gets everything it missed from this
        process's memory, without reading the outbox (which may be away)."""
        channel = self._channels.get(conversation_id)
        return channel is not None and min(after_seq, channel.seq) + 1 >= _first_in_memory(channel)

    def status_of(self, conversation_id: str) -> ChatStatus | None:
        channel = self._channels.get(conversation_id)
        return None if channel is None else chat_status(channel.status)

    @property
    def live_channels(self) -> int:
        return len(self._channels)

    async def idle(self) -> None:
        """Wait until no reply is being produced and every event is stored (tests, shutdown)."""
        while any(c.worker is not None for c in self._channels.values()):
            await asyncio.gather(*[c.worker for c in self._channels.values() if c.worker is not None])
        await self._outbox.flushed()

    # -- internals ---------------------------------------------------------------------------

    async def _publish(self, channel: _Channel, model: type[SequencedEvent], **fields: Any) -> int:
        if self._bus is None:
            return self._publish_here(channel, model, **fields)
        cid = channel.conversation.id
        async with channel.publishing:
            seq, payload = await self._outbox.append_now(
                cid, lambda seq: model(seq=seq, **fields).model_dump(mode="json")
            )
            await self._deliver(channel, seq, _encode(payload))
        await self._bus.publish(_TOPIC, {"conversation_id": cid, "seq": seq, "event": payload})
        return seq

    def _publish_here(self, channel: _Channel, model: type[SequencedEvent], **fields: Any) -> int:
        """One replica: the seq is the channel's next, the outbox stores it in the next batch."""
        channel.seq += 1
        event = model(seq=channel.seq, **fields)
        payload = event.model_dump(mode="json")
        frame = _encode(payload)
        cid = channel.conversation.id
        channel.events.append((channel.seq, frame))
        self._outbox.add(cid, channel.seq, payload)
        self._trim(channel)
        for subscriber in channel.subscribers:
            subscriber.push(channel.seq, frame)
        channel.touched = time.monotonic()
        return channel.seq

    # -- several replicas ----------------------------------------------------------------------

    async def _deliver(
        self, channel: _Channel, seq: int, frame: str, announced: dict[str, Any] | None = None
    ) -> None:
        """Deliver a stored event to this replica's connections in seq order, reading from the
        outbox whatever came before it and has not been seen here yet. `announced`: the event's
        payload when another replica stored it (this replica then follows what it changed)."""
        async with channel.delivering:
            if seq <= channel.seq:
                return  # seen already (read while filling a gap)
            if seq > channel.seq + 1:
                for payload in await self._outbox.read_after(channel.conversation.id, channel.seq):
                    stored = int(payload["seq"])
                    if stored >= seq:
                        break
                    self._append(channel, stored, _encode(payload), payload)
            self._append(channel, seq, frame, announced)

    def _append(self, channel: _Channel, seq: int, frame: str, payload: dict[str, Any] | None = None) -> None:
        channel.seq = seq
        channel.events.append((seq, frame))
        self._outbox.stored(channel.conversation.id, seq)
        self._trim(channel)
        for subscriber in channel.subscribers:
            subscriber.push(seq, frame)
        channel.touched = time.monotonic()
        if payload is not None:
            self._follow(channel, payload)

    def _follow(self, channel: _Channel, payload: dict[str, Any]) -> None:
        """Keep this replica's view of a conversation another replica added `payload` to."""
        channel.stale = True
        if payload.get("type") == "status" and payload.get("status") in _STATUS_OF:
            channel.status = _STATUS_OF[payload["status"]]
        elif payload.get("type") == "visitor.message" and payload.get("client_id"):
            channel.client_ids[str(payload["client_id"])] = None

    async def _on_announced(self, message: dict[str, Any]) -> None:
        """Another replica stored an event: deliver it here if a connection here follows it."""
        cid = str(message.get("conversation_id", ""))
        payload = message.get("event")
        channel = self._channels.get(cid)
        if channel is None:
            self._conversations.forget(cid)  # a cached copy (the console's) is out of date
            return
        if isinstance(payload, dict) and isinstance(payload.get("seq"), int):
            await self._deliver(channel, payload["seq"], _encode(payload), payload)

    async def _catch_up(self) -> None:
        """After a Redis outage: what other replicas stored meanwhile, for the connections here."""
        for channel in list(self._channels.values()):
            async with channel.delivering:
                for stored in await self._outbox.read_after(channel.conversation.id, channel.seq):
                    self._append(channel, int(stored["seq"]), _encode(stored), stored)

    async def _refresh(self, channel: _Channel) -> None:
        """Reload a conversation another replica changed, before this one runs a turn in it."""
        if not channel.stale:
            return
        channel.stale = False
        cid = channel.conversation.id
        self._conversations.forget(cid)
        conversation = await self._conversations.get(cid)
        if conversation is not None:
            channel.conversation = conversation
            channel.status = conversation.status

    def _trim(self, channel: _Channel) -> None:
        durable = self._outbox.durable_seq(channel.conversation.id)
        while len(channel.events) > _MEMORY_KEEP and channel.events[0][0] <= durable:
            channel.events.popleft()

    async def _set_status(self, channel: _Channel, status: ConversationStatus) -> None:
        channel.status = status
        if channel.conversation.status is not status:
            # On the books too: another replica (or this one after a restart) reads it from there.
            await channel.conversation.set_status(status)
        detail = STATUS_DETAIL[status]
        if status is ConversationStatus.WAITING and self._waiting_detail is not None:
            detail = self._waiting_detail() or detail
        await self._publish(channel, StatusEvent, status=chat_status(status), detail=detail)

    async def _channel(self, conversation_id: str) -> _Channel:
        channel = self._channels.get(conversation_id)
        if channel is not None:
            return channel
        pending = self._loading.get(conversation_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[_Channel] = asyncio.get_running_loop().create_future()
        self._loading[conversation_id] = future
        try:
            conversation = await self._conversations.get(conversation_id)
            if conversation is None or conversation.channel != "chat":
                raise ChatRefused("unknown_conversation", "this conversation does not exist")
            head_seq = await self._outbox.head_seq(conversation_id)
            channel = _Channel(conversation, head_seq=head_seq)
            # Read from the database, so stored: without this a channel read back and left
            # unchanged never counted as stored and stayed in memory for good.
            self._outbox.stored(conversation_id, head_seq)
            # Recent history in memory, so a resume right after a restart needs no second read.
            self._channels[conversation_id] = channel
            future.set_result(channel)
            return channel
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            del self._loading[conversation_id]

    def _ensure_worker(self, channel: _Channel) -> None:
        if channel.worker is None:
            channel.worker = asyncio.create_task(self._work(channel), name=f"chat-{channel.conversation.id}")

    async def _work(self, channel: _Channel) -> None:
        try:
            while channel.inbox:
                item = channel.inbox.popleft()
                try:
                    if item is None:
                        await self._reply(channel, channel.conversation.greet(), in_reply_to=None)
                    elif callable(item):
                        await self._reply(channel, item(), in_reply_to=None)
                    else:
                        await self._handle_visitor_text(channel, *item)
                except asyncio.CancelledError:
                    raise
                except Exception:  # storing a turn failed; the visitor must not wait in silence
                    log.exception("chat: turn failed", conversation_id=channel.conversation.id)
                    await self._publish(
                        channel,
                        BotFinal,
                        reply_id=_reply_id(),
                        text=APOLOGY,
                        in_reply_to=item[1] if isinstance(item, tuple) else None,
                    )
        finally:
            channel.worker = None
            channel.touched = time.monotonic()

    async def _handle_visitor_text(self, channel: _Channel, text: str, client_id: str | None) -> None:
        await self._refresh(channel)
        turn = UserTurn(text=text, channel="chat", meta={"client_id": client_id} if client_id else {})
        if channel.status.with_person:
            # A person has the conversation: the turn is stored for staff and the bot stays quiet.
            await channel.conversation.user_turn(turn).finish()
            return
        await self._reply(channel, channel.conversation.user_turn(turn), in_reply_to=client_id)

    async def _reply(self, channel: _Channel, reply: Reply, in_reply_to: str | None) -> None:
        reply_id = _reply_id()
        text = ""
        try:
            async for delta in reply:
                piece = delta.strip()
                if not piece:
                    continue
                # Deltas carry their separating space: concatenated deltas equal the final text.
                piece = (" " + piece) if text else piece
                text += piece
                await self._publish(channel, BotDelta, reply_id=reply_id, text=piece)
        except Exception as exc:
            # The visitor still gets a closed reply, never a bubble that streams forever.
            log.exception("chat: reply failed", conversation_id=channel.conversation.id)
            # An audit failure surfaces when the turn is stored, after the whole reply went out;
            # what had to be on record first the agent waited for (and apologised for itself).
            # As on a call: the reply was delivered, only its bookkeeping failed, say nothing more.
            if not (isinstance(exc, AuditWriteError) and text):
                piece = (" " + APOLOGY) if text else APOLOGY
                text += piece
                await self._publish(channel, BotDelta, reply_id=reply_id, text=piece)
        await self._publish(channel, BotFinal, reply_id=reply_id, text=text, in_reply_to=in_reply_to)
        outcome = reply.outcome
        if isinstance(outcome, Handoff) and channel.status is ConversationStatus.ACTIVE:
            await self._set_status(channel, ConversationStatus.WAITING)
        elif isinstance(outcome, EndConversation):
            await channel.conversation.close(outcome.reason)
            await self._set_status(channel, ConversationStatus.CLOSED)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self._evict_after_s / 2))
            self.sweep()

    def sweep(self, idle_s: float | None = None, closed_s: float = _CLOSED_KEEP_S) -> int:
        """Drop channels with nothing attached, nothing being produced or published and nothing
        unsent, idle for `idle_s` (default `evict_after_s`), or for `closed_s` once closed; they
        reload from the database on demand. A closed chat gets no new events, at most a visitor
        reading it again: kept to the idle limit, the closed chats of the last ten minutes were
        most of the hub's memory at a busy hour (bench/soak.py --tracemalloc)."""
        limit = self._evict_after_s if idle_s is None else idle_s
        now = time.monotonic()
        dropped = 0
        for cid, channel in list(self._channels.items()):
            closed = channel.status is ConversationStatus.CLOSED
            if (
                not channel.subscribers
                and channel.worker is None
                and not channel.publishing.locked()
                and not channel.delivering.locked()
                and now - channel.touched >= (min(limit, closed_s) if closed else limit)
                and self._outbox.durable_seq(cid) >= channel.seq
            ):
                del self._channels[cid]
                self._outbox.forget(cid)
                self._conversations.forget(cid)
                dropped += 1
        return dropped


def _first_in_memory(channel: _Channel) -> int:
    return channel.events[0][0] if channel.events else channel.seq + 1


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _reply_id() -> str:
    return uuid.uuid4().hex[:16]


def _display_name(email: str) -> str:
    """What the visitor sees for a staff member: the name part of the address, not the address."""
    local = email.split("@", 1)[0]
    words = [w for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return " ".join(w.capitalize() for w in words) or "Staff"
