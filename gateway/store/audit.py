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

With a spool (`AuditSpool`, a serving gateway's data directory) a batch the database cannot take
(it is away) is written to disk instead and acknowledged from there (`StoredEvent.spooled`);
what is spooled goes into the chains first, in order, as soon as the database answers (retried
every `_REPLAY_EVERY_S`) or the next gateway starts: gateway/store/audit_spool.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from gateway.logging import get_logger
from gateway.store.audit_chain import GENESIS_HASH, chain_hash, event_body, normalise_payload
from gateway.store.audit_spool import AuditSpool, SpooledEvent, SpoolFull
from gateway.store.audit_verify import VerifyResult, verify_chains
from gateway.store.batch_queue import BatchQueue
from gateway.store.db import Database, unreachable
from gateway.store.models import AuditEventRow, AuditHeadRow
from gateway.store.spool_block import refusal

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
_REPLAY_EVERY_S = 0.25  # while events are spooled: how often the database is tried again
SPOOL_KEY = "_spool_key"  # in the payload of an event that went through the spool


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
    # On disk in the spool, not yet in its chain (seq 0, no hashes): it will be, in this order.
    spooled: bool = False

    def as_dict(self) -> dict[str, Any]:
        body = event_body(self.conversation_id, self.seq, self.ts, self.kind, self.actor, self.payload)
        return {**body, "prev_hash": self.prev_hash, "hash": self.hash}


@dataclass
class _Pending:
    conversation_id: str
    kind: str
    actor: str
    payload: dict[str, Any]
    future: asyncio.Future[StoredEvent] | None = None
    ts: datetime | None = field(default=None)  # a spooled event keeps the time it was spooled
    attempt: tuple[int, str] | None = None  # a spooled event's place of a commit that may have landed


_REPLAY = _Pending("", "", "", {})  # queued to make the writer try the spool again


# (seconds the batch's commit took, events in it, stored) after each commit or failure: metrics.
CommitObserver = Callable[[float, int, bool], None]


class AuditLog:
    def __init__(
        self, db: Database, *, on_commit: CommitObserver | None = None, spool: AuditSpool | None = None
    ) -> None:
        self.db = db
        self._on_commit = on_commit
        self.spool = spool
        self._replaying: asyncio.Task[None] | None = None
        self._attempt: list[StoredEvent] = []  # the last batch's events as its commit placed them
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
        """Wait for queued events (of one conversation, or all) and raise the first failure. All:
        the spool is given a try too (it stays on disk if the database is still away)."""
        chains = [conversation_id] if conversation_id is not None else list(self._unflushed)
        futures = [f for c in chains for f in self._unflushed.pop(c, set())]
        if conversation_id is None:
            await self.replay_spool()
        if not futures:
            return
        self._batches.hurry()
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result if isinstance(result, AuditWriteError) else AuditWriteError(str(result))

    async def close(self) -> None:
        """Store every queued event (in the spool if the database is away), then stop the writer."""
        if self._replaying is not None:
            self._replaying.cancel()
            self._replaying = None
        await self._batches.stop()
        if self.spool is not None:
            if self.spool.pending:
                log.warning(
                    "audit events left in the spool for the next start", events=len(self.spool.pending)
                )
            self.spool.close()

    # -- the spool ---------------------------------------------------------------------------

    @property
    def spool_full(self) -> bool:
        return self.spool is not None and self.spool.full

    def spool_state(self) -> tuple[int, bool]:
        """(events waiting in the spool, whether it refuses more): metrics and /readyz."""
        return (0, False) if self.spool is None else (len(self.spool.pending), self.spool.full)

    async def replay_spool(self) -> bool:
        """Commit what the spool holds (a previous process's, at start); True when it is empty.
        Runs on the writer so that nothing newer is committed before it."""
        if self.spool is None or not self.spool.pending:
            return True
        self._batches.put(_REPLAY)
        self._batches.hurry()
        await self._batches.drain()
        return not self.spool.pending

    def _retry_spool_later(self) -> None:
        if self._replaying is None or self._replaying.done():
            self._replaying = asyncio.get_running_loop().create_task(self._nudge(), name="audit-spool-replay")

    async def _nudge(self) -> None:
        while self.spool is not None and self.spool.pending:
            await asyncio.sleep(_REPLAY_EVERY_S)  # back-off between attempts, not synchronisation
            self._batches.put(_REPLAY)
            self._batches.hurry()
            await self._batches.drain()

    async def _replay(self) -> bool:
        """Try once to move the spool into the chains; True when it is empty."""
        assert self.spool is not None
        spooled = list(self.spool.pending)
        tried = (0, min(len(spooled), _MAX_BATCH))  # the events of the transaction being tried
        try:
            for start in range(0, len(spooled), _MAX_BATCH):
                chunk = spooled[start : start + _MAX_BATCH]
                tried = (start, start + len(chunk))
                await self._commit_with_retry([_replayed(e) for e in chunk], skip_applied=True)
        except Exception as exc:
            if not unreachable(exc):
                log.error("audit spool replay failed", events=len(spooled), error=type(exc).__name__)
                # Retried, but it blocks everything behind it: on file for `frontdesk spool show`.
                refused = await self._refused_event(spooled, tried, exc)
                await asyncio.to_thread(self.spool.note_refused, refused, tried, exc)
            return False
        await asyncio.to_thread(self.spool.clear)
        log.info("audit spool replayed into the chains", events=len(spooled))
        return True

    async def _refused_event(
        self, spooled: list[SpooledEvent], tried: tuple[int, int], exc: Exception
    ) -> int | None:
        """Which event of the refused batch the database refuses (its events go in one statement):
        the one found before for the same refusal, else found by committing them one at a time, in
        order; those before it go into their chains (the next replay skips them by key). None
        when the database went away meanwhile, or took each alone."""
        assert self.spool is not None
        known, now = self.spool.blocked, refusal(None, (tried[0] + 1, tried[1]), exc)
        if known is not None and known.line is not None and known.same_refusal(replace(now, line=known.line)):
            return known.line - 1
        for n in range(*tried):
            try:
                await self._commit_with_retry([_replayed(spooled[n])], skip_applied=True)
            except Exception as one:
                return None if unreachable(one) else n
        return None

    async def _to_spool(self, batch: list[_Pending], placed: list[StoredEvent] | None = None) -> None:
        """The database is away: put the batch on disk and acknowledge it from there. `placed`:
        the events as a commit that may have landed put them (seq, hash)."""
        assert self.spool is not None
        ts = datetime.now(UTC)
        keys = [uuid.uuid4().hex for _ in batch]
        attempts: list[tuple[int, str] | None] = (
            [(e.seq, e.hash) for e in placed] if placed is not None else [None] * len(batch)
        )
        events = [
            SpooledEvent(key, p.conversation_id, ts, p.kind, p.actor, {**p.payload, SPOOL_KEY: key}, attempt)
            for key, p, attempt in zip(keys, batch, attempts, strict=True)
        ]
        try:
            await asyncio.to_thread(self.spool.append, events)
        except (SpoolFull, OSError) as exc:
            self._committed(time.monotonic(), len(batch), stored=False)
            log.error("audit spool refused a batch", events=len(batch), error=type(exc).__name__)
            error = AuditWriteError(f"the database is away and the audit spool refused the events: {exc}")
            for p in batch:
                if p.future is not None and not p.future.done():
                    p.future.set_exception(error)
        else:
            for p, e in zip(batch, events, strict=True):
                if p.future is not None and not p.future.done():
                    p.future.set_result(
                        StoredEvent(
                            e.conversation_id, 0, ts, e.kind, e.actor, e.payload, "", "", spooled=True
                        )
                    )
        self._retry_spool_later()

    async def _store(self, batch: list[_Pending]) -> None:
        if self.spool is not None and self.spool.pending:
            if not await self._replay():  # still away: newer events go behind the spooled ones
                waiting = [p for p in batch if p is not _REPLAY]
                if waiting:
                    await self._to_spool(waiting)
                else:
                    self._retry_spool_later()
                return
        batch = [p for p in batch if p is not _REPLAY]
        if not batch:
            return
        started = time.monotonic()
        self._attempt = []
        try:
            stored = await self._commit_with_retry(batch)
        except Exception as exc:  # report to every waiter, never drop
            if self.spool is not None and unreachable(exc):
                # The connection failed: perhaps after the database had committed (its answer lost).
                placed = self._attempt if len(self._attempt) == len(batch) else None
                await self._to_spool(batch, placed)
                return
            self._committed(started, len(batch), stored=False)
            # The operator's signal that the audit store refuses writes (callers are then
            # offered transfers): counts and the error's type only, its text may hold values.
            chains = len({p.conversation_id for p in batch})
            log.error("audit write failed", events=len(batch), chains=chains, error=type(exc).__name__)
            error = exc if isinstance(exc, AuditWriteError) else AuditWriteError(str(exc))
            for p in batch:
                if p.future is not None and not p.future.done():
                    p.future.set_exception(error)
        else:
            self._committed(started, len(batch), stored=True)
            if self.spool is not None and self.spool.refused and not self.spool.pending:
                self.spool.refused = False  # it refused one batch alone, the database takes them again
            for p, event in zip(batch, stored, strict=True):
                if p.future is not None and not p.future.done():
                    p.future.set_result(event)

    def _committed(self, started: float, events: int, *, stored: bool) -> None:
        if self._on_commit is not None:
            self._on_commit(time.monotonic() - started, events, stored)

    async def _commit_with_retry(
        self, batch: list[_Pending], skip_applied: bool = False
    ) -> list[StoredEvent]:
        for attempt in range(_MAX_ATTEMPTS):
            try:
                return await self._commit(batch, skip_applied)
            except IntegrityError:
                # Another process appended to one of these chains first; re-read heads.
                if attempt == _MAX_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _commit(self, batch: list[_Pending], skip_applied: bool = False) -> list[StoredEvent]:
        chains = sorted({p.conversation_id for p in batch})
        # Head rows are never deleted, so a chain seen before needs no insert-if-missing.
        new_chains = [c for c in chains if c not in self._known_heads]

        def write(conn: Connection) -> list[StoredEvent]:
            todo = self._not_applied(conn, batch) if skip_applied else batch
            return self._commit_in(conn, todo, chains, new_chains) if todo else []

        # With a spool the writer does not wait for the database: the events go to disk instead.
        ride_through_s = 0.0 if self.spool is not None else None
        stored = await self.db.run_write(write, ride_through_s=ride_through_s)
        if len(self._known_heads) > _KNOWN_HEADS_MAX:
            self._known_heads.clear()
        self._known_heads.update(chains)
        return stored

    @staticmethod
    def _not_applied(conn: Connection, batch: list[_Pending]) -> list[_Pending]:
        """Spooled events a replay cut short has not committed yet: each chain's events since the
        spool time are read, and those whose key is among them skipped."""
        since: dict[str, datetime] = {}
        for p in batch:
            if p.ts is not None:
                since[p.conversation_id] = min(p.ts, since.get(p.conversation_id, p.ts))
        applied: set[str] = set()
        for chain, ts in since.items():
            rows = conn.execute(
                select(AuditEventRow.payload).where(
                    AuditEventRow.conversation_id == chain, AuditEventRow.ts >= ts
                )
            )
            applied.update(str(payload.get(SPOOL_KEY)) for (payload,) in rows if payload.get(SPOOL_KEY))
        landed: set[tuple[str, int]] = set()
        for p in batch:
            if p.attempt is not None:
                seq, digest = p.attempt
                found = conn.execute(
                    select(AuditEventRow.hash).where(
                        AuditEventRow.conversation_id == p.conversation_id, AuditEventRow.seq == seq
                    )
                ).scalar()
                if found == digest:  # the ambiguous commit did land: this very event is there
                    landed.add((p.conversation_id, seq))
        return [
            p
            for p in batch
            if p.payload.get(SPOOL_KEY) not in applied
            and (p.attempt is None or (p.conversation_id, p.attempt[0]) not in landed)
        ]

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
            ts = p.ts or datetime.now(UTC)
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
        self._attempt = stored  # where they go, should the commit's answer be lost
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


def _replayed(e: SpooledEvent) -> _Pending:
    return _Pending(e.conversation_id, e.kind, e.actor, e.payload, None, e.ts, e.attempt)


def _to_event(row: AuditEventRow) -> StoredEvent:
    return StoredEvent(
        row.conversation_id, row.seq, row.ts, row.kind, row.actor, row.payload, row.prev_hash, row.hash
    )


__all__ = ["SYSTEM_CHAIN", "AuditLog", "AuditWriteError", "StoredEvent"]
