"""A call's media stream starting while PostgreSQL (the test's own) is down, over a served gateway
(issue #18): its webhook was answered a moment before the outage, so its one-time stream token is
on record but cannot be spent there.

- The token was handed out by this process: it is checked and spent in memory, the spend goes into
  the turn spool, and the call goes on (the greeting plays, a keypad turn is answered). A second
  stream with the same token is refused, in the outage and once the database is back, where the
  token is on record as spent once, as are the call's turns (also after the same spool is
  replayed a second time).
- The same for a call connected back to the assistant after a transfer nobody answered (its
  stream names the conversation it follows, known here without a read): the offer of a message.
- A token this process did not hand out (another replica's, or a forged one) cannot be checked
  without the database: refused with close 1013 and a warning, no traceback, no call started.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import xml.etree.ElementTree as ET
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.clients.call_simulator import CallSimulator
from gateway.clients.caller import dtmf_turn
from gateway.services import Services
from gateway.store.db import Database
from gateway.store.models import CallTokenRow, ConversationRow, TurnRow
from gateway.store.transcripts import conversation_of_call
from gateway.twilio import tokens
from gateway.twilio.signatures import sign
from tests.conftest import make_settings, prepare_database
from tests.gateway.faults.conftest import OwnPostgres, call_outage_settings, outage_gateway
from tests.gateway.faults.spools import replay_again, spooled_kinds, until_audited, until_replayed
from tests.gateway.faults.test_call_end_outage import _utc
from tests.gateway.twilio.conftest import AUTH_TOKEN
from tests.logs import json_lines

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

SPENT_HERE = "stream token spent here: the database is unreachable, its spend is in the turn spool"
REFUSED = "media stream refused: its token cannot be checked while the database is away"


async def _refused_stream(sim: CallSimulator, stream_url: str, token: str) -> tuple[int | None, str]:
    """Open a stream as Twilio does (signed upgrade, `connected`, `start` with `token`) and read
    until the gateway closes it: its close code and reason."""
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, stream_url, {})}
    async with connect(sim.ws_url, additional_headers=headers) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {
            "streamSid": "MZ" + uuid.uuid4().hex,
            "accountSid": sim.account_sid,
            "callSid": sim.call_sid,
            "tracks": ["inbound"],
            "customParameters": {"token": token},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "start": start}))
        with suppress(ConnectionClosed):
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
                assert frame.get("event") != "media", "a refused stream must not be spoken to"
        return ws.close_code, ws.close_reason or ""


async def _books(
    db: Database, token: str, cid: str
) -> tuple[CallTokenRow | None, ConversationRow | None, list[tuple[int, str, str | None]]]:
    """The token's row, the conversation's, and its turns (number, speaker, what was heard)."""
    async with db.session() as s:
        spent = await s.get(CallTokenRow, token)
        conversation = await s.get(ConversationRow, cid)
        turns = [
            (t.seq, t.speaker, t.heard_text)
            for t in await s.scalars(
                select(TurnRow).where(TurnRow.conversation_id == cid).order_by(TurnRow.seq)
            )
        ]
    return spent, conversation, turns


def _no_traceback(logs: io.StringIO) -> list[dict[str, Any]]:
    assert "Traceback" not in logs.getvalue(), logs.getvalue()
    lines = json_lines(logs)
    assert not [line for line in lines if "exception" in line or line.get("level") == "error"], lines
    assert not [line for line in lines if line.get("event") == "media stream failed"]
    return lines


async def test_a_stream_starting_during_an_outage_spends_its_token_here_and_the_call_goes_on(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await call_outage_settings(own_postgres, tmp_path, 30)
    async with outage_gateway(own_postgres, settings) as (server, db, logs):
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, reply_timeout_s=20)
        async with httpx.AsyncClient(timeout=30) as client:
            stream_url, parameters = await sim.answer(client)  # the token handed out here
        cid = await conversation_of_call(db, sim.call_sid)
        assert cid is not None

        await own_postgres.stop()
        down = datetime.now(UTC)
        report = await asyncio.wait_for(sim.rejoin(stream_url, parameters, [dtmf_turn("1")]), 90)
        up_again = datetime.now(UTC)
        [turn] = report.turns
        assert turn.played and turn.latency_ms is not None, report  # the keypad turn answered aloud
        # The same token again, still in the outage: spent here, refused.
        again = await _refused_stream(sim, stream_url, parameters["token"])
        assert again == (1008, "token"), again
        kinds = await asyncio.to_thread(spooled_kinds, settings.turn_spool_file())
        assert kinds.count("stream_token") == 1 and kinds.index("stream_token") < kinds.index("turn"), kinds
        lines = _no_traceback(logs)
        assert [line["level"] for line in lines if line.get("event") == SPENT_HERE] == ["warning"]

        spooled = await asyncio.to_thread(settings.turn_spool_file().read_bytes)

        await own_postgres.start()
        await until_replayed(settings.turn_spool_file())
        spent, conversation, turns = await _books(db, parameters["token"], cid)
        assert spent is not None and spent.used_at is not None
        assert down <= _utc(spent.used_at) <= up_again  # as of the stream's start, in the outage
        assert conversation is not None and conversation.status == "closed"
        assert conversation.replica_id == settings.replica_id
        # The greeting (heard: the caller's phone played it), the keypad turn, the answer; once.
        assert [(seq, speaker) for seq, speaker, _ in turns] == [(1, "bot"), (2, "caller"), (3, "bot")], turns
        assert turns[0][2], turns  # what the caller heard of the greeting
        started = await until_audited(db, cid, "call.event")
        assert [e["event"] for e in started if e.get("event") == "stream_started"] == ["stream_started"]

        # Once the database is back: refused by this process, and by the record itself (a
        # process that never saw the token, as after a restart).
        assert await _refused_stream(sim, stream_url, parameters["token"]) == (1008, "token")
        with pytest.raises(tokens.TokenRefused, match="token already used"):
            await tokens.redeem(db, parameters["token"], settings.twilio_token_ttl_s)
        _no_traceback(logs)

        # The same spool replayed again (a replay cut short by a crash after its commit): the
        # turns are not stored twice, and a spend on record keeps its time, here one as the
        # redeem itself would have left it had its commit gone through with the answer lost.
        earlier = down - timedelta(seconds=1)
        async with db.session() as s, s.begin():
            await s.execute(
                update(CallTokenRow).where(CallTokenRow.token == parameters["token"]).values(used_at=earlier)
            )
        await replay_again(db, tmp_path / "replayed-again.jsonl", spooled)
        respent, _, returns = await _books(db, parameters["token"], cid)
        assert respent is not None and respent.used_at is not None and _utc(respent.used_at) == earlier
        assert returns == turns


async def test_a_token_not_handed_out_here_is_refused_during_an_outage_without_a_traceback(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=own_postgres.url, database_ride_through_s=30)
    await prepare_database(settings)
    async with outage_gateway(own_postgres, settings) as (server, db, logs):
        services: Services = server.app.state.services
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN)
        async with httpx.AsyncClient(timeout=30) as client:
            stream_url, parameters = await sim.answer(client)  # a call held here, not streamed yet
        # Another replica's call: its token on record, valid, but never handed out here.
        elsewhere = uuid.uuid4().hex
        async with db.session() as s, s.begin():
            s.add(ConversationRow(id=elsewhere, channel="voice", status="active", meta={}))
        other = await tokens.issue(db, elsewhere, settings.session_secret_value())
        forged = parameters["token"][:-4] + ("AAAA" if not parameters["token"].endswith("AAAA") else "BBBB")
        live = services.conversations.live_counts()

        await own_postgres.stop()
        for token in (forged, other):
            refused = await _refused_stream(sim, stream_url, token)
            assert refused == (1013, "token unverifiable: database unreachable"), refused
        assert services.conversations.live_counts() == live  # no call started
        lines = _no_traceback(logs)
        warned = [line for line in lines if line.get("event") == REFUSED]
        assert [line["level"] for line in warned] == ["warning", "warning"], warned
        assert not [line for line in lines if line.get("event") == "stream token spent here"]
        assert "stream_token" not in await asyncio.to_thread(spooled_kinds, settings.turn_spool_file())

        await own_postgres.start()
        # With the database back the forged token is refused as unknown, as always.
        assert await _refused_stream(sim, stream_url, forged) == (1008, "token")
        async with db.session() as s:
            assert (await s.get(CallTokenRow, other)).used_at is None  # type: ignore[union-attr]
        _no_traceback(logs)


async def test_a_follow_up_stream_after_an_unanswered_transfer_starts_during_an_outage(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await call_outage_settings(own_postgres, tmp_path, 30)
    async with outage_gateway(own_postgres, settings) as (server, db, logs):
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, reply_timeout_s=20)
        async with httpx.AsyncClient(timeout=30) as client:
            await sim.answer(client)
            first = await conversation_of_call(db, sim.call_sid)
            # The transfer's `<Dial>` action: nobody answered, the call comes back to us.
            action = f"{settings.public_url}/twilio/transfer-result?conversation={first}"
            params = {"CallSid": sim.call_sid, "CallStatus": "in-progress", "DialCallStatus": "no-answer"}
            back = await client.post(
                action, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, action, params)}
            )
        assert back.status_code == 200, back.text
        stream = ET.fromstring(back.text).find("./Connect/Stream")
        assert stream is not None
        parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        assert parameters["follows"] == first

        await own_postgres.stop()
        hold = asyncio.Event()
        call = asyncio.create_task(sim.rejoin(str(stream.get("url")), parameters, [], hold))
        await asyncio.wait_for(sim.idle.wait(), 60)  # the opening played on the caller's phone
        # The caller stays on the line until what they heard is stored (spooled): a stop right
        # after the opening's last mark can overtake that write (not what this test is about).
        for _ in range(100):
            if "heard" in await asyncio.to_thread(spooled_kinds, settings.turn_spool_file()):
                break
            await asyncio.sleep(0.05)  # polling the spool file, bounded
        hold.set()
        report = await asyncio.wait_for(call, 30)
        assert report.close_code == 1000, report
        _no_traceback(logs)

        await own_postgres.start()
        await until_replayed(settings.turn_spool_file())
        follow_up = await conversation_of_call(db, f"follows:{first}")
        assert follow_up is not None
        _, conversation, turns = await _books(db, parameters["token"], follow_up)
        async with db.session() as s:
            opening = await s.scalar(select(TurnRow.text).where(TurnRow.conversation_id == follow_up))
        assert conversation is not None and conversation.status == "closed"
        assert [(seq, speaker) for seq, speaker, _ in turns] == [(1, "bot")] and turns[0][2], turns
        assert opening is not None and "nobody from our team could take your call" in opening, opening
