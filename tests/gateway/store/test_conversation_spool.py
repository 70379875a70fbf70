"""A conversation's close, handoff and status changes through the turn writer's spool (issue #18):
written while the database is away, they are stored in spool order after the conversation's turns
and state saves, each once, and a replay run again from the same file (cut short by a crash after
its commit) changes nothing: no second after-call job, no second handoff row, no status undone.

The database that is away is a PostgreSQL URL on a port nothing listens on; the one that comes back
is a real, migrated SQLite or PostgreSQL database. Through a whole gateway during a real PostgreSQL
outage: tests/gateway/faults/test_conversation_end_outage.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from gateway.statuses import ConversationStatus, HandoffStatus
from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.conversation_writes import close_writes, handoff_writes, status_write
from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter, Write
from gateway.store.models import ConversationRow, HandoffRow, TurnRow
from gateway.store.turn_replay import REPLAY, STATE
from tests.gateway.store.test_audit_spool import _refusing_url
from tests.gateway.store.test_row_spool import _SAVE_STATE, _spool, _turn

ENDED = datetime(2026, 12, 6, 3, 30, 1, 234567, tzinfo=UTC)
ASKED = datetime(2026, 12, 6, 3, 31, 2, 345678, tzinfo=UTC)


def _closing(cid: str, state: dict[str, Any], kinds: tuple[str, ...]) -> list[Write]:
    """What `Conversation.close` writes: its final state (a state save), the close, its jobs."""
    return [Write(_SAVE_STATE, {"b_id": cid, "b_state": state}, STATE), *close_writes(cid, ENDED, kinds)]


async def _conversation(db: Database, cid: str) -> tuple[str, datetime | None, object, str | None]:
    async with db.session() as s:
        row = await s.get(ConversationRow, cid)
    assert row is not None
    ended = row.ended_at if row.ended_at is None or row.ended_at.tzinfo else row.ended_at.replace(tzinfo=UTC)
    return row.status, ended, row.state, row.summary


async def _jobs(db: Database, cid: str) -> list[str]:
    async with db.session() as s:
        return sorted(
            await s.scalars(select(AfterCallJobRow.kind).where(AfterCallJobRow.conversation_id == cid))
        )


async def _handoffs(db: Database, cid: str) -> list[tuple[str, str, str]]:
    async with db.session() as s:
        rows = await s.execute(
            select(HandoffRow.reason, HandoffRow.summary, HandoffRow.status).where(
                HandoffRow.conversation_id == cid
            )
        )
        return [(reason, summary, status) for reason, summary, status in rows]


async def test_close_and_handoff_spooled_while_away_are_stored_once_in_order(
    migrated_db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    try:
        # c1 ("c1" is the conversation of test_row_spool's turns): a turn, then the close.
        await writes.write(_turn(1, "goodbye"))
        await writes.write(*_closing("c1", {"ended": True, "step": 9}, ("lead", "note")))
        # c2: handed to staff; c3: staff took it, then the assistant had it again.
        await writes.write(*handoff_writes("c2", "caller asked for a person", "wants a refill", ASKED))
        await writes.write(status_write("c3", ConversationStatus.WITH_STAFF))
        await writes.write(status_write("c3", ConversationStatus.ACTIVE))
        # c4: closed before a status change of an earlier moment is replayed after it.
        await writes.write(*_closing("c4", {"ended": True}, ()))
        await writes.write(status_write("c4", ConversationStatus.WAITING))
        assert writes.spool_state() == (12, False)  # acknowledged from the disk, not after 5 s
    finally:
        await writes.close()
        await away.close()
    spooled = path.read_bytes()

    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        for cid in ("c1", "c2", "c3", "c4"):
            s.add(ConversationRow(id=cid, channel="chat", status="active", state={"step": 0}, meta={}))
    writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
    try:
        assert await writes.replay_spool()
        assert path.read_bytes() == b""
        assert await _conversation(db, "c1") == ("closed", ENDED, {"ended": True, "step": 9}, None)
        async with db.session() as s:
            assert list(await s.scalars(select(TurnRow.text).where(TurnRow.conversation_id == "c1"))) == [
                "goodbye"
            ]
        assert await _jobs(db, "c1") == ["lead", "note"]
        assert await _conversation(db, "c2") == ("waiting", None, {"step": 0}, "wants a refill")
        assert await _handoffs(db, "c2") == [("caller asked for a person", "wants a refill", "waiting")]
        assert (await _conversation(db, "c3"))[0] == "active"  # the later change wins
        assert (await _conversation(db, "c4"))[0] == "closed"  # a status change does not reopen it

        # Meanwhile staff claimed the handoff and the after-call worker did a job.
        async with db.session() as s, s.begin():
            await s.execute(update(HandoffRow).values(status=HandoffStatus.CLAIMED, claimed_by="staff@x"))
            await s.execute(
                update(ConversationRow).where(ConversationRow.id == "c2").values(status="with_staff")
            )
            await s.execute(
                update(AfterCallJobRow).where(AfterCallJobRow.kind == "note").values(status="done")
            )
        # A replay cut short by a crash (stored, the file not yet emptied): the same file again.
        await writes.close()
        path.write_bytes(spooled)
        writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
        assert await writes.replay_spool()
        assert await _conversation(db, "c1") == ("closed", ENDED, {"ended": True, "step": 9}, None)
        assert await _jobs(db, "c1") == ["lead", "note"]  # not queued twice
        async with db.session() as s:
            done = await s.scalar(select(AfterCallJobRow.status).where(AfterCallJobRow.kind == "note"))
        assert done == "done"  # the job done meanwhile is left alone
        assert await _handoffs(db, "c2") == [("caller asked for a person", "wants a refill", "claimed")]
        assert (await _conversation(db, "c2"))[0] == "with_staff"  # not put back to waiting
        assert (await _conversation(db, "c3"))[0] == "active"
        assert (await _conversation(db, "c4"))[0] == "closed"
    finally:
        await writes.close()
        await db.close()


async def test_the_same_writes_with_the_database_up_need_no_spool(migrated_db_url: str) -> None:
    """The normal path: the same statements, committed at once (no spool), a handoff's summary
    set as before (none: NULL) and a plain status change keeping it."""
    db = Database(migrated_db_url)
    writes = GroupCommitter(db)
    try:
        async with db.session() as s, s.begin():
            s.add(ConversationRow(id="u1", channel="voice", status="active", state={}, meta={}))
        await writes.write(*handoff_writes("u1", "caller pressed 0", "", ASKED))
        assert await _conversation(db, "u1") == ("waiting", None, {}, None)
        await writes.write(*handoff_writes("u1", "asked again", "call back after 5", ASKED))
        await writes.write(status_write("u1", ConversationStatus.WITH_STAFF))
        assert await _conversation(db, "u1") == ("with_staff", None, {}, "call back after 5")
        await writes.write(*_closing("u1", {"ended": True}, ("note",)))
        await writes.write(*_closing("u1", {"ended": True}, ("note", "task")))  # closed twice
        assert await _conversation(db, "u1") == ("closed", ENDED, {"ended": True}, "call back after 5")
        assert await _jobs(db, "u1") == ["note", "task"]
        assert len(await _handoffs(db, "u1")) == 2
        assert writes.commits == 5
    finally:
        await writes.close()
        await db.close()


async def test_a_handoff_sharing_a_batch_with_another_status_change_still_waits(migrated_db_url: str) -> None:
    """The writer runs a batch statement by statement, in the order each first appears: another
    conversation's status change first puts every status row (this handoff's "waiting" too)
    before the handoff rows. The conversation waits all the same; the state saved last wins."""
    db = Database(migrated_db_url)
    writes = GroupCommitter(db)
    try:
        async with db.session() as s, s.begin():
            for cid in ("b1", "b2", "b3"):
                s.add(ConversationRow(id=cid, channel="chat", status="active", state={}, meta={}))
        commits = writes.commits
        await asyncio.gather(
            writes.write(status_write("b1", ConversationStatus.WITH_STAFF)),
            writes.write(*handoff_writes("b2", "caller asked for a person", "", ASKED)),
            writes.write(*close_writes("b1", ENDED, ())),
            writes.write(Write(_SAVE_STATE, {"b_id": "b3", "b_state": {"step": 1}}, STATE)),
            writes.write(*_closing("b3", {"step": 2, "ended": True}, ())),
        )
        assert writes.commits == commits + 1  # one batch, one transaction
        assert (await _conversation(db, "b1"))[0] == "closed"
        assert (await _conversation(db, "b2"))[0] == "waiting"
        assert await _handoffs(db, "b2") == [("caller asked for a person", "", "waiting")]
        assert (await _conversation(db, "b3"))[:3] == ("closed", ENDED, {"step": 2, "ended": True})
    finally:
        await writes.close()
        await db.close()
