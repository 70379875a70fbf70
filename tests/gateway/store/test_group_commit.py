"""Group commit of turn rows on SQLite and PostgreSQL: shared transactions, per-caller atomicity,
one caller's constraint violation failing only that caller, and a conversation's turns numbered
without gaps while many conversations write at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from agents.api import UserTurn
from agents.events import EventKind
from gateway.conversation import Conversation, ConversationManager
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter, Write
from gateway.store.models import ConversationRow, TurnRow, new_id
from gateway.wiring import build_agent_for, build_connector
from tests.conftest import make_settings

_INSERT_TURN = insert(TurnRow.__table__)


@pytest.fixture
async def db(migrated_db_url: str):
    database = Database(migrated_db_url)
    yield database
    await database.close()


async def _conversation(db: Database) -> str:
    cid = new_id()
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id=cid, channel="chat", status="active", state={}, meta={}))
    return cid


def _turn(cid: str, seq: int, text: str = "hello") -> Write:
    return Write(
        _INSERT_TURN,
        {
            "conversation_id": cid,
            "seq": seq,
            "speaker": "caller",
            "text": text,
            "meta": {},
            "interrupted": False,
        },
    )


async def _texts(db: Database, cid: str) -> list[str]:
    async with db.session() as s:
        rows = await s.execute(
            select(TurnRow.text).where(TurnRow.conversation_id == cid).order_by(TurnRow.seq)
        )
        return [r[0] for r in rows]


async def test_concurrent_writers_share_commits_and_all_rows_are_stored(db: Database) -> None:
    committer = GroupCommitter(db)
    cids = [await _conversation(db) for _ in range(40)]
    await asyncio.gather(*(committer.write(_turn(c, 1, f"t-{c}"), _turn(c, 2)) for c in cids))
    for c in cids:
        assert await _texts(db, c) == [f"t-{c}", "hello"]
    assert 1 <= committer.commits < len(cids)  # batched: fewer transactions than writers
    await committer.close()


async def test_a_conflicting_caller_fails_alone_and_atomically(db: Database) -> None:
    committer = GroupCommitter(db)
    taken, other = await _conversation(db), await _conversation(db)
    await committer.write(_turn(taken, 1, "first"))
    results = await asyncio.gather(
        # Row 2 is new but row 1 is taken: neither of this caller's rows may be stored.
        committer.write(_turn(taken, 2, "second"), _turn(taken, 1, "duplicate")),
        committer.write(_turn(other, 1, "unrelated")),
        return_exceptions=True,
    )
    assert isinstance(results[0], IntegrityError)
    assert results[1] is None
    assert await _texts(db, taken) == ["first"]
    assert await _texts(db, other) == ["unrelated"]
    await committer.close()


async def test_empty_write_is_a_no_op_and_close_is_idempotent(db: Database) -> None:
    committer = GroupCommitter(db)
    await committer.write()
    assert committer.commits == 0
    await committer.close()
    await committer.close()


def _manager(db: Database, audit: AuditLog, tmp_path: Path) -> ConversationManager:
    """The real offline agent over the demo practice on the same database."""
    settings = make_settings(tmp_path)
    connector = build_connector(settings, db)
    return ConversationManager(db, audit, build_agent_for(settings, connector, audit))


async def _say(conversation: Conversation, text: str) -> None:
    async for _ in conversation.user_turn(UserTurn(text=text, channel="chat")):
        pass


async def test_many_conversations_turns_and_state_stored_in_order(db: Database, tmp_path: Path) -> None:
    audit = AuditLog(db)
    manager = _manager(db, audit, tmp_path)
    conversations = [await manager.open("chat") for _ in range(15)]

    async def talk(n: int) -> None:
        conversation = conversations[n]
        for k in range(3):
            await _say(conversation, f"c{n} m{k} what are your opening hours")

    await asyncio.gather(*(talk(n) for n in range(len(conversations))))
    for n, conversation in enumerate(conversations):
        async with db.session() as s:
            rows = (
                await s.execute(
                    select(TurnRow.seq, TurnRow.speaker, TurnRow.text)
                    .where(TurnRow.conversation_id == conversation.id)
                    .order_by(TurnRow.seq)
                )
            ).all()
            state = (await s.get(ConversationRow, conversation.id)).state  # type: ignore[union-attr]
        assert [r.seq for r in rows] == list(range(1, 7))
        assert [r.text for r in rows[::2]] == [f"c{n} m{k} what are your opening hours" for k in range(3)]
        assert [r.speaker for r in rows] == ["caller", "bot"] * 3
        assert all(r.text for r in rows[1::2])
        assert state == conversation.state.model_dump(mode="json")
        kinds = [e.kind for e in await audit.events(conversation.id)]
        assert kinds.count(EventKind.USER_TURN) == 3
    assert manager.writes.commits < 15 * 6
    assert (await audit.verify()).ok
    await manager.close()
    await audit.close()


async def test_turn_numbers_taken_elsewhere_are_skipped(db: Database, tmp_path: Path) -> None:
    audit = AuditLog(db)
    manager = _manager(db, audit, tmp_path)
    conversation = await manager.open("chat")
    await _say(conversation, "hello")
    # Another replica stores turn 3 behind this process's back (its cached number is 2).
    async with db.session() as s, s.begin():
        await s.execute(_INSERT_TURN, [{**_turn(conversation.id, 3, "staff elsewhere").params}])
    await _say(conversation, "what are your opening hours")
    async with db.session() as s:
        count = await s.scalar(select(func.count()).where(TurnRow.conversation_id == conversation.id))
    assert count == 5
    texts = await _texts(db, conversation.id)
    assert texts[2] == "staff elsewhere"
    assert texts[3] == "what are your opening hours" and texts[4]
    await manager.close()
    await audit.close()
