"""The backup and restore steps of docs/operations.md, run as written: SQLite's `.backup`, and
pg_dump / pg_restore into a fresh PostgreSQL database; after the restore the schema is current and
`frontdesk audit verify --checkpoints` passes against the checkpoints kept from before."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _pg_available, create_pg_database, drop_pg_database

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
SECRET = "a-session-secret-of-forty-random-chars-x1"


def frontdesk(url: str, data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env |= {
        "FRONTDESK_DATA_DIR": str(data),
        "FRONTDESK_DATABASE_URL": url,
        "FRONTDESK_SESSION_SECRET": SECRET,
        "FRONTDESK_TIMEZONE": "America/New_York",
    }
    return subprocess.run(
        [FRONTDESK, *args], input=stdin, capture_output=True, text=True, env=env, timeout=180
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def make_history(url: str, data: Path) -> Path:
    """A migrated database with a conversation on the audit chain, and a signed checkpoint kept."""
    ok(frontdesk(url, data, "db", "upgrade"))
    ok(frontdesk(url, data, "demo", "seed"))
    chat = frontdesk(url, data, "agent", "chat", stdin="what are your opening hours?\nbye\n")
    ok(chat)
    assert re.search(r"\[conversation \w+\]", chat.stderr), chat.stderr
    ok(frontdesk(url, data, "audit", "checkpoint"))
    kept = data.parent / "kept-off-the-box.jsonl"  # the operator's copy of the checkpoints
    shutil.copy(data / "audit-checkpoints.jsonl", kept)
    assert kept.read_text().strip()
    return kept


def check_restored(url: str, data: Path, kept: Path) -> None:
    assert ok(frontdesk(url, data, "db", "current", "--check")).splitlines()[-1] == "up to date"
    verified = frontdesk(url, data, "audit", "verify", "--checkpoints", str(kept))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    data = tmp_path / "var"
    url = f"sqlite+aiosqlite:///{data / 'frontdesk.db'}"
    kept = make_history(url, data)
    backup = tmp_path / "backup" / "frontdesk.db"
    backup.parent.mkdir()
    subprocess.run(["sqlite3", str(data / "frontdesk.db"), f".backup {backup}"], check=True, timeout=60)

    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(backup, restored / "frontdesk.db")
    check_restored(f"sqlite+aiosqlite:///{restored / 'frontdesk.db'}", restored, kept)

    # The checkpoints are what makes a restore from an older or edited copy visible: a chain head
    # they recorded must still be in the database.
    later = frontdesk(url, data, "agent", "chat", stdin="hello\nbye\n")
    ok(later)
    ok(frontdesk(url, data, "audit", "checkpoint"))
    newer = tmp_path / "newer.jsonl"
    shutil.copy(data / "audit-checkpoints.jsonl", newer)
    stale = frontdesk(
        f"sqlite+aiosqlite:///{restored / 'frontdesk.db'}",
        restored,
        "audit",
        "verify",
        "--checkpoints",
        str(newer),
    )
    assert stale.returncode == 1


@pytest.mark.postgres
def test_postgres_dump_and_restore(tmp_path: Path) -> None:
    if not _pg_available():
        pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    source = asyncio.run(create_pg_database())
    target = asyncio.run(create_pg_database())
    try:
        data = tmp_path / "var"
        kept = make_history(source, data)
        dump = tmp_path / "frontdesk.dump"
        libpq = source.replace("postgresql+asyncpg://", "postgresql://")
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq], check=True, timeout=120)
        target_libpq = target.replace("postgresql+asyncpg://", "postgresql://")
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target_libpq}", str(dump)],
            check=True,
            timeout=120,
        )
        restored = tmp_path / "restored"
        check_restored(target, restored, kept)
    finally:
        asyncio.run(drop_pg_database(source))
        asyncio.run(drop_pg_database(target))
