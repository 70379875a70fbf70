"""`frontdesk db upgrade | current | history` run as an operator runs them (the real command in a
subprocess), on SQLite and on a throwaway PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.store.db import Database
from gateway.store.migrate import pending_revisions, schema_state, script_directory
from tests.conftest import _pg_available, create_pg_database, drop_pg_database

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
REVISIONS = [s.revision for s in reversed(list(script_directory().walk_revisions()))]
HEAD = REVISIONS[-1]


def frontdesk(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env |= {"FRONTDESK_DATA_DIR": str(data_dir), "FRONTDESK_DATABASE_URL": url}
    return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind; PostgreSQL: a fresh database, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'var' / 'frontdesk.db'}"
        return
    if not _pg_available():
        pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    url = asyncio.run(create_pg_database())
    try:
        yield url
    finally:
        asyncio.run(drop_pg_database(url))


def _set_recorded(url: str, revision: str) -> None:
    """What a newer release's `db upgrade` leaves: a revision this code has no script for."""

    async def go() -> None:
        db = Database(url)
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        finally:
            await db.close()

    asyncio.run(go())


def _history(proc: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    assert proc.returncode == 0, proc.stderr
    rows = {}
    for line in proc.stdout.splitlines():
        rev, marks, *_ = line.split()
        rows[rev] = [] if marks == "-" else marks.split(",")
    return rows


def test_current_history_and_check_through_an_upgrade(database: str, tmp_path: Path) -> None:
    data = tmp_path / "var"

    empty = frontdesk(database, data, "db", "current")
    assert empty.returncode == 0, empty.stderr
    assert "no revision" in empty.stdout
    assert f"pending: {', '.join(REVISIONS)}; run `frontdesk db upgrade`" in empty.stdout
    if database.startswith("sqlite"):  # reading did not create the database file
        assert not (data / "frontdesk.db").exists()
    assert frontdesk(database, data, "db", "current", "--check").returncode == 1

    rows = _history(frontdesk(database, data, "db", "history"))
    assert list(rows) == REVISIONS  # oldest first
    assert all(m[0] == "pending" for m in rows.values())
    assert rows[HEAD] == ["pending", "head"]

    middle = REVISIONS[len(REVISIONS) // 2]
    up = frontdesk(database, data, "db", "upgrade", middle)
    assert up.returncode == 0, up.stderr
    partial = frontdesk(database, data, "db", "current", "--check")
    assert partial.returncode == 1
    assert partial.stdout.splitlines()[0].startswith(f"{middle} ")
    later = REVISIONS[REVISIONS.index(middle) + 1 :]
    assert f"pending: {', '.join(later)};" in partial.stdout
    rows = _history(frontdesk(database, data, "db", "history"))
    for rev in REVISIONS:
        expected = "applied" if REVISIONS.index(rev) <= REVISIONS.index(middle) else "pending"
        assert rows[rev][0] == expected, rev
    assert rows[middle] == ["applied", "current"]

    async def pending() -> set[str]:  # what `frontdesk serve` and /readyz go by
        db = Database(database)
        try:
            return await pending_revisions(db)
        finally:
            await db.close()

    assert asyncio.run(pending()) == set(later)
    # Replicas never migrate: `serve` refuses a schema with pending migrations, in one line.
    refused = frontdesk(database, data, "serve", "--port", "1")
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]  # after alembic's own log lines
    assert last == "error: database schema is not up to date; run `frontdesk db upgrade` first"

    assert frontdesk(database, data, "db", "upgrade").returncode == 0
    done = frontdesk(database, data, "db", "current", "--check")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{HEAD} (head) ") and lines[1] == "up to date"
    rows = _history(frontdesk(database, data, "db", "history"))
    assert all(m[0] == "applied" for m in rows.values())
    assert rows[HEAD] == ["applied", "current", "head"]


def test_a_newer_releases_revision_is_not_pending(database: str, tmp_path: Path) -> None:
    """During a rolling update (or after a rollback) the older replicas meet a revision they have
    no script for: they go on serving and stay ready instead of asking for an upgrade."""
    data = tmp_path / "var"
    assert frontdesk(database, data, "db", "upgrade").returncode == 0
    _set_recorded(database, "9999")

    proc = frontdesk(database, data, "db", "current", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "9999 (not in this release: a newer release migrated the database)",
        "newer than this release: nothing to apply",
    ]
    rows = _history(frontdesk(database, data, "db", "history"))
    assert rows["9999"] == ["applied", "current"]
    assert all(rows[r][0] == "pending" for r in REVISIONS)  # unknown ancestry: not claimed applied

    async def readiness_view() -> tuple[set[str], tuple[str, ...]]:
        db = Database(database)
        try:
            return await pending_revisions(db), (await schema_state(db)).unknown
        finally:
            await db.close()

    assert asyncio.run(readiness_view()) == (set(), ("9999",))


def test_history_without_a_database(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"  # nothing listens there
    rows = _history(frontdesk(url, tmp_path, "db", "history", "--no-database"))
    assert list(rows) == REVISIONS
    assert rows[HEAD] == ["head"]
    assert all(rows[r] == [] for r in REVISIONS[:-1])
    unreachable = frontdesk(url, tmp_path, "db", "current")
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("error: database unreachable")
    assert "Traceback" not in unreachable.stderr
