"""The audit spool ([5/7] item 2): events the database cannot take go to disk, fsynced, and are
committed into their chains later, in order and once, even when a replay was cut short.

The database that is away is a PostgreSQL URL on a port nothing listens on (connection refused,
as during a restart); the one that comes back is a real, migrated SQLite or PostgreSQL database.
A gateway killed with the database down and restarted: tests/gateway/faults/test_audit_spool.py."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from gateway.store.audit import SPOOL_KEY, SYSTEM_CHAIN, AuditLog, AuditWriteError
from gateway.store.audit_spool import AuditSpool, SpoolBusy
from gateway.store.db import Database


def _refusing_url() -> str:
    with socket.socket() as s:  # a port that was free a moment ago: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/away"


def _file(path: Path) -> bytes:
    return path.read_bytes()


def _spool(path: Path, max_bytes: int = 1 << 20) -> AuditSpool:
    spool = AuditSpool(path, max_bytes)
    spool.open()
    return spool


async def _spool_while_away(path: Path) -> list[str]:
    """Five events on two chains while the database refuses connections; their spool keys."""
    db = Database(_refusing_url(), ride_through_s=5)
    audit = AuditLog(db, spool=_spool(path))
    try:
        stored = [
            await audit.append("c1", "turn.user", "caller", {"text": "first"}),
            await audit.append(SYSTEM_CHAIN, "security", "system", {"reason": "test"}),
        ]
        audit.record("c1", "agent.step", "agent", {"n": 1})
        audit.record("c1", "agent.step", "agent", {"n": 2})
        stored.append(await audit.append("c1", "turn.bot", "agent", {"text": "last"}))
        await audit.flush("c1")  # acknowledged from the spool: no error
    finally:
        await audit.close()
        await db.close()
    assert all(e.spooled and e.seq == 0 for e in stored)
    lines = _file(path).splitlines()
    return [json.loads(line)["key"] for line in lines]


async def _chains(db: Database) -> tuple[list[tuple[str, str]], list[str]]:
    audit = AuditLog(db)
    events = await audit.events("c1")
    system = await audit.events(SYSTEM_CHAIN)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    keys = [str(e.payload.get(SPOOL_KEY)) for e in [*events, *system]]
    return [(e.kind, json.dumps(e.payload.get("text") or e.payload.get("n"))) for e in events], keys


async def test_events_spooled_while_away_are_replayed_in_order_once(
    migrated_db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "audit-spool.jsonl"
    keys = await _spool_while_away(path)
    assert len(keys) == 5 and len(set(keys)) == 5
    before_replay = _file(path)

    # The next start, the database back: the spool goes into the chains before anything else.
    db = Database(migrated_db_url)
    audit = AuditLog(db, spool=_spool(path))
    try:
        assert await audit.replay_spool()
        await audit.append("c1", "turn.user", "caller", {"text": "after"})
        assert _file(path) == b"" and audit.spool_state() == (0, False)
        # A replay cut short by a crash (committed, the file not yet emptied): the same file again.
        await audit.close()
        path.write_bytes(before_replay)
        audit = AuditLog(db, spool=_spool(path))
        assert await audit.replay_spool()
        assert _file(path) == b""

        kinds, stored_keys = await _chains(db)
        assert kinds == [
            ("turn.user", '"first"'),
            ("agent.step", "1"),
            ("agent.step", "2"),
            ("turn.bot", '"last"'),
            ("turn.user", '"after"'),
        ]
        spooled = [k for k in stored_keys if k != "None"]
        assert sorted(spooled) == sorted(keys)  # each spooled event stored, none twice
        assert (await audit.verify()).ok
    finally:
        await audit.close()
        await db.close()


async def test_a_full_spool_refuses_the_batch_and_says_so(tmp_path: Path) -> None:
    db = Database(_refusing_url(), ride_through_s=5)
    audit = AuditLog(db, spool=_spool(tmp_path / "spool.jsonl", max_bytes=600))
    try:
        await audit.append("c1", "turn.user", "caller", {"text": "fits"})
        assert audit.spool_state() == (1, False)
        with pytest.raises(AuditWriteError, match="spool refused"):
            await audit.append("c1", "turn.user", "caller", {"text": "x" * 600})
        assert audit.spool_full and audit.spool_state() == (1, True)
        # What was acknowledged before is still there, whole.
        assert len(_file(tmp_path / "spool.jsonl").splitlines()) == 1
    finally:
        await audit.close()
        await db.close()


def test_one_process_at_a_time_and_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    first = _spool(path)
    with pytest.raises(SpoolBusy):
        _spool(path)
    first.close()
    # A crash in the middle of a write: the unfinished line was never acknowledged.
    path.write_bytes(
        b'{"key":"k1","conversation_id":"c1","ts":"2026-12-05T21:00:00+00:00","kind":"k",'
        b'"actor":"a","payload":{}}\n{"key":"k2","conv'
    )
    spool = _spool(path)
    assert [e.key for e in spool.pending] == ["k1"]
    assert path.read_bytes().endswith(b"{}}\n")
    spool.close()


def test_a_spool_that_is_not_ours_is_not_replayed(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    path.write_bytes(b"not json\n")
    with pytest.raises(ValueError, match="line 1 is not a spooled audit event"):
        _spool(path)
    assert path.read_bytes() == b"not json\n"  # kept for the operator
