"""The chat outbox: every sequenced server event, stored so a reconnecting client can be replayed.

Writes are batched: `add()` only queues; one background task inserts whatever accumulated in a
single executemany every `flush_interval_s` (a few ms), so a thousand chatting sessions cost a
handful of SQLite transactions a second, not one per event. Until a row is durable the hub keeps
it in memory, so replay never depends on the flush having happened.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.db import Database
from gateway.store.models import Base, utcnow

log = logging.getLogger(__name__)


class ChatMessageRow(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_chat_messages_conversation_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


_INSERT = ChatMessageRow.__table__.insert()


class Outbox:
    def __init__(self, db: Database, flush_interval_s: float = 0.05, max_batch: int = 2000) -> None:
        self._db = db
        self._interval = flush_interval_s
        self._max_batch = max_batch
        self._pending: list[dict[str, Any]] = []
        self._durable: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="chat-outbox")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._pending:  # the writer gave up (database down): say what is lost
            log.error("chat outbox: %d events not stored at shutdown", len(self._pending))

    def add(self, conversation_id: str, seq: int, payload: dict[str, Any]) -> None:
        self._pending.append(
            {"conversation_id": conversation_id, "seq": seq, "payload": payload, "created_at": utcnow()}
        )
        self._idle.clear()
        self._wake.set()

    def durable_seq(self, conversation_id: str) -> int:
        return self._durable.get(conversation_id, 0)

    def forget(self, conversation_id: str) -> None:
        self._durable.pop(conversation_id, None)

    async def flushed(self) -> None:
        """Wait until everything added so far is stored."""
        await self._idle.wait()

    async def _run(self) -> None:
        failures = 0
        while True:
            if not self._pending:
                self._idle.set()
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                # Let the events of the same burst join this batch.
                if not self._stopping:
                    await asyncio.sleep(self._interval)
            batch = self._pending[: self._max_batch]
            if not batch:  # woken to stop with nothing left (an empty insert would add a blank row)
                continue
            try:
                await self._write(batch)
            except Exception:
                failures += 1
                log.exception("chat outbox: write of %d events failed (attempt %d)", len(batch), failures)
                if self._stopping and failures >= 3:
                    return
                await asyncio.sleep(min(2.0, 0.05 * 2**failures))
                continue
            failures = 0
            del self._pending[: len(batch)]
            for row in batch:
                cid = row["conversation_id"]
                if row["seq"] > self._durable.get(cid, 0):
                    self._durable[cid] = row["seq"]

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        rows = list(batch)  # the writer thread must not see `_pending` change under it
        await self._db.run_write(lambda conn: conn.execute(_INSERT, rows))

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
