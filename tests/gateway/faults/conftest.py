"""A PostgreSQL server of the test's own (initdb + pg_ctl from the installed binaries, in a temporary
directory), so that it can be stopped and started under a running gateway."""

from __future__ import annotations

import asyncio
import glob
import io
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from gateway.settings import Settings
from gateway.store.db import Database
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.cluster.conftest import free_port
from tests.logs import capturing_logs


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed (Debian package postgresql)")
    return found[-1]


class OwnPostgres:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        # initdb and the server refuse to run as root: as the postgres user when we are root.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/frontdesk"

    async def _run(self, *args: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            *self._as, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {out.decode(errors='replace')}")

    async def init(self) -> None:
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")
        await self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        await self.start()
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        try:
            await conn.execute("CREATE DATABASE frontdesk")
        finally:
            await conn.close()

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        await self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )

    async def stop(self) -> None:
        await self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
async def own_postgres() -> AsyncIterator[OwnPostgres]:
    # Not under pytest's temporary directory: the postgres user cannot reach into root's.
    root = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    server = OwnPostgres(root)
    await server.init()
    try:
        yield server
    finally:
        try:
            await server.stop()
        except RuntimeError:
            pass  # stopped by the test
        shutil.rmtree(root, ignore_errors=True)


async def call_outage_settings(
    own_postgres: OwnPostgres, tmp_path: Path, ride_through_s: float, **overrides: Any
) -> Settings:
    """Settings for a call on `own_postgres`, its database prepared: a database outage ridden
    through for `ride_through_s`, the bot's replies not paced to real time."""
    settings = make_settings(
        tmp_path,
        database_url=own_postgres.url,
        database_ride_through_s=ride_through_s,
        twilio_playback_lead_ms=120_000,
        **overrides,
    )
    await prepare_database(settings)
    return settings


@asynccontextmanager
async def outage_gateway(
    own_postgres: OwnPostgres, settings: Settings
) -> AsyncIterator[tuple[LiveServer, Database, io.StringIO]]:
    """A served gateway on `own_postgres` (prepared by the caller), a database handle to look at
    what it stored, and its captured log; afterwards the database is started again whatever the
    test stopped, and the server stopped."""
    db = Database(own_postgres.url)
    with capturing_logs("INFO") as logs:
        server = LiveServer(settings)
        await asyncio.to_thread(server.start)
        try:
            yield server, db, logs
        finally:
            await db.close()
            with suppress(RuntimeError):  # started again by the test unless it failed before
                await own_postgres.start()
            await asyncio.to_thread(server.stop)
