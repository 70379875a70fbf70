"""Database engine and sessions for SQLite (WAL) and PostgreSQL, both through SQLAlchemy async.

`run_write` serves the batch writers (audit chain, turn group commit, chat outbox). Through
aiosqlite every statement costs three or four round trips between the event loop and the
connection's thread (cursor, execute, fetch, close), each a GIL hand-off; a batch of a few
statements cost ~30 of them, on the event loop's CPU. On SQLite a write function therefore runs
whole on one dedicated writer thread with a plain sqlite3 connection: one hand-off per batch. On
PostgreSQL it runs on the async engine (asyncpg has no threads to hop to).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from gateway.logging import get_logger
from gateway.private_files import create_private

log = get_logger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is one line fit for an operator."""


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


T = TypeVar("T")


def _sqlite_pragmas(dbapi_conn, _record, busy_ms: int = 30000) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the single writer; busy_timeout queues writers.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cur.close()


def pool_limits(url: str, pool_size: int | None = None, max_overflow: int | None = None) -> tuple[int, int]:
    """Connections the engine keeps open, and how many more it opens while those are all busy
    (FRONTDESK_DATABASE_POOL_SIZE / _MAX_OVERFLOW; unset: these defaults)."""
    size, overflow = (5, 10) if _is_sqlite(url) else (10, 20)
    return (size if pool_size is None else pool_size, overflow if max_overflow is None else max_overflow)


def make_engine(url: str, pool_size: int | None = None, max_overflow: int | None = None) -> AsyncEngine:
    size, overflow = pool_limits(url, pool_size, max_overflow)
    if _is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            # Owner-only from the start; SQLite gives its -wal and -shm files the same mode.
            create_private(Path(database))
            pool = {"pool_size": size, "max_overflow": overflow}
        else:
            pool = {}  # one connection shared (StaticPool): a pool of its own would be another database
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=size, max_overflow=overflow, pool_pre_ping=True)


def _make_thread_writer_engine(url: str, busy_s: float = 30.0) -> Engine | None:
    """SQLite files only: the same database through the stdlib driver, for the writer thread.
    `busy_s`: how long a write waits for another process's write lock before it fails as the
    database being away (retried by the ride-through, or spooled by a writer with a spool)."""
    parsed = make_url(url)
    if not _is_sqlite(url) or not parsed.database or parsed.database == ":memory:":
        return None
    engine = create_engine(
        parsed.set(drivername="sqlite+pysqlite"),
        connect_args={"timeout": busy_s, "check_same_thread": False},
        pool_size=1,
        max_overflow=0,
    )
    event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, int(busy_s * 1000)))
    return engine


_SQLITE_AWAY = ("database is locked", "unable to open database", "disk i/o error")


def unreachable(exc: BaseException) -> bool:
    """The failure is the database being away (down, restarting, unreachable, locked by another
    writer), not the write: a missing table or a refused row is not retried."""
    seen: BaseException | None = exc
    for _ in range(6):  # the driver's error is wrapped once or twice
        if seen is None:
            return False
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, OSError | ConnectionError | asyncpg.exceptions.PostgresConnectionError):
            return True
        if isinstance(
            seen,
            asyncpg.exceptions.CannotConnectNowError
            | asyncpg.exceptions.AdminShutdownError
            | asyncpg.exceptions.CrashShutdownError
            | asyncpg.exceptions.ConnectionDoesNotExistError,
        ):
            return True
        if isinstance(seen, sqlite3.OperationalError) and str(seen).lower().startswith(_SQLITE_AWAY):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


class Database:
    def __init__(
        self,
        url: str,
        ride_through_s: float = 0.0,
        pool_size: int | None = None,
        max_overflow: int | None = None,
        sqlite_writer_busy_s: float = 30.0,
    ) -> None:
        """`ride_through_s`: how long `run_write` keeps retrying while the database is away
        (a restart, a failover) before it gives up; the writers queue behind it meanwhile.
        `pool_size`, `max_overflow`: the engine's connections (`pool_limits`).
        `sqlite_writer_busy_s`: `run_write`'s wait for another process's lock on a SQLite file."""
        self.url = url
        self.ride_through_s = ride_through_s
        self.away_since: float | None = None  # monotonic time the current outage was first seen
        self.engine = make_engine(url, pool_size, max_overflow)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._thread_engine = _make_thread_writer_engine(url, sqlite_writer_busy_s)
        self._writer_thread: ThreadPoolExecutor | None = None

    def away_for(self) -> float:
        """Seconds since writes started failing to reach the database (0.0: reachable). The loop's
        clock is the monotonic one, so other threads (the metrics port) may read it."""
        since = self.away_since
        return 0.0 if since is None else max(0.0, time.monotonic() - since)

    @property
    def is_sqlite(self) -> bool:
        return _is_sqlite(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def run_write(self, write: Callable[[Connection], T], *, ride_through_s: float | None = None) -> T:
        """Run `write(connection)` in one transaction (committed when it returns, rolled back
        when it raises). On a SQLite file it runs on the writer thread; keep it to statements.
        While the database is away it is retried for up to `ride_through_s` (default: the
        database's), so a restart of a few seconds delays writes (in order: the batch writers
        wait behind this one) instead of failing them. 0: fail at once (the audit writer, which
        has a spool on disk to put its events in instead); the outage is noted all the same."""
        limit = self.ride_through_s if ride_through_s is None else ride_through_s
        loop = asyncio.get_running_loop()
        pause = 0.05
        while True:
            try:
                result = await self._write_once(write)
            except Exception as exc:
                if not unreachable(exc) or (limit <= 0 and self.ride_through_s <= 0):
                    raise
                now = loop.time()
                if self.away_since is None:
                    self.away_since = now
                    log.warning(
                        "database unreachable: holding writes",
                        up_to_s=self.ride_through_s,
                        error=_one_line(exc),
                    )
                if now - self.away_since >= limit:
                    raise
                await asyncio.sleep(pause)  # back-off between attempts, not synchronisation
                pause = min(1.0, pause * 2)
                continue
            if self.away_since is not None:
                log.info("database reachable again", away_s=round(loop.time() - self.away_since, 1))
                self.away_since = None
            return result

    async def _write_once(self, write: Callable[[Connection], T]) -> T:
        if self._thread_engine is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(write)
        if self._writer_thread is None:
            self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        engine = self._thread_engine

        def in_transaction() -> T:
            with engine.begin() as conn:
                return write(conn)

        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, in_transaction)

    async def ping(self) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # driver errors vary; report them in one line
            raise DatabaseUnavailable(
                f"database unreachable ({_safe_url(self.url)}): {_one_line(exc)}"
            ) from exc

    async def close(self) -> None:
        if self._writer_thread is not None:
            self._writer_thread.shutdown(wait=True)
            self._writer_thread = None
        if self._thread_engine is not None:
            self._thread_engine.dispose()
        await self.engine.dispose()


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _one_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}"
