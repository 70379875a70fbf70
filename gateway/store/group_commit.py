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
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

from gateway.store.batch_queue import BatchQueue
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
        self._batches = BatchQueue("group-commit-writer", self._commit_batch, max_batch=max_batch)
        self.commits = 0  # transactions run, for benchmarks and tests

    async def write(self, *writes: Write) -> None:
        """Store `writes` atomically; returns once committed, raises what the database raised."""
        if not writes:
            return
        job = _Job(writes, asyncio.get_running_loop().create_future())
        self._batches.put(job)
        await job.future

    async def close(self) -> None:
        """Finish what is queued, then stop the writer."""
        await self._batches.stop()

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
