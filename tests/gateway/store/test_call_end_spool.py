"""A phone call's writes at its start and end through the turn writer's spool (issue #18): the
replica holding its stream, its recording row, and Twilio's status callback for a call not held in
memory. Written while the database is away, each is stored once it is back, and a replay run again
from the same file (cut short by a crash after its commit) changes nothing: one recording row, no
second after-call job, a conversation closed already keeps its end time.

The database that is away is a PostgreSQL URL on a port nothing listens on; the one that comes back
is a real, migrated SQLite or PostgreSQL database. Through a served gateway during a real
PostgreSQL outage: tests/gateway/faults/test_call_end_outage.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.call_writes import call_status_row, hold_write, recording_write
from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import ConversationRow, RecordingRow
from gateway.store.turn_replay import REPLAY  # the call writes' kinds among them
from tests.gateway.store.test_audit_spool import _refusing_url
from tests.gateway.store.test_row_spool import _spool

HUNG_UP = datetime(2026, 12, 6, 5, 1, 2, 345678, tzinfo=UTC)
EARLIER = datetime(2026, 12, 6, 4, 59, 0, tzinfo=UTC)


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


async def _books(db: Database) -> dict[str, object]:
    async with db.session() as s:
        conversations = {
            row.id: (row.status, _utc(row.ended_at), row.replica_id)
            for row in await s.scalars(select(ConversationRow))
        }
        recordings = [
            (r.conversation_id, r.path, r.duration_s, r.channels)
            for r in await s.scalars(select(RecordingRow))
        ]
        jobs = sorted((j.conversation_id, j.kind, j.status) for j in await s.scalars(select(AfterCallJobRow)))
    return {"conversations": conversations, "recordings": recordings, "jobs": jobs}


async def test_call_writes_spooled_while_away_are_stored_once_and_a_second_replay_changes_nothing(
    migrated_db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    try:
        await writes.write(hold_write("held", "replica-b"))
        await writes.write(recording_write("held", "recordings/held.wav", 12.5))
        # Twilio's callbacks: for a call on record (open), one closed already by its stream's end,
        # and one whose webhook never made a conversation.
        await writes.spool_rows(
            [
                call_status_row("CA-open", "no-answer", HUNG_UP, ("note",)),
                call_status_row("CA-closed", "completed", HUNG_UP, ("note",)),
                call_status_row("CA-unknown", "completed", HUNG_UP, ("note",)),
            ]
        )
        assert writes.spool_state() == (5, False)  # acknowledged from the disk, not after 5 s
    finally:
        await writes.close()
        await away.close()
    spooled = path.read_bytes()

    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id="held", channel="voice", status="active", replica_id="replica-a", meta={}))
        s.add(ConversationRow(id="open", channel="voice", status="active", external_id="CA-open", meta={}))
        s.add(
            ConversationRow(
                id="closed",
                channel="voice",
                status="closed",
                external_id="CA-closed",
                ended_at=EARLIER,
                meta={},
            )
        )
    writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
    try:
        assert await writes.replay_spool()
        assert path.read_bytes() == b""
        books = await _books(db)
        assert books == {
            "conversations": {
                "held": ("active", None, "replica-b"),
                "open": ("closed", HUNG_UP, None),  # closed as of the callback
                "closed": ("closed", EARLIER, None),  # its own end kept
            },
            "recordings": [("held", "recordings/held.wav", 12.5, 2)],
            "jobs": [("open", "note", "pending")],  # none for the one closed already
        }

        # Meanwhile the after-call worker did the job; then a replay cut short by a crash (stored,
        # the file not yet emptied) runs again from the same file.
        async with db.session() as s, s.begin():
            await s.execute(update(AfterCallJobRow).values(status="done"))
        await writes.close()
        path.write_bytes(spooled)
        writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
        assert await writes.replay_spool()
        again = await _books(db)
        assert again["conversations"] == books["conversations"]
        assert again["recordings"] == books["recordings"]  # one row, not two
        assert again["jobs"] == [("open", "note", "done")]  # not queued again
    finally:
        await writes.close()
        await db.close()
