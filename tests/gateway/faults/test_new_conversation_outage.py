"""A new call and a new chat while PostgreSQL (the test's own) is down, over a served gateway (issue
#18): while the turn spool has room they are answered, not refused. The conversation's row, the
call's stream token and the chat's resume token go into the turn spool, in that order, before
anything that names the conversation (gateway/store/open_writes.py); the call's stream starts on
the token this process remembers, the chat visitor resumes on this process from memory; once the
database is back everything is stored once, in order, and the audit chains verify.

The refusals that stay: with a full spool (tests/gateway/faults/test_audit_spool.py,
test_spool_full_chats.py) and without a spool (test_chat_hello_outage.py, test_database_restart.py
`-k apology`)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gateway.chat.resume import ChatSessionRow
from gateway.clients.call_simulator import CallSimulator
from gateway.clients.caller import dtmf_turn
from gateway.store.audit_verify import verify_chains
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, CallTokenRow, ChatMessageRow, ConversationRow, TurnRow
from gateway.store.transcripts import conversation_of_call
from tests.conftest import make_settings, prepare_database
from tests.gateway.chat.conftest import Chat
from tests.gateway.faults.conftest import OwnPostgres, call_outage_settings, outage_gateway
from tests.gateway.faults.spools import spooled_kinds, until_replayed, until_spooled
from tests.gateway.faults.test_call_end_outage import _utc
from tests.gateway.faults.test_stream_start_outage import _refused_stream
from tests.gateway.twilio.conftest import AUTH_TOKEN
from tests.logs import json_lines

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

OPENED_AWAY = "conversation opened while the database is unreachable: its row is in the turn spool"


def _quiet(logs: io.StringIO) -> list[dict[str, Any]]:
    """The captured lines, none with a traceback or at level error."""
    assert "Traceback" not in logs.getvalue(), logs.getvalue()
    lines = json_lines(logs)
    assert not [line for line in lines if "exception" in line or line.get("level") == "error"], lines
    return lines


async def _turns(db: Database, cid: str) -> list[tuple[int, str]]:
    async with db.session() as s:
        rows = await s.scalars(select(TurnRow).where(TurnRow.conversation_id == cid).order_by(TurnRow.seq))
        return [(t.seq, t.speaker) for t in rows]


async def _audit_kinds(db: Database, cid: str) -> list[str]:
    async with db.session() as s:
        return list(
            await s.scalars(
                select(AuditEventRow.kind)
                .where(AuditEventRow.conversation_id == cid)
                .order_by(AuditEventRow.seq)
            )
        )


async def test_a_new_call_during_an_outage_is_answered_and_on_record_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await call_outage_settings(own_postgres, tmp_path, 30)
    async with outage_gateway(own_postgres, settings) as (server, db, logs):
        await own_postgres.stop()
        down = datetime.now(UTC)
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, reply_timeout_s=20)
        async with httpx.AsyncClient(timeout=30) as client:
            # TwiML with the stream and its token, not the "call back" apology.
            stream_url, parameters = await sim.answer(client)
        assert parameters.get("token"), parameters
        report = await asyncio.wait_for(sim.rejoin(stream_url, parameters, [dtmf_turn("1")]), 90)
        [turn] = report.turns
        assert turn.played and turn.latency_ms is not None, report  # greeted, then answered aloud
        # Still one-time: the same token again is refused by this process.
        assert await _refused_stream(sim, stream_url, parameters["token"]) == (1008, "token")
        up_again = datetime.now(UTC)

        kinds = await until_spooled(settings.turn_spool_file(), "close")  # hung up in the outage
        assert kinds[:2] == ["conversation", "call_token"], kinds  # before anything naming it
        assert kinds.count("conversation") == 1 and kinds.count("call_token") == 1, kinds
        assert kinds.index("call_token") < kinds.index("stream_token") < kinds.index("turn"), kinds
        assert kinds.index("turn") < kinds.index("close"), kinds
        lines = _quiet(logs)
        assert [line["channel"] for line in lines if line.get("event") == OPENED_AWAY] == ["voice"]

        await own_postgres.start()
        await until_replayed(settings.turn_spool_file())
        await until_replayed(settings.audit_spool_file())
        cid = await conversation_of_call(db, sim.call_sid)
        assert cid is not None
        async with db.session() as s:
            conversation = await s.get(ConversationRow, cid)
            token = await s.get(CallTokenRow, parameters["token"])
            calls = list(
                await s.scalars(select(ConversationRow.id).where(ConversationRow.external_id == sim.call_sid))
            )
        assert calls == [cid]
        assert conversation is not None and conversation.channel == "voice"
        assert conversation.status == "closed" and conversation.replica_id == settings.replica_id
        assert down <= _utc(conversation.started_at) <= up_again
        assert token is not None and token.conversation_id == cid and token.used_at is not None
        assert down <= _utc(token.used_at) <= up_again
        # The greeting, the keypad turn and its answer, once each.
        assert await _turns(db, cid) == [(1, "bot"), (2, "caller"), (3, "bot")]
        audited = await _audit_kinds(db, cid)
        assert audited[0] == "conversation.started", audited
        assert audited.count("conversation.started") == 1 and audited.count("turn.user") == 1, audited
        assert audited.count("conversation.ended") == 1, audited
        verified = await verify_chains(db)  # what `frontdesk audit verify` runs
        assert verified.ok, verified.problems
        _quiet(logs)


async def test_a_new_chat_during_an_outage_is_answered_resumed_here_and_on_record_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=own_postgres.url, database_ride_through_s=30)
    await prepare_database(settings)
    async with outage_gateway(own_postgres, settings) as (server, db, logs):
        await own_postgres.stop()
        ready = await asyncio.to_thread(httpx.get, f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 503 and "database unreachable" in ready.json()["database"]

        chat = await Chat.open(server)
        welcome = await chat.hello()
        assert welcome["resumed"] is False, welcome
        cid, first_token = welcome["conversation_id"], welcome["token"]
        assert (await chat.greeting())[-1]["text"]
        answer = await chat.say("What are your opening hours?", "during-1")
        assert "9 AM" in answer[-1]["text"], answer
        seen = answer[-1]["seq"]
        await chat.close()  # the visitor's connection drops

        # Resumed on this process, still in the outage: from memory, one-time as ever.
        back = await Chat.open(server)
        resumed = await back.hello(token=first_token, last_seq=seen)
        assert resumed["resumed"] is True and resumed["conversation_id"] == cid, resumed
        assert resumed["seq"] == seen and resumed["token"] != first_token
        again = await back.say("What are your opening hours?", "during-2")
        assert "9 AM" in again[-1]["text"], again
        last_seq, newest = again[-1]["seq"], resumed["token"]
        stale = await Chat.open(server)
        await stale.send(type="hello", token=first_token, last_seq=0)
        assert (await stale.recv())["code"] == "token_revoked"
        await stale.close()
        await back.close()

        kinds = await asyncio.to_thread(spooled_kinds, settings.turn_spool_file())
        # The row before anything naming the conversation (the greeting's turn may come before
        # the token's generation: the greeting is produced while the welcome is prepared).
        assert kinds[0] == "conversation" and "chat_session" in kinds, kinds
        assert kinds.count("conversation") == 1 and kinds.count("chat_session") == 2, kinds
        assert "turn" in kinds and "chat" in kinds, kinds
        lines = _quiet(logs)
        assert [line["channel"] for line in lines if line.get("event") == OPENED_AWAY] == ["chat"]

        await own_postgres.start()
        await until_replayed(settings.turn_spool_file())
        await until_replayed(settings.audit_spool_file())
        async with db.session() as s:
            conversation = await s.get(ConversationRow, cid)
            session = await s.get(ChatSessionRow, cid)
            seqs = list(
                await s.scalars(
                    select(ChatMessageRow.seq)
                    .where(ChatMessageRow.conversation_id == cid)
                    .order_by(ChatMessageRow.seq)
                )
            )
        assert conversation is not None and conversation.channel == "chat"
        assert session is not None and session.generation == 2  # the resume's token is current
        assert seqs == list(range(1, last_seq + 1))  # every event the visitor got, once
        assert await _turns(db, cid) == [(1, "bot"), (2, "caller"), (3, "bot"), (4, "caller"), (5, "bot")]
        audited = await _audit_kinds(db, cid)
        assert audited[0] == "conversation.started" and audited.count("conversation.started") == 1
        assert audited.count("turn.user") == 2, audited
        verified = await verify_chains(db)  # what `frontdesk audit verify` runs
        assert verified.ok, verified.problems

        # Now the database decides: the newest token resumes (on any replica), the first not.
        later = await Chat.open(server)
        assert (await later.hello(token=newest, last_seq=last_seq))["resumed"] is True
        await later.close()
        refused = await Chat.open(server)
        await refused.send(type="hello", token=first_token, last_seq=0)
        assert (await refused.recv())["code"] == "token_revoked"
        await refused.close()
        _quiet(logs)
