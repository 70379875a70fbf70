"""Audit group commit: a turn's events queued without a waiter commit together at its flush, and
events nobody flushes are still stored within a bounded delay (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import Engine, event

from gateway.store.audit import AuditLog
from gateway.store.db import Database


@pytest.fixture
async def audit(migrated_db_url: str):
    db = Database(migrated_db_url)
    log = AuditLog(db)
    yield log
    await log.close()
    await db.close()


@pytest.fixture
def commits():  # type: ignore[no-untyped-def]
    """Commits of every engine in the process (the audit may write through a writer thread's)."""
    count = [0]

    def on_commit(_conn) -> None:  # type: ignore[no-untyped-def]
        count[0] += 1

    event.listen(Engine, "commit", on_commit)
    yield count
    event.remove(Engine, "commit", on_commit)


async def test_a_turns_events_commit_once_at_flush(audit: AuditLog, commits: list[int]) -> None:
    await audit.append("warm", "conversation.started", "system", {})  # head row + writer exist
    commits[0] = 0
    audit.record("t1", "turn.user", "caller", {"text": "hi"})
    for step in range(5):
        await audit.emit("t1", "agent.step", "agent", {"step": step})
        await asyncio.sleep(0)  # the agent yields to the loop between steps
    audit.record("t1", "turn.bot", "agent", {"said": "hello"})
    await audit.flush("t1")
    assert commits[0] == 1
    events = await audit.events("t1")
    assert [e.kind for e in events] == ["turn.user", *["agent.step"] * 5, "turn.bot"]
    assert [e.payload.get("step") for e in events[1:6]] == list(range(5))
    assert (await audit.verify()).ok


async def test_events_without_a_flush_are_still_stored(audit: AuditLog) -> None:
    await audit.emit("orphan", "agent.step", "agent", {"n": 1})
    deadline = time.monotonic() + 10
    while not await audit.events("orphan"):
        assert time.monotonic() < deadline, "an unflushed event was never stored"
        await asyncio.sleep(0.02)
    assert (await audit.events("orphan"))[0].payload == {"n": 1}


async def test_append_is_not_held_behind_queued_events(audit: AuditLog) -> None:
    await audit.emit("queued", "agent.step", "agent", {})
    stored = await audit.append("urgent", "security", "system", {"reason": "test"})
    assert stored.seq == 1
    # The append kicked the writer, which took the queued event along in the same commit.
    assert len(await audit.events("queued")) == 1
