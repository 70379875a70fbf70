"""Group commit for small row writes from many conversations (transcript turns, agent state).

Each turn of each conversation writes a row or two. In its own transaction that costs about
1.5 ms of CPU (session, begin, execute, commit through SQLAlchemy and aiosqlite's thread) and, on
SQLite, makes connections queue for the single write lock. Here callers queue their writes and
await; one writer task per process runs everything queued in one transaction, the rows of one
statement as one executemany, so a hundred concurrent turns cost one commit, not two hundred
(on SQLite, on the database's writer thread: see `Database.run_write`).

A caller's writes commit together or not at all. When a batch fails, each caller's writes are
retried alone, so one caller's constraint violation (another replica took its turn number) fails
only that caller, with the original exception; nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

from gateway.store.db import Database

_MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class Write:
    """One statement with its parameters. Reuse the same statement object for the same kind of
    write (a module-level constant): writes are grouped by statement identity into executemany,
    and every parameter set of one statement must name the same keys."""

    statement: Executable
    params: dict[str, Any]


@dataclass(slots=True)
class _Job:
    writes: tuple[Write, ...]
    future: asyncio.Future[None] = field(repr=False)


class GroupCommitter:
    def __init__(self, db: Database, max_batch: int = _MAX_BATCH) -> None:
        self.db = db
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Job] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.commits = 0  # transactions run, for benchmarks and tests

    async def write(self, *writes: Write) -> None:
        """Store `writes` atomically; returns once committed, raises what the database raised."""
        if not writes:
            return
        loop = asyncio.get_running_loop()
        if self._queue is None or self._writer is None or self._writer.done() or self._loop is not loop:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._writer = loop.create_task(self._run(self._queue), name="group-commit-writer")
        job = _Job(writes, loop.create_future())
        self._queue.put_nowait(job)
        await job.future

    async def close(self) -> None:
        """Finish what is queued, then stop the writer."""
        if self._writer is not None and self._queue is not None and not self._writer.done():
            await self._queue.join()
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
        self._writer = None
        self._queue = None

    async def _run(self, queue: asyncio.Queue[_Job]) -> None:
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < self._max_batch:
                batch.append(queue.get_nowait())
            try:
                await self._commit_batch(batch)
            finally:
                for _ in batch:
                    queue.task_done()

    async def _commit_batch(self, batch: list[_Job]) -> None:
        try:
            await self._commit([w for job in batch for w in job.writes])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], exc)
                return
            # Find out whose writes failed: each caller alone, its own transaction.
            for job in batch:
                try:
                    await self._commit(list(job.writes))
                except Exception as own:
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

        await self.db.run_write(execute)
        self.commits += 1


def _settle(job: _Job, error: BaseException | None) -> None:
    if job.future.done():  # the caller was cancelled; its writes may still have been stored
        return
    if error is None:
        job.future.set_result(None)
    else:
        job.future.set_exception(error)
