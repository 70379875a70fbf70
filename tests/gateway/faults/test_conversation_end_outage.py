"""A conversation that ends, and one handed to staff, while PostgreSQL (the test's own) is down
(issue #18, "nothing lost under faults"): the close (status, end time, final state, after-call job)
and the handoff (its row, the conversation waiting) go to the turn spool behind the conversation's
turns, and are on the books once the database is back: by the running gateway's writer, or by the
next gateway started on the same data directory; a replay run again from the same file (cut
short by a crash after its commit) stores nothing twice.

The gateway is `Services` with the chat edge in this process (its spools are a serving gateway's);
the conversations are driven through `ConversationManager`, as the edges drive them. Then the same
over the chat protocol to a `frontdesk serve` killed with SIGKILL in the outage, and a phone call
(the real voice edge, `CallSimulator`) whose caller hangs up while the database is down."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from gateway.chat.service import ChatService
from gateway.clients.call_simulator import CallSimulator
from gateway.clients.caller import dtmf_turn
from gateway.services import Services
from gateway.settings import Settings
from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.db import Database
from gateway.store.models import ConversationRow, HandoffRow, TurnRow
from gateway.store.transcripts import conversation_of_call
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.chat.conftest import Chat
from tests.gateway.cluster.conftest import Cluster
from tests.gateway.faults.conftest import OwnPostgres, call_outage_settings
from tests.gateway.faults.spools import spooled_kinds, until_audited, until_replayed, until_spooled
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

REASON, SUMMARY = "caller asked for a person", "wants a repeat prescription"


async def _settings(own_postgres: OwnPostgres, tmp_path: Path) -> Settings:
    settings = make_settings(
        tmp_path, database_url=own_postgres.url, database_ride_through_s=30, after_call=["note"]
    )
    await prepare_database(settings)
    return settings


async def _start(settings: Settings) -> Services:
    return await Services.start(settings, edges=(ChatService.start,))


class Books:
    """What the database holds of the two conversations."""

    def __init__(self, url: str, ending: str, handed: str) -> None:
        self.db = Database(url)
        self.ending, self.handed = ending, handed

    async def conversation(self, cid: str) -> ConversationRow:
        async with self.db.session() as s:
            row = await s.get(ConversationRow, cid)
        assert row is not None
        return row

    async def jobs(self) -> list[str]:
        async with self.db.session() as s:
            kinds = await s.scalars(
                select(AfterCallJobRow.kind).where(AfterCallJobRow.conversation_id == self.ending)
            )
            return list(kinds)

    async def handoffs(self) -> list[tuple[str, str, str]]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(HandoffRow.reason, HandoffRow.summary, HandoffRow.status).where(
                    HandoffRow.conversation_id == self.handed
                )
            )
            return [(reason, summary, status) for reason, summary, status in rows]

    async def turns(self) -> list[tuple[int, str]]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(TurnRow.seq, TurnRow.text).where(TurnRow.conversation_id == self.ending)
            )
            return [(seq, text) for seq, text in rows]

    async def check(self, down: datetime, up: datetime) -> None:
        """Each conversation as it was left during the outage, each row once."""
        ending = await self.conversation(self.ending)
        assert ending.status == "closed"
        assert ending.ended_at is not None
        assert down <= _utc(ending.ended_at) <= up  # the time it was closed, in the outage
        assert ending.state["ended"] is True
        assert await self.turns() == [(1, "Your appointment is booked. Goodbye!")]
        assert await self.jobs() == ["note"]
        handed = await self.conversation(self.handed)
        assert (handed.status, handed.summary) == ("waiting", SUMMARY)
        assert handed.ended_at is None
        assert await self.handoffs() == [(REASON, SUMMARY, "waiting")]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_ended_and_handed_over_during_an_outage_on_the_books_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await _settings(own_postgres, tmp_path)
    services = await _start(settings)
    try:
        ending = await services.conversations.open("chat")
        handed = await services.conversations.open("chat")
        books = Books(own_postgres.url, ending.id, handed.id)

        await own_postgres.stop()
        down = datetime.now(UTC)
        await ending.staff_message("staff@example.com", "Your appointment is booked. Goodbye!")
        await ending.close("completed")  # returns: on disk, not waiting out the 30 s ride-through
        await handed.request_handoff(REASON, SUMMARY)
        up = datetime.now(UTC)
        assert (up - down).total_seconds() < 10
        assert spooled_kinds(settings.turn_spool_file()) == [
            "turn",
            "state",  # the final state, saved with the close
            "close",
            "after_call_job",
            "handoff",
            "status",
        ]

        await own_postgres.start()
        assert await services.conversations.writes.replay_spool()
        assert settings.turn_spool_file().read_bytes() == b""
        await books.check(down, up)
        assert await services.audit.replay_spool()
        ended = [e for e in await services.audit.events(ending.id) if e.kind == "conversation.ended"]
        assert [e.payload["reason"] for e in ended] == ["completed"]
        assert [e.kind for e in await services.audit.events(handed.id)].count("handoff.requested") == 1
        assert (await services.audit.verify()).ok
        await books.db.close()
    finally:
        with suppress(RuntimeError):
            await own_postgres.start()
        await services.stop()


async def test_a_gateway_stopped_in_the_outage_leaves_them_to_the_next_one_and_a_second_replay_adds_nothing(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await _settings(own_postgres, tmp_path)
    services = await _start(settings)
    spool = settings.turn_spool_file()
    try:
        ending = await services.conversations.open("chat")
        handed = await services.conversations.open("chat")
        await own_postgres.stop()
        down = datetime.now(UTC)
        await ending.staff_message("staff@example.com", "Your appointment is booked. Goodbye!")
        await ending.close("completed")
        await handed.request_handoff(REASON, SUMMARY)
        up = datetime.now(UTC)
        # The gateway goes away while the database is down: only the spool on disk has them.
        await services.stop()
        spooled = spool.read_bytes()
        assert spooled_kinds(spool) == ["turn", "state", "close", "after_call_job", "handoff", "status"]
    finally:
        await own_postgres.start()

    books = Books(own_postgres.url, ending.id, handed.id)
    try:
        assert (await books.conversation(ending.id)).status == "active"  # not on the books yet
        assert await books.handoffs() == []

        services = await _start(settings)  # the same data directory: the spool is stored at start
        try:
            assert spool.read_bytes() == b""
            await books.check(down, up)
        finally:
            await services.stop()

        spool.write_bytes(spooled)  # a replay cut short by a crash: stored, the file not emptied
        services = await _start(settings)
        try:
            assert spool.read_bytes() == b""
            await books.check(down, up)  # still once: one job, one handoff row, still waiting
            assert (await services.audit.verify()).ok
        finally:
            await services.stop()
    finally:
        await books.db.close()


async def test_chats_ended_and_handed_over_in_an_outage_survive_a_killed_gateway(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    """Over the chat protocol: one visitor says goodbye (the agent ends the chat), another asks
    for a person (the agent hands over) while PostgreSQL is down; the gateway is killed with
    SIGKILL; the next one on the same data directory puts both on the books, once."""
    secret = "conversation-end-secret-" + uuid.uuid4().hex
    settings = make_settings(tmp_path, database_url=own_postgres.url, session_secret=secret)
    await prepare_database(settings)
    env = {
        "FRONTDESK_DATABASE_URL": own_postgres.url,
        "FRONTDESK_SESSION_SECRET": secret,
        "FRONTDESK_PRELOAD_MODELS": "false",
        "FRONTDESK_DATABASE_RIDE_THROUGH_S": "60",
        "FRONTDESK_AFTER_CALL": "note",
    }
    cluster = Cluster(settings, env, tmp_path)
    spool = tmp_path / "gateway" / "turn-spool.jsonl"
    try:
        first = cluster.start("gateway")
        leaving = Chat(await connect(f"ws://127.0.0.1:{first.port}/chat/ws"))
        asking = Chat(await connect(f"ws://127.0.0.1:{first.port}/chat/ws"))
        ending = (await leaving.hello())["conversation_id"]
        handed = (await asking.hello())["conversation_id"]
        await leaving.greeting()
        await asking.greeting()

        await own_postgres.stop()
        down = datetime.now(UTC)
        await leaving.say("That's all, goodbye", "bye-1")
        closed = await leaving.recv_until(lambda f: f["type"] == "status")
        assert closed[-1]["status"] == "closed", closed
        await asking.say("I want to talk to a real person please", "person-1")
        waiting = await asking.recv_until(lambda f: f["type"] == "status")
        assert waiting[-1]["status"] == "waiting", waiting
        up = datetime.now(UTC)
        for _ in range(100):  # the handoff is stored before its status frame; the frames' batch after
            kinds = await asyncio.to_thread(spooled_kinds, spool)
            if {"close", "after_call_job", "handoff", "status"} <= set(kinds):
                break
            await asyncio.sleep(0.1)  # polling the spool file, bounded
        assert kinds.index("close") < kinds.index("after_call_job") < kinds.index("handoff"), kinds
        assert kinds.count("close") == 1 and kinds.count("handoff") == 1, kinds
        first.kill()
        await own_postgres.start()

        second = cluster.start("gateway")  # the same data directory: the spool is stored at start
        assert await asyncio.to_thread(spooled_kinds, spool) == []
        assert "row spool replayed" in second.log()
        books = Books(own_postgres.url, ending, handed)
        try:
            row = await books.conversation(ending)
            assert row.status == "closed" and row.ended_at is not None
            assert down <= _utc(row.ended_at) <= up
            assert row.state["ended"] is True
            assert await books.jobs() == ["note"]
            row = await books.conversation(handed)
            assert row.status == "waiting" and row.ended_at is None
            assert [status for _, _, status in await books.handoffs()] == ["waiting"]
        finally:
            await books.db.close()
    finally:
        with suppress(RuntimeError):
            await own_postgres.start()
        cluster.stop_all()


async def test_a_call_hung_up_during_an_outage_is_closed_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await call_outage_settings(own_postgres, tmp_path, 60, after_call=["note"])
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    db = Database(own_postgres.url)
    spool = settings.turn_spool_file()
    try:
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN)
        async with httpx.AsyncClient(timeout=30) as client:
            stream_url, parameters = await sim.answer(client)
        hold = asyncio.Event()
        # `rejoin`: the stream without the transcript request at its end (it needs the database).
        call = asyncio.create_task(sim.rejoin(stream_url, parameters, [dtmf_turn("1")], hold))
        await asyncio.wait_for(sim.idle.wait(), 120)  # the turn answered, the caller on the line
        cid = await conversation_of_call(db, sim.call_sid)
        assert cid is not None

        await own_postgres.stop()
        down = datetime.now(UTC)
        hold.set()  # the caller hangs up while the database is down
        report = await call
        assert [t.latency_ms is not None for t in report.turns] == [True]
        await until_spooled(
            spool, "close", within_s=10.0
        )  # the gateway closes the call once the stream stopped
        up = datetime.now(UTC)
        kinds = await asyncio.to_thread(spooled_kinds, spool)
        assert kinds[-2:] == ["close", "after_call_job"], kinds

        await own_postgres.start()
        await until_replayed(spool)  # the writer replays once the database answers (tried every 0.25 s)
        books = Books(own_postgres.url, cid, cid)
        try:
            row = await books.conversation(cid)
            assert row.status == "closed" and row.ended_at is not None
            assert down <= _utc(row.ended_at) <= up
            assert await books.jobs() == ["note"]
        finally:
            await books.db.close()
        ended = await until_audited(db, cid, "conversation.ended")
        assert len(ended) == 1, ended
    finally:
        await db.close()
        with suppress(RuntimeError):
            await own_postgres.start()
        await asyncio.to_thread(server.stop)
