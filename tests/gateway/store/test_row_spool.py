"""The turn writer's spool (issue #18): turns, state saves and chat events the database cannot take
go to disk, fsynced, and are stored later, in order and once, even when a replay was cut short.

The database that is away is a PostgreSQL URL on a port nothing listens on (connection refused,
as during a restart); the one that comes back is a real, migrated SQLite or PostgreSQL database.
A gateway killed with the database down and restarted: tests/gateway/faults/test_turn_spool.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, insert, select, update

from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter, Write
from gateway.store.models import ChatMessageRow, ConversationRow, TurnRow
from gateway.store.row_spool import RowSpool, SpooledRow
from gateway.store.spool_file import SpoolFull
from gateway.store.turn_replay import CHAT_EVENT, REPLAY, STATE, TURN
from tests.gateway.store.test_audit_spool import _refusing_url

_INSERT_TURN = insert(TurnRow.__table__)
_SAVE_STATE = (
    update(ConversationRow.__table__)
    .where(ConversationRow.__table__.c.id == bindparam("b_id"))
    .values(state=bindparam("b_state"))
)


def _turn(seq: int, text: str) -> Write:
    row = {
        "conversation_id": "c1",
        "seq": seq,
        "speaker": "caller" if seq % 2 else "bot",
        "text": text,
        "meta": {"n": seq},
        "started_at": datetime(2026, 12, 6, 1, 0, seq, tzinfo=UTC),
        "ended_at": None,
        "interrupted": False,
    }
    return Write(_INSERT_TURN, row, TURN)


def _state(step: int) -> Write:
    return Write(_SAVE_STATE, {"b_id": "c1", "b_state": {"step": step}}, STATE)


def _spool(path: Path, max_bytes: int = 1 << 20) -> RowSpool:
    spool = RowSpool(path, max_bytes)
    spool.open()
    return spool


async def _stored(db: Database) -> tuple[list[tuple[int, str]], object, list[int]]:
    async with db.session() as s:
        turns = (
            await s.execute(
                select(TurnRow.seq, TurnRow.text).where(TurnRow.conversation_id == "c1").order_by(TurnRow.seq)
            )
        ).all()
        state = await s.scalar(select(ConversationRow.state).where(ConversationRow.id == "c1"))
        chat = (
            await s.scalars(select(ChatMessageRow.seq).where(ChatMessageRow.conversation_id == "c1"))
        ).all()
    return [(seq, text) for seq, text in turns], state, sorted(chat)


async def test_rows_spooled_while_away_are_stored_in_order_once(migrated_db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    try:
        await writes.write(_turn(1, "hello"))  # acknowledged from the spool, not waiting 5 s
        await writes.write(_turn(2, "hi there"), _state(1))
        await writes.write(_state(2))
        chat = {"conversation_id": "c1", "payload": {"type": "bot.final"}, "created_at": datetime.now(UTC)}
        await writes.spool_rows([SpooledRow(CHAT_EVENT, {**chat, "seq": n}) for n in (1, 2)])
        assert writes.spool_state() == (6, False)
    finally:
        await writes.close()
        await away.close()
    before_replay = path.read_bytes()

    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id="c1", channel="chat", status="active", state={"step": 0}, meta={}))
    writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
    try:
        assert await writes.replay_spool()  # the next start: the spool first
        await writes.write(_turn(3, "after"))
        assert path.read_bytes() == b"" and writes.spool_state() == (0, False)
        # A replay cut short by a crash (stored, the file not yet emptied): the same file again.
        await writes.close()
        path.write_bytes(before_replay)
        writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
        assert await writes.replay_spool()
        turns, state, chat_seqs = await _stored(db)
        assert turns == [(1, "hello"), (2, "hi there"), (3, "after")]  # each once, in order
        assert state == {"step": 2}  # the last save wins, as it did the first time
        assert chat_seqs == [1, 2]
    finally:
        await writes.close()
        await db.close()


async def test_a_full_row_spool_refuses_the_batch_and_says_so(tmp_path: Path) -> None:
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(tmp_path / "spool.jsonl", max_bytes=600), replay=REPLAY)
    try:
        await writes.write(_turn(1, "fits"))
        with pytest.raises(SpoolFull):
            await writes.write(_turn(2, "x" * 600))
        assert writes.spool_state() == (1, True)
        assert len((tmp_path / "spool.jsonl").read_bytes().splitlines()) == 1  # the first kept whole
    finally:
        await writes.close()
        await away.close()


def test_a_torn_last_line_is_dropped_and_datetimes_come_back(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    spool = _spool(path)
    started = datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=UTC)
    spool.append([SpooledRow(TURN, {"seq": 1, "started_at": started})])
    spool.close()
    with path.open("ab") as f:
        f.write(b'{"kind":"turn","row":{"seq":2,')  # a crash in the middle of a write
    spool = _spool(path)
    assert spool.pending == [SpooledRow(TURN, {"seq": 1, "started_at": started})]
    spool.close()
