"""The database restarted under a live chat ([5/7] item 2): writes wait and land in order once it
is back, nothing is lost or written twice, the chains verify. Longer than the ride-through, the
writes fail (the agent then offers a person) and readiness says the database is unreachable."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gateway.chat.hub import ChatHub, Subscriber
from gateway.chat.service import ChatService, chat_service
from gateway.services import Services
from gateway.store.models import AuditEventRow, ChatMessageRow, TurnRow
from gateway.twilio.signatures import sign
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.faults.conftest import OwnPostgres
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture
async def services(own_postgres: OwnPostgres, tmp_path: Path) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, database_url=own_postgres.url, database_ride_through_s=30)
    await prepare_database(settings)
    started = await Services.start(settings, edges=(ChatService.start,))
    yield started
    await started.stop()


async def _until(condition: Callable[[], bool], within_s: float = 30.0) -> None:
    for _ in range(int(within_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not met")


async def _open_chat(services: Services) -> tuple[ChatHub, str, Subscriber]:
    """A chat greeted and stored, with the visitor's connection attached from its first event."""
    hub = chat_service(services).hub
    cid = await hub.open_conversation()
    await hub.idle()
    visitor = hub.new_subscriber()
    await hub.attach(cid, 0, visitor)
    return hub, cid, visitor


async def _reply(visitor: Subscriber, client_id: str) -> dict:  # type: ignore[type-arg]
    """The bot's final reply to the visitor's message `client_id`, as the widget gets it."""
    while True:
        frame = json.loads(await asyncio.wait_for(visitor.queue.get(), 60))
        if frame["type"] == "bot.final" and frame["in_reply_to"] == client_id:
            return frame  # type: ignore[no-any-return]


async def _counts(services: Services, cid: str) -> tuple[int, int, int]:
    assert await services.conversations.writes.replay_spool()  # turns spooled meanwhile are in
    async with services.db.session() as s:
        turns = await s.scalar(select(func.count()).where(TurnRow.conversation_id == cid))
        events = await s.scalar(select(func.count()).where(AuditEventRow.conversation_id == cid))
        chat = await s.scalar(select(func.count()).where(ChatMessageRow.conversation_id == cid))
    return int(turns or 0), int(events or 0), int(chat or 0)


async def test_a_restart_mid_chat_delays_writes_and_loses_nothing(
    services: Services, own_postgres: OwnPostgres
) -> None:
    hub, cid, visitor = await _open_chat(services)

    await own_postgres.stop()
    # The visitor writes while the database is down: the turn's writes hold (retrying) ...
    await hub.visitor_message(cid, "What are your opening hours?", client_id="down-1")
    await _until(lambda: services.db.away_since is not None)  # the writers met the outage
    registry = services.telemetry.metrics.registry
    assert (registry.get_sample_value("frontdesk_database_unreachable_seconds") or 0) > 0
    # ... and the database comes back a few seconds later, as after a restart.
    await own_postgres.start()
    reply = (await _reply(visitor, "down-1"))["text"]
    assert "9 AM" in reply
    await hub.idle()
    await services.audit.flush()

    turns, events, chat = await _counts(services, cid)
    assert turns == 3  # greeting, the visitor's question, the answer
    assert chat == visitor.last_seq  # every event the visitor saw is stored, once
    stored_events = await services.audit.events(cid)
    assert [e.seq for e in stored_events] == list(range(1, events + 1))
    assert any(e.kind == "turn.user" for e in stored_events)
    assert (await services.audit.verify()).ok
    assert services.db.away_since is None
    assert registry.get_sample_value("frontdesk_database_unreachable_seconds") == 0


async def test_readiness_says_so_while_the_database_is_down(
    services: Services, own_postgres: OwnPostgres
) -> None:
    await own_postgres.stop()
    report = await services.readiness()
    assert report["ready"] is False
    assert "unreachable" in str(report["database"])
    await own_postgres.start()
    assert (await services.readiness())["database"] == "ok"


@pytest.mark.parametrize("spool", ["spools", "no spools"])
async def test_longer_than_the_ride_through_the_visitor_is_told(
    own_postgres: OwnPostgres, tmp_path: Path, spool: str
) -> None:
    """With the spools (a serving gateway's default) the turn is on disk and the chat goes on: the
    visitor gets the answer. Without (`FRONTDESK_AUDIT_SPOOL_MAX_BYTES=0`) the turn's write fails
    after the ride-through and the visitor is pointed to a person."""
    settings = make_settings(
        tmp_path,
        database_url=own_postgres.url,
        database_ride_through_s=1,
        audit_spool_max_bytes=64 << 20 if spool == "spools" else 0,
    )
    await prepare_database(settings)
    services = await Services.start(settings, edges=(ChatService.start,))
    try:
        hub, cid, visitor = await _open_chat(services)
        await own_postgres.stop()
        started = asyncio.get_running_loop().time()
        await hub.visitor_message(cid, "What are your opening hours?", client_id="long-1")
        frame = await _reply(visitor, "long-1")
        # Not left waiting: the answer, or a plain apology that points to a person, in bounded time.
        assert ("9 AM" if spool == "spools" else "person") in frame["text"]
        apology_s = asyncio.get_running_loop().time() - started
        assert apology_s < 30
    finally:
        await own_postgres.start()
        await services.stop()


async def test_a_new_call_while_the_database_is_down_hears_an_apology(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    """Without a spool to keep the call's row and token (spools off here; with a spool the call is
    answered: test_new_conversation_outage.py, with a full one refused: test_audit_spool.py)."""
    settings = make_settings(
        tmp_path, database_url=own_postgres.url, database_ride_through_s=0, audit_spool_max_bytes=0
    )
    await prepare_database(settings)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    try:
        await own_postgres.stop()
        url = f"{server.url}/twilio/voice"
        params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+15035550123", "To": "+15035550100"}
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(
                url, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)}
            )
        # Twilio gets TwiML it can play, not an error page ("an application error has occurred").
        assert answer.status_code == 200, answer.text
        assert "call us back" in answer.text and "<Hangup" in answer.text
        assert "<Stream" not in answer.text
    finally:
        await own_postgres.start()
        await asyncio.to_thread(server.stop)


async def test_sqlite_locked_by_another_writer_for_seconds(tmp_path: Path) -> None:
    """Another process holds SQLite's write lock (a backup tool, a manual session): the turn's
    writes wait for it (busy timeout) and land once it is released; nothing fails."""
    settings = make_settings(tmp_path)
    await prepare_database(settings)
    services = await Services.start(settings, edges=(ChatService.start,))
    try:
        hub, cid, visitor = await _open_chat(services)
        database = settings.database_url.split("///", 1)[1]
        locker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(3); c.execute('COMMIT')\n",
            database,
            stdout=asyncio.subprocess.PIPE,
        )
        assert locker.stdout is not None
        assert (await locker.stdout.readline()).strip() == b"locked"
        started = asyncio.get_running_loop().time()
        await hub.visitor_message(cid, "What are your opening hours?", client_id="locked-1")
        frame = await _reply(visitor, "locked-1")
        waited = asyncio.get_running_loop().time() - started
        assert "9 AM" in frame["text"]
        await locker.wait()
        await hub.idle()
        await services.audit.flush()
        turns, _, chat = await _counts(services, cid)
        assert turns == 3 and chat == visitor.last_seq
        assert (await services.audit.verify()).ok
        assert waited >= 1.0  # it did wait for the lock (the reply follows the stored turn)
    finally:
        await services.stop()
