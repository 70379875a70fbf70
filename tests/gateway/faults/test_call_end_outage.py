"""The end of phone calls while PostgreSQL (the test's own) is down, over a served gateway (issue
#18): Twilio's status callback, which Twilio does not retry, and a call's recording row.

- A signed status callback POSTed during the outage gets 200 at once, for a call this process
  does not hold (another replica answered its webhook: the conversation can only be read from the
  database) and for one it holds (answered here, its stream never started). Once the database is
  back both conversations are closed as of the callback, each with one after-call job, and the
  callbacks are on the audit chains.
- A call hung up during the outage has its recording row once the database is back (through the
  turn spool, in order before the close); the same spool replayed again adds no second row.
- A call's stream taken up here during the outage (`ConversationManager.hold`, after its token was
  redeemed): this replica is on record as holding it once the database is back.

A replay of the spool run twice, for every kind, without a gateway: tests/gateway/store/test_call_end_spool.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gateway.chat.service import ChatService
from gateway.clients.call_simulator import CallSimulator
from gateway.clients.caller import dtmf_turn
from gateway.services import Services
from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.audit import SYSTEM_CHAIN
from gateway.store.db import Database
from gateway.store.models import ConversationRow, RecordingRow
from gateway.store.transcripts import conversation_of_call
from gateway.twilio.signatures import sign
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.faults.conftest import OwnPostgres, call_outage_settings
from tests.gateway.faults.spools import (
    replay_again,
    spooled_kinds,
    until_audited,
    until_replayed,
    until_spooled,
)
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _jobs(db: Database, cid: str) -> list[str]:
    async with db.session() as s:
        return list(
            await s.scalars(select(AfterCallJobRow.kind).where(AfterCallJobRow.conversation_id == cid))
        )


async def _status_callback(
    client: httpx.AsyncClient, server: LiveServer, call_sid: str, status: str
) -> httpx.Response:
    url = server.url + "/twilio/status"
    params = {"CallSid": call_sid, "CallStatus": status, "CallDuration": "17"}
    return await client.post(url, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)})


async def test_status_callbacks_during_an_outage_are_kept_and_applied_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, database_url=own_postgres.url, database_ride_through_s=30, after_call=["note"]
    )
    await prepare_database(settings)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    db = Database(own_postgres.url)
    spool = settings.turn_spool_file()
    try:
        # A call whose webhook another replica answered: on record, not in this process.
        elsewhere, elsewhere_sid = uuid.uuid4().hex, "CA" + uuid.uuid4().hex
        async with db.session() as s, s.begin():
            s.add(
                ConversationRow(
                    id=elsewhere,
                    channel="voice",
                    status="active",
                    external_id=elsewhere_sid,
                    replica_id="another-replica",
                    state={},
                    meta={},
                )
            )
        # A call answered here whose caller hung up before its stream started.
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN)
        async with httpx.AsyncClient(timeout=30) as client:
            await sim.answer(client)
            here = await conversation_of_call(db, sim.call_sid)
            assert here is not None

            await own_postgres.stop()
            down = datetime.now(UTC)
            away = await _status_callback(client, server, elsewhere_sid, "completed")
            held = await _status_callback(client, server, sim.call_sid, "canceled")
            up = datetime.now(UTC)
        assert (away.status_code, held.status_code) == (200, 200), (away.text, held.text)
        assert "<Response" in away.text and "<Response" in held.text
        assert (up - down).total_seconds() < 10  # not waiting out the 30 s ride-through
        kinds = spooled_kinds(spool)
        assert kinds.count("call_status") == 1 and "close" in kinds, kinds

        await own_postgres.start()
        await until_replayed(spool)
        for cid in (elsewhere, here):
            async with db.session() as s:
                row = await s.get(ConversationRow, cid)
            assert row is not None and row.status == "closed" and row.ended_at is not None
            assert down <= _utc(row.ended_at) <= up  # as of the callback, in the outage
            assert await _jobs(db, cid) == ["note"]
        # The callbacks on the record: the held call's on its own chain, the other's (its
        # conversation could not be named during the outage) on the system chain by its SID.
        system = await until_audited(db, SYSTEM_CHAIN, "call.event")
        assert [(e["call_sid"], e["call_status"], e["call_duration_s"]) for e in system] == [
            (elsewhere_sid, "completed", "17")
        ]
        own = await until_audited(db, here, "call.event")
        assert [(e["call_status"], e["call_duration_s"]) for e in own] == [("canceled", "17")]
        ended = await until_audited(db, here, "conversation.ended")
        assert [e["reason"] for e in ended] == ["call canceled"]
    finally:
        await db.close()
        with suppress(RuntimeError):
            await own_postgres.start()
        await asyncio.to_thread(server.stop)


async def test_a_call_hung_up_during_an_outage_has_its_recording_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await call_outage_settings(own_postgres, tmp_path, 60)
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
        hold.set()  # the caller hangs up while the database is down
        await call
        await until_spooled(
            spool, "close", within_s=10.0
        )  # the gateway closes the call once the stream stopped
        kinds = await asyncio.to_thread(spooled_kinds, spool)
        assert kinds.count("recording") == 1 and kinds.index("recording") < kinds.index("close"), kinds
        spooled = await asyncio.to_thread(spool.read_bytes)

        await own_postgres.start()
        await until_replayed(spool)
        key = f"recordings/{cid}.wav"
        async with db.session() as s:
            rows = [(r.path, r.duration_s) for r in await s.scalars(select(RecordingRow))]
        assert [path for path, _ in rows] == [key]
        assert rows[0][1] > 0.5  # the greeting and the turn
        assert (settings.data_dir / key).stat().st_size > 44  # the file behind it, more than a header
    finally:
        with suppress(RuntimeError):
            await own_postgres.start()
        await asyncio.to_thread(server.stop)

    # The same spool replayed again (a replay cut short by a crash after its commit): still one row.
    try:
        await replay_again(db, spool, spooled)
        async with db.session() as s:
            assert list(await s.scalars(select(RecordingRow.path))) == [key]
    finally:
        await db.close()


async def test_a_stream_held_here_during_an_outage_is_on_record_once_it_is_back(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=own_postgres.url, database_ride_through_s=30)
    await prepare_database(settings)
    services = await Services.start(settings, edges=(ChatService.start,))  # a serving gateway's spools
    db = Database(own_postgres.url)
    try:
        cid = uuid.uuid4().hex  # its webhook answered by another replica
        async with db.session() as s, s.begin():
            s.add(ConversationRow(id=cid, channel="voice", status="active", replica_id="another", meta={}))
        await own_postgres.stop()
        started = time.monotonic()
        await services.conversations.hold(cid)  # returns: on disk, not after the 30 s ride-through
        assert time.monotonic() - started < 10
        assert spooled_kinds(settings.turn_spool_file()) == ["hold"]
        await own_postgres.start()
        assert await services.conversations.writes.replay_spool()
        async with db.session() as s:
            row = await s.get(ConversationRow, cid)
        assert row is not None and row.replica_id == settings.replica_id != "another"
    finally:
        await db.close()
        with suppress(RuntimeError):
            await own_postgres.start()
        await services.stop()
