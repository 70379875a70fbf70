"""The chat outbox through a database outage (issue #18): a visitor answered while PostgreSQL (the
test's own) is down drops the connection before it comes back, and reconnects afterwards with its
token and the last seq it saw before the outage. It gets what followed once, in order, and its
next message is numbered after it: every event is stored once, no seq twice."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.store.db import Database
from gateway.store.models import ChatMessageRow
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.chat.conftest import Chat, sequenced
from tests.gateway.faults.conftest import OwnPostgres

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


async def _stored_seqs(db: Database, cid: str, expected: int) -> list[int]:
    """The outbox's seqs of the conversation once it holds `expected` rows (it retries, then
    batches every 50 ms), or what it holds after 60 s."""
    for _ in range(600):
        async with db.session() as s:
            seqs = list(
                (
                    await s.scalars(
                        select(ChatMessageRow.seq)
                        .where(ChatMessageRow.conversation_id == cid)
                        .order_by(ChatMessageRow.seq)
                    )
                ).all()
            )
        if len(seqs) >= expected:
            return seqs
        await asyncio.sleep(0.1)  # polling the outbox's writer, bounded
    return seqs


async def test_a_visitor_reconnecting_after_an_outage_misses_nothing(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=own_postgres.url, database_ride_through_s=60)
    await prepare_database(settings)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    db = Database(own_postgres.url)
    try:
        chat = await Chat.open(server)
        welcome = await chat.hello()
        cid, token = welcome["conversation_id"], welcome["token"]
        before = sequenced(await chat.greeting())[-1]["seq"]

        await own_postgres.stop()
        during = sequenced(await chat.say("What are your opening hours?", "down-1"))
        assert "9 AM" in during[-1]["text"]  # answered while the database is down
        await chat.close()  # the visitor's connection drops before the database is back
        await own_postgres.start()
        # Once the outbox has stored what the visitor was sent, it can resume from the database.
        seen = during[-1]["seq"]
        assert await _stored_seqs(db, cid, seen) == list(range(1, seen + 1))

        back = await Chat.open(server)
        resumed = await back.hello(token=token, last_seq=before)
        assert resumed["resumed"] is True and resumed["seq"] == before
        replayed = sequenced(
            await back.recv_until(lambda f: f["type"] == "bot.final" and f["in_reply_to"] == "down-1")
        )
        assert [f["seq"] for f in replayed] == list(range(before + 1, seen + 1))  # each once
        assert [f["seq"] for f in replayed] == [f["seq"] for f in during]
        # (a question, not "thank you": thanks to "anything else?" now ends the chat, a frame more)
        after = sequenced(await back.say("And are you open on Saturdays?", "after-1"))
        assert after[0]["seq"] == seen + 1 and after[-1]["type"] == "bot.final"
        await back.close()
        stored = await _stored_seqs(db, cid, after[-1]["seq"])
        assert stored == list(range(1, after[-1]["seq"] + 1))  # no seq twice, none missing
    finally:
        await db.close()
        with suppress(RuntimeError):
            await own_postgres.start()
        await asyncio.to_thread(server.stop)
