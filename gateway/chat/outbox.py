"""The chat outbox: every sequenced server event, stored so a reconnecting client can be replayed.

Writes are batched: `add()` only queues; one background task (a `BatchQueue`) inserts whatever
accumulated in a single executemany every `flush_interval_s` (a few ms), so a thousand chatting
sessions cost a handful of SQLite transactions a second, not one per event. Until a row is
durable the hub keeps it in memory, so replay never depends on the flush having happened.

A commit whose answer is lost with the connection (the database committed, the client cannot
know) is retried by the ride-through. The events it stored are recognised by their seq and
payload, exactly as sent, and not stored again: a batch's retry inserts only the rest, and
`append_now` returns the seq its earlier attempt took instead of taking the next one for the same
event (a visitor would see it twice).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from gateway.logging import get_logger
from gateway.store.batch_queue import BatchQueue
from gateway.store.db import Database, unreachable
from gateway.store.models import ChatMessageRow, utcnow
from gateway.store.row_spool import SpooledRow
from gateway.store.turn_replay import CHAT_EVENT

log = get_logger(__name__)

_INSERT = insert(ChatMessageRow)
_CLASH_RETRIES = 20  # replicas racing for a conversation's next seq; each try costs one insert
_GIVE_UP_AT_STOP = 3  # failed writes of one batch after which shutdown stops retrying


@dataclass(frozen=True, slots=True)
class _Event:
    conversation_id: str
    seq: int
    payload: dict[str, Any]
    created_at: datetime


class Outbox:
    def __init__(
        self,
        db: Database,
        flush_interval_s: float = 0.05,
        max_batch: int = 2000,
        spill: Callable[[list[SpooledRow]], Awaitable[None]] | None = None,
    ) -> None:
        """`spill`: where a batch goes when the database is away (the turn writer's spool, a
        serving gateway's: `GroupCommitter.spool_rows`); without, it is retried in memory."""
        self._db = db
        self._spill = spill
        # The events of one burst join a batch: the first waits `flush_interval_s` for the rest.
        self._batches = BatchQueue("chat-outbox", self._store, max_batch=max_batch, linger_s=flush_interval_s)
        self._durable: dict[str, int] = {}
        self._lost = 0  # events given up at shutdown (the database was down)

    def start(self) -> None:
        self._batches.start()

    async def stop(self) -> None:
        await self._batches.stop()
        if self._lost:  # the writer gave up (database down): say what is lost
            log.error("chat outbox: events not stored at shutdown", events=self._lost)

    def add(self, conversation_id: str, seq: int, payload: dict[str, Any]) -> None:
        self._batches.put(_Event(conversation_id, seq, payload, utcnow()))

    async def append_now(
        self, conversation_id: str, make_payload: Callable[[int], dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        """Store one event now under the conversation's next seq, taken by the database in the
        same transaction (several replicas: whoever inserts a seq first has it, the other takes
        the next). Returns the seq and the payload `make_payload(seq)` built. Raises when the
        database refuses: the caller has nothing to deliver then."""
        head = select(func.max(ChatMessageRow.seq)).where(ChatMessageRow.conversation_id == conversation_id)

        def insert_next(conn: Connection) -> tuple[int, dict[str, Any]]:
            seq = int(conn.scalar(head) or 0) + 1
            payload = make_payload(seq)
            row = {"conversation_id": conversation_id, "seq": seq, "payload": payload, "created_at": utcnow()}
            conn.execute(_INSERT, [row])
            return seq, _json(payload)  # as the database gives it back

        tried: list[tuple[int, dict[str, Any]]] = []  # this event's attempts, should one have landed

        def insert_once(conn: Connection) -> tuple[int, dict[str, Any]]:
            for seq, payload in tried:
                if _stored_as(conn, conversation_id, seq) == payload:
                    return seq, payload
            seq, payload = insert_next(conn)
            tried.append((seq, payload))
            return seq, payload

        for attempt in range(_CLASH_RETRIES):
            try:
                seq, payload = await self._db.run_write(insert_once)
            except IntegrityError:  # another replica took that seq a moment ago
                if attempt == _CLASH_RETRIES - 1:
                    raise
                continue
            self.stored(conversation_id, seq)
            return seq, payload
        raise AssertionError("unreachable")

    def stored(self, conversation_id: str, seq: int) -> None:
        """`seq` of the conversation is in the database (stored here or by another replica)."""
        if seq > self._durable.get(conversation_id, 0):
            self._durable[conversation_id] = seq

    def durable_seq(self, conversation_id: str) -> int:
        return self._durable.get(conversation_id, 0)

    def forget(self, conversation_id: str) -> None:
        self._durable.pop(conversation_id, None)

    async def flushed(self) -> None:
        """Wait until everything added so far is stored."""
        await self._batches.drain()

    async def _store(self, batch: list[_Event]) -> None:
        """Store one batch, retrying while the database refuses (the hub keeps the events in
        memory meanwhile); at shutdown, after a few failures, count them lost instead."""
        rows = [
            {
                "conversation_id": e.conversation_id,
                "seq": e.seq,
                "payload": e.payload,
                "created_at": e.created_at,
            }
            for e in batch
        ]
        failures = 0
        taken: list[_Event] = []
        checking = False  # after an IntegrityError: some of the rows may be in already

        def insert(conn: Connection) -> None:
            if checking:
                taken[:] = _insert_missing(conn, batch)
            else:
                conn.execute(_INSERT, rows)

        while not (self._lost and self._batches.stopping):  # gave up already: do not wait again
            try:
                # With somewhere to spill to, no waiting out the ride-through: to disk at once.
                await self._db.run_write(insert, ride_through_s=0.0 if self._spill is not None else None)
            except Exception as exc:
                if isinstance(exc, IntegrityError) and not checking:
                    # A retried commit that had landed (or part of it): insert only what is not in.
                    checking = True
                    continue
                if self._spill is not None and unreachable(exc) and await self._spilled(rows):
                    self._now_durable(batch)  # on disk: stored once the database answers
                    return
                failures += 1
                log.exception("chat outbox: write failed", events=len(rows), attempt=failures)
                if self._batches.stopping and failures >= _GIVE_UP_AT_STOP:
                    break
                await asyncio.sleep(min(2.0, 0.05 * 2**failures))
                continue
            if taken:  # another event under the same seq (a bug): these cannot be stored
                log.error("chat outbox: seqs held by other events", events=len(taken))
            self._now_durable(batch)
            return
        self._lost += len(batch)

    def _now_durable(self, batch: list[_Event]) -> None:
        for e in batch:
            if e.seq > self._durable.get(e.conversation_id, 0):
                self._durable[e.conversation_id] = e.seq

    async def _spilled(self, rows: list[dict[str, Any]]) -> bool:
        assert self._spill is not None
        try:
            await self._spill([SpooledRow(CHAT_EVENT, row) for row in rows])
        except Exception as exc:  # full or unwritable: retried in memory, as without a spool
            log.warning("chat outbox: the spool refused a batch", events=len(rows), error=type(exc).__name__)
            return False
        return True

    async def read_after(
        self, conversation_id: str, after_seq: int, limit: int = 1000
    ) -> list[dict[str, Any]]:
        async with self._db.session() as session:
            result = await session.execute(
                select(ChatMessageRow.payload)
                .where(ChatMessageRow.conversation_id == conversation_id, ChatMessageRow.seq > after_seq)
                .order_by(ChatMessageRow.seq)
                .limit(limit)
            )
            return [row[0] for row in result]

    async def head_seq(self, conversation_id: str) -> int:
        async with self._db.session() as session:
            value = await session.scalar(
                select(func.max(ChatMessageRow.seq)).where(ChatMessageRow.conversation_id == conversation_id)
            )
        return int(value or 0)


def _insert_missing(conn: Connection, batch: list[_Event]) -> list[_Event]:
    """Insert the events of `batch` not stored yet; those stored as they are are left alone.
    Returns those whose seq holds another event (one replica numbering them: never)."""
    fresh: list[dict[str, Any]] = []
    taken: list[_Event] = []
    for e in batch:
        stored = _stored_as(conn, e.conversation_id, e.seq)
        if stored is None:
            row = {"conversation_id": e.conversation_id, "seq": e.seq, "payload": e.payload}
            fresh.append({**row, "created_at": e.created_at})
        elif stored != _json(e.payload):
            taken.append(e)
    if fresh:
        conn.execute(_INSERT, fresh)
    return taken


def _stored_as(conn: Connection, conversation_id: str, seq: int) -> dict[str, Any] | None:
    """The payload stored under the conversation's `seq`, if any."""
    stored = conn.scalar(
        select(ChatMessageRow.payload).where(
            ChatMessageRow.conversation_id == conversation_id, ChatMessageRow.seq == seq
        )
    )
    return None if stored is None else dict(stored)


def _json(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` as the database gives it back (JSON has no tuples, keys are strings)."""
    return dict(json.loads(json.dumps(payload)))
