"""Group commit for small row writes from many conversations (transcript turns, agent state).

Each turn of each conversation writes a row or two. In its own transaction that costs about
1.5 ms of CPU (session, begin, execute, commit through SQLAlchemy and aiosqlite's thread) and, on
SQLite, makes connections queue for the single write lock. Here callers queue their writes and
await; one writer task per process (a `BatchQueue`) runs everything queued in one transaction, the rows of one
statement as one executemany, so a hundred concurrent turns cost one commit, not two hundred
(on SQLite, on the database's writer thread: see `Database.run_write`).

A caller's writes commit together or not at all. When a batch fails, each caller's writes are
retried alone, so one caller's constraint violation (another replica took its turn number) fails
only that caller, with the original exception; nothing is dropped silently.

With a spool (`RowSpool`, a serving gateway's data directory) a batch the database cannot take
(it is away) is written to disk instead and acknowledged from there, without waiting out the
ride-through; every write then names its `kind`, and `replay` says how each kind is stored again
without being stored twice (a turn already in is left alone). What is spooled is stored first, in
order, as soon as the database answers (retried every `_REPLAY_EVERY_S`) or the next gateway starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

from gateway.logging import get_logger
from gateway.store.batch_queue import BatchQueue
from gateway.store.db import Database, unreachable
from gateway.store.row_spool import RowSpool, SpooledRow
from gateway.store.spool_file import SpoolFull

log = get_logger(__name__)

_MAX_BATCH = 500
_REPLAY_EVERY_S = 0.25  # while rows are spooled: how often the database is tried again

# How a spooled write of one kind is stored again: idempotent (a replay cut short runs again).
Replay = Callable[[Connection, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Write:
    """One statement with its parameters. Reuse the same statement object for the same kind of
    write (a module-level constant): writes are grouped by statement identity into executemany,
    and every parameter set of one statement must name the same keys."""

    statement: Executable
    params: dict[str, Any]
    kind: str = ""  # with a spool: the name its replay goes by


@dataclass(slots=True)
class _Job:
    writes: tuple[Write, ...]
    future: asyncio.Future[None] = field(repr=False)


class GroupCommitter:
    def __init__(
        self,
        db: Database,
        max_batch: int = _MAX_BATCH,
        *,
        spool: RowSpool | None = None,
        replay: Mapping[str, Replay] | None = None,
    ) -> None:
        self.db = db
        self.spool = spool
        self._replay_kinds = dict(replay or {})
        self._replaying: asyncio.Task[None] | None = None
        # One replay or append at a time: a replay empties the file of exactly what it stored.
        self._spool_lock = asyncio.Lock()
        self._batches = BatchQueue("group-commit-writer", self._commit_batch, max_batch=max_batch)
        self.commits = 0  # transactions run, for benchmarks and tests

    async def write(self, *writes: Write) -> None:
        """Store `writes` atomically; returns once committed (or spooled), raises what the
        database raised. No writes: wait for the writer (and its replay of the spool)."""
        if not writes and self.spool is None:
            return
        job = _Job(writes, asyncio.get_running_loop().create_future())
        self._batches.put(job)
        await job.future

    async def close(self) -> None:
        """Finish what is queued (into the spool if the database is away), then stop the writer."""
        if self._replaying is not None:
            self._replaying.cancel()
            self._replaying = None
        await self._batches.stop()
        if self.spool is not None:
            if self.spool.pending:
                log.warning("rows left in the spool for the next start", rows=len(self.spool.pending))
            self.spool.close()

    def spool_state(self) -> tuple[int, bool]:
        """(rows waiting in the spool, whether it refuses more): metrics and /readyz."""
        return (0, False) if self.spool is None else (len(self.spool.pending), self.spool.full)

    async def replay_spool(self) -> bool:
        """Store what the spool holds (a previous process's, at start), on the writer so that
        nothing newer is stored before it; True when it is empty."""
        if self.spool is None or not self.spool.pending:
            return True
        await self.write()  # an empty job: the writer replays before anything else
        return not self.spool.pending

    async def _commit_batch(self, batch: list[_Job]) -> None:
        if self.spool is not None and self.spool.pending and not await self._replay():
            await self._to_spool(batch)  # still away: newer writes go behind the spooled ones
            return
        try:
            await self._commit([w for job in batch for w in job.writes])
        except Exception as exc:
            if self._spoolable(batch) and unreachable(exc):
                # Perhaps after the database committed (its answer lost): the replay finds out.
                await self._to_spool(batch)
                return
            if len(batch) == 1:
                _settle(batch[0], exc)
                return
            # Find out whose writes failed: each caller alone, its own transaction.
            for job in batch:
                if self.spool is not None and self.spool.pending:
                    await self._to_spool([job])  # behind what was spooled a moment ago, in order
                    continue
                try:
                    await self._commit(list(job.writes))
                except Exception as own:
                    if self._spoolable([job]) and unreachable(own):  # gone meanwhile: to disk
                        await self._to_spool([job])
                    else:
                        _settle(job, own)
                else:
                    _settle(job, None)
            return
        for job in batch:
            _settle(job, None)

    async def _commit(self, writes: list[Write]) -> None:
        # Group by statement, in order of first appearance (dicts keep insertion order).
        groups: dict[int, tuple[Executable, list[dict[str, Any]]]] = {}
        for w in writes:
            groups.setdefault(id(w.statement), (w.statement, []))[1].append(w.params)
        statements = list(groups.values())

        def execute(conn: Connection) -> None:
            for statement, params in statements:
                conn.execute(statement, params)

        if not statements:
            return
        # With a spool the writer does not wait for the database: the rows go to disk instead.
        await self.db.run_write(execute, ride_through_s=0.0 if self.spool is not None else None)
        self.commits += 1

    # -- the spool ---------------------------------------------------------------------------

    def _spoolable(self, batch: list[_Job]) -> bool:
        return self.spool is not None and all(w.kind in self._replay_kinds for j in batch for w in j.writes)

    async def spool_rows(self, rows: list[SpooledRow]) -> None:
        """Another writer's rows the database could not take (the chat outbox's): on disk, stored
        with this writer's (each kind must have its replay). Raises `SpoolFull`, `OSError`."""
        if self.spool is None or any(r.kind not in self._replay_kinds for r in rows):
            raise RuntimeError("no spool for these rows")
        async with self._spool_lock:
            await asyncio.to_thread(self.spool.append, rows)
        self._retry_spool_later()

    async def _to_spool(self, batch: list[_Job]) -> None:
        assert self.spool is not None
        rows = [SpooledRow(w.kind, w.params) for job in batch for w in job.writes]
        error: BaseException | None = None
        if not self._spoolable(batch):
            error = RuntimeError("the database is away and these writes cannot be spooled")
        elif rows:
            try:
                async with self._spool_lock:
                    await asyncio.to_thread(self.spool.append, rows)
            except (SpoolFull, OSError) as exc:
                log.error("row spool refused a batch", rows=len(rows), error=type(exc).__name__)
                error = exc
        for job in batch:
            _settle(job, error)
        self._retry_spool_later()

    async def _replay(self) -> bool:
        """Try once to store the spool's rows, in order; True when it is empty."""
        async with self._spool_lock:
            return await self._replay_locked()

    async def _replay_locked(self) -> bool:
        assert self.spool is not None
        spooled = list(self.spool.pending)
        replay = self._replay_kinds
        # Which row a refusal is (None: the batch's commit), and the batch: [row, first, end].
        at: list[int | None] = [None, 0, min(len(spooled), _MAX_BATCH)]

        def store(start: int, chunk: list[SpooledRow]) -> Callable[[Connection], None]:
            def run(conn: Connection) -> None:
                at[1:] = [start, start + len(chunk)]
                for n, row in enumerate(chunk, start):
                    at[0] = n
                    replay[row.kind](conn, dict(row.row))
                at[0] = None

            return run

        try:
            # In batches: a crash between two leaves the rest to the next replay, which finds the
            # stored ones in (every replay is idempotent) and saves the states again in order.
            for start in range(0, len(spooled), _MAX_BATCH):
                await self.db.run_write(store(start, spooled[start : start + _MAX_BATCH]), ride_through_s=0.0)
        except Exception as exc:
            if not unreachable(exc):
                log.error("row spool replay failed", rows=len(spooled), error=type(exc).__name__)
                # Retried, but it blocks everything behind it: on file for `frontdesk spool show`.
                first, end = at[1], at[2]
                assert first is not None and end is not None
                await asyncio.to_thread(self.spool.note_refused, at[0], (first, end), exc)
            return False
        await asyncio.to_thread(self.spool.clear)
        log.info("row spool replayed", rows=len(spooled))
        return True

    def _retry_spool_later(self) -> None:
        if self._replaying is None or self._replaying.done():
            self._replaying = asyncio.get_running_loop().create_task(self._nudge(), name="row-spool-replay")

    async def _nudge(self) -> None:
        while self.spool is not None and self.spool.pending:
            await asyncio.sleep(_REPLAY_EVERY_S)  # back-off between attempts, not synchronisation
            await self.write()


def _settle(job: _Job, error: BaseException | None) -> None:
    if job.future.done():  # the caller was cancelled; its writes may still have been stored
        return
    if error is None:
        job.future.set_result(None)
    else:
        job.future.set_exception(error)
