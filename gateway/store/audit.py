"""The append-only, hash-chained audit log.

Appends are group-committed: callers enqueue an event and await its future; one writer task per
process (a `BatchQueue`) takes everything queued, locks the chains' head rows (FOR UPDATE on
PostgreSQL; SQLite has one writer anyway), assigns gap-free sequence numbers, inserts and commits
in one transaction.
Many conversations' events share one commit, which is what keeps audit off a call's critical path.
Events queued without a waiter (`record`/`emit`: a turn's agent steps) are held until someone
waits (`append`, `flush` at the end of the turn) or for at most `_HOLD_S`, so a turn's events go
in one commit instead of one per step.
A failed commit fails every waiting append with the error: nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from gateway.logging import get_logger
from gateway.store.audit_chain import GENESIS_HASH, chain_hash, event_body, normalise_payload
from gateway.store.audit_verify import VerifyResult, verify_chains
from gateway.store.batch_queue import BatchQueue
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, AuditHeadRow

log = get_logger(__name__)

SYSTEM_CHAIN = "system"
_UPDATE_HEAD = (
    update(AuditHeadRow.__table__)
    .where(AuditHeadRow.__table__.c.conversation_id == bindparam("b_chain"))
    .values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
)
_MAX_BATCH = 500
_MAX_ATTEMPTS = 5
_KNOWN_HEADS_MAX = 100_000
_HOLD_S = 0.1  # longest an event queued without a waiter waits for one before being committed


class AuditWriteError(Exception):
    """An audit event could not be stored."""


@dataclass(frozen=True)
class StoredEvent:
    conversation_id: str
    seq: int
    ts: datetime
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        body = event_body(self.conversation_id, self.seq, self.ts, self.kind, self.actor, self.payload)
        return {**body, "prev_hash": self.prev_hash, "hash": self.hash}


@dataclass
class _Pending:
    conversation_id: str
    kind: str
    actor: str
    payload: dict[str, Any]
    future: asyncio.Future[StoredEvent]


# (seconds the batch's commit took, events in it, stored) after each commit or failure: metrics.
CommitObserver = Callable[[float, int, bool], None]


class AuditLog:
    def __init__(self, db: Database, *, on_commit: CommitObserver | None = None) -> None:
        self.db = db
        self._on_commit = on_commit
        # Events queued without a waiter linger up to _HOLD_S; `hurry` (someone waits) ends that.
        self._batches = BatchQueue("audit-writer", self._store, max_batch=_MAX_BATCH, linger_s=_HOLD_S)
        self._unflushed: dict[str, set[asyncio.Future[StoredEvent]]] = {}
        self._known_heads: set[str] = set()  # chains whose head row exists (committed)

    # -- writing ---------------------------------------------------------------------------

    def record(
        self, conversation_id: str, kind: str, actor: str, payload: dict[str, Any] | None = None
    ) -> asyncio.Future[StoredEvent]:
        """Queue an event without waiting for its commit; `flush` reports whether it was stored.

        Events keep their order: sequence numbers follow the order of `record`/`append` calls.
        """
        try:
            normalised = normalise_payload(payload or {})
        except (TypeError, ValueError) as exc:
            raise AuditWriteError(f"audit payload is not JSON-serialisable: {exc}") from exc
        future: asyncio.Future[StoredEvent] = asyncio.get_running_loop().create_future()
        self._batches.put(_Pending(conversation_id, kind, actor, normalised, future))
        unflushed = self._unflushed.setdefault(conversation_id, set())
        unflushed.add(future)
        future.add_done_callback(lambda f: self._settled(conversation_id, f))
        return future

    def _settled(self, conversation_id: str, future: asyncio.Future[StoredEvent]) -> None:
        # Stored events need no flush; failed ones stay until a flush reports them.
        if not future.cancelled() and future.exception() is None:
            pending = self._unflushed.get(conversation_id)
            if pending is not None:
                pending.discard(future)
                if not pending:
                    del self._unflushed[conversation_id]

    async def append(
        self, conversation_id: str, kind: str, actor: str, payload: dict[str, Any] | None = None
    ) -> StoredEvent:
        """Append and wait until the event is committed (raises `AuditWriteError` if it is not)."""
        future = self.record(conversation_id, kind, actor, payload)
        self._batches.hurry()
        try:
            return await future
        finally:
            self._unflushed.get(conversation_id, set()).discard(future)

    async def emit(self, conversation_id: str, kind: str, actor: str, payload: dict[str, Any]) -> None:
        """`agents.events.AuditSink`: queue the event; the conversation's `flush` at the end of the
        turn raises if it could not be stored. Keeps a turn's many agent steps in one commit."""
        self.record(conversation_id, kind, actor, payload)

    async def flush(self, conversation_id: str | None = None) -> None:
        """Wait for queued events (of one conversation, or all) and raise the first failure."""
        chains = [conversation_id] if conversation_id is not None else list(self._unflushed)
        futures = [f for c in chains for f in self._unflushed.pop(c, set())]
        if not futures:
            return
        self._batches.hurry()
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result if isinstance(result, AuditWriteError) else AuditWriteError(str(result))

    async def close(self) -> None:
        """Store every queued event, then stop the writer."""
        await self._batches.stop()

    async def _store(self, batch: list[_Pending]) -> None:
        started = time.monotonic()
        try:
            stored = await self._commit_with_retry(batch)
        except Exception as exc:  # report to every waiter, never drop
            self._committed(started, len(batch), stored=False)
            # The operator's signal that the audit store refuses writes (callers are then
            # offered transfers): counts and the error's type only, its text may hold values.
            chains = len({p.conversation_id for p in batch})
            log.error("audit write failed", events=len(batch), chains=chains, error=type(exc).__name__)
            error = exc if isinstance(exc, AuditWriteError) else AuditWriteError(str(exc))
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(error)
        else:
            self._committed(started, len(batch), stored=True)
            for p, event in zip(batch, stored, strict=True):
                if not p.future.done():
                    p.future.set_result(event)

    def _committed(self, started: float, events: int, *, stored: bool) -> None:
        if self._on_commit is not None:
            self._on_commit(time.monotonic() - started, events, stored)

    async def _commit_with_retry(self, batch: list[_Pending]) -> list[StoredEvent]:
        for attempt in range(_MAX_ATTEMPTS):
            try:
                return await self._commit(batch)
            except IntegrityError:
                # Another process appended to one of these chains first; re-read heads.
                if attempt == _MAX_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _commit(self, batch: list[_Pending]) -> list[StoredEvent]:
        chains = sorted({p.conversation_id for p in batch})
        # Head rows are never deleted, so a chain seen before needs no insert-if-missing.
        new_chains = [c for c in chains if c not in self._known_heads]
        stored = await self.db.run_write(lambda conn: self._commit_in(conn, batch, chains, new_chains))
        if len(self._known_heads) > _KNOWN_HEADS_MAX:
            self._known_heads.clear()
        self._known_heads.update(chains)
        return stored

    def _commit_in(
        self, conn: Connection, batch: list[_Pending], chains: list[str], new_chains: list[str]
    ) -> list[StoredEvent]:
        """The transaction's statements (on SQLite, on the database's writer thread)."""
        if new_chains:
            self._insert_heads(conn, new_chains)
        query = select(AuditHeadRow.conversation_id, AuditHeadRow.seq, AuditHeadRow.hash).where(
            AuditHeadRow.conversation_id.in_(chains)
        )
        if not self.db.is_sqlite:
            query = query.order_by(AuditHeadRow.conversation_id).with_for_update()
        heads = {c: (seq, digest) for c, seq, digest in conn.execute(query)}
        if len(heads) < len(chains):  # a head row removed behind our back: recreate, as before
            self._insert_heads(conn, [c for c in chains if c not in heads])
            heads = {c: (seq, digest) for c, seq, digest in conn.execute(query)}
        stored: list[StoredEvent] = []
        rows: list[dict[str, Any]] = []
        for p in batch:
            seq, prev = heads[p.conversation_id]
            seq += 1
            ts = datetime.now(UTC)
            body = event_body(p.conversation_id, seq, ts, p.kind, p.actor, p.payload)
            digest = chain_hash(prev, body)
            heads[p.conversation_id] = (seq, digest)
            event = StoredEvent(p.conversation_id, seq, ts, p.kind, p.actor, p.payload, prev, digest)
            stored.append(event)
            rows.append(
                {
                    "conversation_id": event.conversation_id,
                    "seq": event.seq,
                    "ts": event.ts,
                    "kind": event.kind,
                    "actor": event.actor,
                    "payload": event.payload,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                }
            )
        conn.execute(AuditEventRow.__table__.insert(), rows)
        # All heads in one executemany: one statement per chain cost more than the inserts.
        conn.execute(
            _UPDATE_HEAD,
            [{"b_chain": chain, "b_seq": seq, "b_hash": digest} for chain, (seq, digest) in heads.items()],
        )
        return stored

    def _insert_heads(self, conn: Connection, chains: list[str]) -> None:
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        conn.execute(
            insert(AuditHeadRow)
            .values([{"conversation_id": c, "seq": 0, "hash": GENESIS_HASH} for c in chains])
            .on_conflict_do_nothing(index_elements=["conversation_id"])
        )

    # -- reading ---------------------------------------------------------------------------

    async def events(self, conversation_id: str) -> list[StoredEvent]:
        async with self.db.session() as session:
            result = await session.execute(
                select(AuditEventRow)
                .where(AuditEventRow.conversation_id == conversation_id)
                .order_by(AuditEventRow.seq)
            )
            return [_to_event(r) for r in result.scalars()]

    async def export(self, conversation_id: str) -> list[dict[str, Any]]:
        return [e.as_dict() for e in await self.events(conversation_id)]

    async def verify(self, conversation_id: str | None = None) -> VerifyResult:
        return await verify_chains(self.db, conversation_id)


def _to_event(row: AuditEventRow) -> StoredEvent:
    return StoredEvent(
        row.conversation_id, row.seq, row.ts, row.kind, row.actor, row.payload, row.prev_hash, row.hash
    )


__all__ = ["SYSTEM_CHAIN", "AuditLog", "AuditWriteError", "StoredEvent"]
