"""A status change replayed from the turn spool is applied once (issue #18): a replay run again from
the same file (a crash between its commit and emptying the file) leaves a status staff set in
between alone, where it used to set the spooled one again over it.

The database that is away is a PostgreSQL URL on a port nothing listens on; the one that comes
back is a real, migrated SQLite or PostgreSQL database (tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from gateway.statuses import ConversationStatus
from gateway.store.conversation_writes import status_write
from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import ConversationRow
from gateway.store.replayed_writes import ReplayedWriteRow
from gateway.store.turn_replay import REPLAY
from tests.gateway.store.test_audit_spool import _refusing_url
from tests.gateway.store.test_row_spool import _spool


async def _status(db: Database, cid: str) -> str:
    async with db.session() as s:
        status = await s.scalar(select(ConversationRow.status).where(ConversationRow.id == cid))
    assert status is not None
    return status


async def test_a_second_replay_of_the_same_file_leaves_a_later_staff_change_alone(
    migrated_db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    try:
        # s1: staff took it, then the assistant had it again; s2: one change.
        await writes.write(status_write("s1", ConversationStatus.WITH_STAFF))
        await writes.write(status_write("s1", ConversationStatus.ACTIVE))
        await writes.write(status_write("s2", ConversationStatus.WAITING))
        assert writes.spool_state() == (3, False)
    finally:
        await writes.close()
        await away.close()
    spooled = path.read_bytes()
    # A line spooled by the release before keys (no "b_key"): applied as before, every time.
    old = json.loads(spooled.splitlines()[2])
    del old["row"]["b_key"]
    old["row"]["b_id"] = "s3"
    spooled += json.dumps(old).encode() + b"\n"
    path.write_bytes(spooled)

    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        for cid in ("s1", "s2", "s3"):
            s.add(ConversationRow(id=cid, channel="chat", status="active", state={}, meta={}))
    writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
    try:
        assert await writes.replay_spool()
        assert [await _status(db, c) for c in ("s1", "s2", "s3")] == ["active", "waiting", "waiting"]
        # Staff change each of them since, through the writer, as the console does.
        await writes.write(status_write("s1", ConversationStatus.WITH_STAFF))
        await writes.write(status_write("s2", ConversationStatus.WITH_STAFF))
        await writes.write(status_write("s3", ConversationStatus.WITH_STAFF))
        # A replay cut short by a crash (stored, the file not yet emptied): the same file again.
        await writes.close()
        path.write_bytes(spooled)
        writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
        assert await writes.replay_spool()
        assert path.read_bytes() == b""
        # Before: s1 "active" and s2 "waiting" again, over staff's change.
        assert await _status(db, "s1") == "with_staff"
        assert await _status(db, "s2") == "with_staff"
        assert await _status(db, "s3") == "waiting"  # no key: set again, as before
        async with db.session() as s:
            kinds = list(await s.scalars(select(ReplayedWriteRow.kind)))
        assert kinds == ["status"] * 3  # the keyed changes replayed, not the ones made with the database up
    finally:
        await writes.close()
        await db.close()
