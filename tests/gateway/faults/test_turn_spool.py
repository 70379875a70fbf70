"""Transcript turns through a database outage (issue #18): a chat goes on while PostgreSQL (the
test's own) is down, its turns fsynced in the turn spool (data_dir/turn-spool.jsonl); the gateway
(`frontdesk serve`) killed with SIGKILL meanwhile and started again once the database is back
stores them in order, once, before anything else; the chains verify."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from asyncio.subprocess import PIPE, STDOUT
from pathlib import Path

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ChatMessageRow, TurnRow
from tests.conftest import make_settings, prepare_database
from tests.gateway.chat.conftest import Chat
from tests.gateway.cluster.conftest import FRONTDESK, Cluster
from tests.gateway.faults.conftest import OwnPostgres
from tests.gateway.faults.spools import spooled_kinds

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

QUESTION = "What are your opening hours?"


def _spooled_chat_seqs(path: Path) -> int:
    """The highest seq of a chat event in the spool (0: none)."""
    records = [json.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []
    return max((r["row"]["seq"] for r in records if r["kind"] == "chat"), default=0)


async def test_turns_spooled_during_an_outage_survive_a_kill(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    secret = "turn-spool-secret-" + uuid.uuid4().hex
    settings = make_settings(tmp_path, database_url=own_postgres.url, session_secret=secret)
    await prepare_database(settings)
    env = {
        "FRONTDESK_DATABASE_URL": own_postgres.url,
        "FRONTDESK_SESSION_SECRET": secret,
        "FRONTDESK_PRELOAD_MODELS": "false",
        "FRONTDESK_DATABASE_RIDE_THROUGH_S": "60",  # the chat's other writes wait meanwhile
    }
    cluster = Cluster(settings, env, tmp_path)
    spool = tmp_path / "gateway" / "turn-spool.jsonl"
    try:
        first = cluster.start("gateway")
        chat = Chat(await connect(f"ws://127.0.0.1:{first.port}/chat/ws"))
        cid = (await chat.hello())["conversation_id"]
        greeting = (await chat.greeting())[-1]["text"]

        await own_postgres.stop()
        # The chat goes on: the visitor's turn and the answer are on disk, the answer given.
        frames = await chat.say(QUESTION, "down-1")
        answer, seen = frames[-1]["text"], frames[-1]["seq"]
        assert "9 AM" in answer
        for _ in range(100):  # the outbox spills each batch after its first failed write
            if await asyncio.to_thread(_spooled_chat_seqs, spool) >= seen:
                break
            await asyncio.sleep(0.1)  # polling the outbox's writer, bounded
        kinds = await asyncio.to_thread(spooled_kinds, spool)
        assert kinds.count("turn") == 2 and "chat" in kinds, kinds
        first.kill()
        await own_postgres.start()

        second = cluster.start("gateway")  # the same data directory: the spool is stored at start
        assert await asyncio.to_thread(spooled_kinds, spool) == []
        assert "row spool replayed" in second.log()
        db = Database(own_postgres.url)
        try:
            async with db.session() as s:
                turns = (
                    await s.execute(
                        select(TurnRow.seq, TurnRow.speaker, TurnRow.text)
                        .where(TurnRow.conversation_id == cid)
                        .order_by(TurnRow.seq)
                    )
                ).all()
                chat_seqs = list(
                    (
                        await s.scalars(
                            select(ChatMessageRow.seq)
                            .where(ChatMessageRow.conversation_id == cid)
                            .order_by(ChatMessageRow.seq)
                        )
                    ).all()
                )
                kinds_on_chain = list(
                    (
                        await s.scalars(
                            select(AuditEventRow.kind)
                            .where(AuditEventRow.conversation_id == cid)
                            .order_by(AuditEventRow.seq)
                        )
                    ).all()
                )
        finally:
            await db.close()
        assert [tuple(t) for t in turns] == [
            (1, "bot", greeting),
            (2, "caller", QUESTION),
            (3, "bot", answer),
        ]
        assert chat_seqs == list(range(1, seen + 1))  # what the visitor was sent, each once
        assert kinds_on_chain.count("turn.user") == 1 and kinds_on_chain.count("turn.bot") == 2
        verified = await asyncio.create_subprocess_exec(
            FRONTDESK, "audit", "verify", env={**os.environ, **env}, stdout=PIPE, stderr=STDOUT
        )
        out, _ = await verified.communicate()
        assert verified.returncode == 0, out.decode()
    finally:
        cluster.stop_all()


async def test_turns_spooled_while_sqlite_is_locked_survive_a_kill(tmp_path: Path) -> None:
    """SQLite: another process holds the file's write lock (longer than the writers wait for it,
    0.5 s here): the chat is answered all the same, its turns on disk; the gateway killed while the
    lock is held and started after it is released stores them once, in order."""
    secret = "turn-spool-secret-" + uuid.uuid4().hex
    settings = make_settings(tmp_path, session_secret=secret)
    await prepare_database(settings)
    env = {
        "FRONTDESK_DATABASE_URL": settings.database_url,
        "FRONTDESK_SESSION_SECRET": secret,
        "FRONTDESK_PRELOAD_MODELS": "false",
        "FRONTDESK_DATABASE_RIDE_THROUGH_S": "60",
        "FRONTDESK_DATABASE_SQLITE_WRITER_BUSY_S": "0.5",
    }
    cluster = Cluster(settings, env, tmp_path)
    spool = tmp_path / "gateway" / "turn-spool.jsonl"
    locker = None
    try:
        first = cluster.start("gateway")
        chat = Chat(await connect(f"ws://127.0.0.1:{first.port}/chat/ws"))
        cid = (await chat.hello())["conversation_id"]
        greeting = (await chat.greeting())[-1]["text"]

        locker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read(); c.execute('COMMIT')\n",
            settings.database_url.split("///", 1)[1],
            stdin=PIPE,
            stdout=PIPE,
        )
        assert locker.stdout is not None and locker.stdin is not None
        assert (await locker.stdout.readline()).strip() == b"locked"
        answer = (await chat.say(QUESTION, "locked-1"))[-1]["text"]  # answered under the lock
        assert "9 AM" in answer
        assert locker.returncode is None  # still holding it
        kinds = await asyncio.to_thread(spooled_kinds, spool)
        assert kinds.count("turn") == 2, kinds
        first.kill()
        locker.stdin.close()
        assert await locker.wait() == 0

        second = cluster.start("gateway")
        assert await asyncio.to_thread(spooled_kinds, spool) == []
        assert "row spool replayed" in second.log()
        second.kill()
        turns = await _turns(settings.database_url, cid)
        assert turns == [(1, "bot", greeting), (2, "caller", QUESTION), (3, "bot", answer)]
        verified = await asyncio.create_subprocess_exec(
            FRONTDESK, "audit", "verify", env={**os.environ, **env}, stdout=PIPE, stderr=STDOUT
        )
        out, _ = await verified.communicate()
        assert verified.returncode == 0, out.decode()
    finally:
        if locker is not None and locker.returncode is None:
            locker.kill()
            await locker.wait()
        cluster.stop_all()


async def _turns(url: str, cid: str) -> list[tuple[int, str, str]]:
    db = Database(url)
    try:
        async with db.session() as s:
            rows = await s.execute(
                select(TurnRow.seq, TurnRow.speaker, TurnRow.text)
                .where(TurnRow.conversation_id == cid)
                .order_by(TurnRow.seq)
            )
            return [(seq, speaker, text) for seq, speaker, text in rows]
    finally:
        await db.close()
