"""What opens a conversation, through the turn writer's spool while the database is away (issue #18,
gateway/store/open_writes.py): the conversation's row, a call's stream token (handed out and spent
here, gateway/twilio/tokens.py) and a chat's resume token (issued and resumed here,
gateway/chat/resume.py; a resume here is refused, changing nothing, when what the client missed
is no longer in memory). Stored once the database is back, in spool order (the rows naming the
conversation after its own), and a replay run again from the same file (cut short by a crash after
its commit) changes nothing. Once the database answers again, a token of a conversation whose row
still waits in the spool goes into the spool too, not to the database (whose foreign key would
refuse it).

The database that is away is a PostgreSQL URL on a port nothing listens on; the one that comes back
a real, migrated SQLite or PostgreSQL database. Over a served gateway during a real PostgreSQL
outage: tests/gateway/faults/test_new_conversation_outage.py."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.chat.resume import ChatSessionRow, ResumeTokens, ResumeUnavailable
from gateway.chat.tokens import SessionTokens, TokenRefused
from gateway.store.call_writes import recording_write
from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import CallTokenRow, ConversationRow, RecordingRow
from gateway.store.open_writes import conversation_row
from gateway.store.turn_replay import REPLAY
from gateway.twilio import tokens
from tests.gateway.store.test_audit_spool import _refusing_url
from tests.gateway.store.test_row_spool import _spool

SECRET = "a-session-secret-of-this-test-only"
TTL_S = 300.0


def _opened(channel: str) -> dict[str, Any]:
    """A conversation's row as `ConversationManager.open` makes it."""
    return {
        "id": uuid.uuid4().hex,
        "channel": channel,
        "status": "active",
        "caller_phone": "+15035550123" if channel == "voice" else None,
        "external_id": "CA" + uuid.uuid4().hex if channel == "voice" else None,
        "started_at": datetime.now(UTC),
        "state": {"conversation_id": "x", "channel": channel},
        "meta": {"opened": "in the outage"},
        "replica_id": "replica-a",
    }


def _resume_tokens(db: Database, writes: GroupCommitter, in_memory_from: int = 0) -> ResumeTokens:
    """`in_memory_from`: the first event the hub still holds in memory (0: all of them)."""

    def held_here(conversation_id: str, after_seq: int) -> bool:
        return after_seq + 1 >= in_memory_from

    return ResumeTokens(db, SessionTokens(SECRET, 3600), 3600, 300, writes=writes, held_here=held_here)


async def _books(db: Database, call: str, chat: str, token: str) -> tuple[Any, ...]:
    async with db.session() as s:
        conversations = sorted(
            (r.id, r.channel, r.status, r.replica_id, r.meta)
            for r in await s.scalars(select(ConversationRow))
        )
        spent = await s.get(CallTokenRow, token)
        session = await s.get(ChatSessionRow, chat)
        recordings = [(r.conversation_id, r.path) for r in await s.scalars(select(RecordingRow))]
    assert spent is not None and session is not None
    return conversations, (spent.conversation_id, spent.used_at), session.generation, recordings


async def test_opened_while_away_stored_once_in_order_and_a_second_replay_changes_nothing(
    migrated_db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    call, chat = _opened("voice"), _opened("chat")
    try:
        # The call: its row (as `open` spools it), its token handed out and spent here, a row naming it.
        await writes.spool_rows([conversation_row(call)])
        here = tokens.IssuedHere(TTL_S, writes)
        token = await tokens.issue(away, call["id"], SECRET, here)
        assert await tokens.redeem(away, token, TTL_S, here) == call["id"]
        with pytest.raises(tokens.TokenRefused, match="token already used"):
            await tokens.redeem(away, token, TTL_S, here)
        await writes.write(recording_write(call["id"], f"recordings/{call['id']}.wav", 3.5))
        # The chat: its row, its first token, a resume here (the first token revoked by it).
        await writes.spool_rows([conversation_row(chat)])
        resume = _resume_tokens(away, writes, in_memory_from=5)
        first = await resume.first(chat["id"])
        # What the visitor missed is no longer all in memory: refused, and nothing changed.
        with pytest.raises(ResumeUnavailable):
            await resume.resume(first, last_seq=2)
        assert (await resume.resume(first, last_seq=4))[0] == chat["id"]
        with pytest.raises(TokenRefused) as revoked:
            await resume.resume(first)
        assert revoked.value.code == "token_revoked"
        kinds = [row.kind for row in writes.spool.pending]  # type: ignore[union-attr]
        assert kinds == [
            "conversation",
            "call_token",
            "stream_token",
            "recording",
            "conversation",
            "chat_session",
            "chat_session",
        ], kinds
    finally:
        await writes.close()
        await away.close()
    spooled = await asyncio.to_thread(path.read_bytes)

    db = Database(migrated_db_url)
    try:
        for replay in ("first", "again"):
            if replay == "again":  # a replay cut short by a crash after its commit: the same file
                await asyncio.to_thread(path.write_bytes, spooled)
            back = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
            try:
                assert await back.replay_spool()
            finally:
                await back.close()
            conversations, (owner, used_at), generation, recordings = await _books(
                db, call["id"], chat["id"], token
            )
            assert conversations == sorted(
                (c["id"], c["channel"], "active", "replica-a", c["meta"]) for c in (call, chat)
            )
            assert owner == call["id"] and used_at is not None
            if replay == "first":
                spent_at = used_at
            assert used_at == spent_at  # the spend keeps its time
            assert generation == 2  # the resume's token is the current one
            assert recordings == [(call["id"], f"recordings/{call['id']}.wav")]
        # The database decides now: the spent token stays spent, the first chat token revoked.
        with pytest.raises(tokens.TokenRefused, match="token already used"):
            await tokens.redeem(db, token, TTL_S)
    finally:
        await db.close()


async def test_a_token_of_a_conversation_still_spooled_follows_it_there_once_the_database_answers(
    migrated_db_url: str, tmp_path: Path
) -> None:
    db = Database(migrated_db_url)
    path = tmp_path / "turn-spool.jsonl"
    writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
    call, chat = _opened("voice"), _opened("chat")
    try:
        # Opened during the outage; the database answers again before the spool is replayed.
        assert writes.spool is not None
        await asyncio.to_thread(writes.spool.append, [conversation_row(call), conversation_row(chat)])
        token = await tokens.issue(db, call["id"], SECRET, tokens.IssuedHere(TTL_S, writes))
        await _resume_tokens(db, writes).first(chat["id"])
        kinds = [row.kind for row in writes.spool.pending]
        assert kinds == ["conversation", "conversation", "call_token", "chat_session"], kinds
        assert await writes.replay_spool()
        async with db.session() as s:
            assert (await s.get(CallTokenRow, token)) is not None
            assert (await s.get(ChatSessionRow, chat["id"])) is not None
    finally:
        await writes.close()
        await db.close()
