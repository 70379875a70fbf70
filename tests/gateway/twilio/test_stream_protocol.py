"""The edge under bad input, over a real server: each case refused clearly, the call closed
cleanly, the audit chain intact."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.twilio.signatures import sign
from tests.conftest import make_settings, running_server
from tests.gateway.twilio.conftest import AUTH_TOKEN, Call

SILENCE = base64.b64encode(b"\xff" * 160).decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Every refusal in a window of its own, so each is on the chain in full (test_webhook_security.py
    # tests the aggregation).
    settings = make_settings(tmp_path_factory.mktemp("voice-protocol"), audit_rejection_window_s=1e-6)
    with running_server(settings) as live:
        yield live


async def _audit(settings, chain: str):
    db = Database(settings.database_url)
    try:
        log = AuditLog(db)
        return await log.events(chain), await log.verify()
    finally:
        await db.close()


async def _closed_with(ws) -> int | None:
    """Read until the server closes; its close code."""
    try:
        async for _ in ws:
            pass
    except ConnectionClosed:
        pass
    return ws.close_code


def test_forged_or_missing_webhook_signature_is_refused_and_audited(server):
    url = server.url + "/twilio/voice"
    params = {"CallSid": "CA" + "f" * 32, "From": "+15035550101"}
    forged = sign("not-the-token", url, params)
    with httpx.Client() as client:
        assert client.post(url, data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
        assert client.post(url, data=params).status_code == 403
        assert client.post(server.url + "/twilio/status", data=params).status_code == 403
        inspect = server.url + f"/twilio/calls/{params['CallSid']}/turns"
        assert client.get(inspect, headers={"X-Twilio-Signature": forged}).status_code == 403
    events, verified = asyncio.run(_audit(server.settings, "system"))
    reasons = [(e.payload["path"], e.payload["reason"]) for e in events if e.kind == "security.rejected"]
    assert ("/twilio/voice", "bad signature") in reasons and ("/twilio/voice", "missing signature") in reasons
    assert ("/twilio/status", "missing signature") in reasons
    assert verified.ok


def test_unsigned_upgrade_is_closed_1008(server):
    async def go():
        call = Call(server)
        await call.answer()
        async with call.connect(signature=sign("wrong", call.stream_url, {})) as ws:
            return await _closed_with(ws)

    assert asyncio.run(go()) == 1008


def test_replayed_token_is_refused_and_the_first_call_is_unharmed(server):
    async def go():
        call = Call(server)
        token = (await call.answer())["token"]
        async with call.connect() as first:
            await first.send(call.start(token))
            await first.recv()  # the greeting is flowing: the token was accepted
            async with call.connect() as replay:
                await replay.send(call.start(token))
                code = await _closed_with(replay)
            await first.send(json.dumps({"event": "media", "media": {"payload": SILENCE}}))
            await first.send(json.dumps({"event": "stop", "stop": {}}))
        return code, await call.record()

    code, record = asyncio.run(go())
    assert code == 1008
    assert record["status"] == "closed"
    assert record["turns"][0]["speaker"] == "bot"  # the greeting of the real call
    events, verified = asyncio.run(_audit(server.settings, "system"))
    assert any(e.payload.get("reason") == "token already used" for e in events)
    assert verified.ok


def test_bad_frames_are_audited_and_the_call_goes_on(server):
    async def go():
        call = Call(server)
        token = (await call.answer())["token"]
        async with call.connect() as ws:
            await ws.send(json.dumps({"event": "media", "media": {"payload": SILENCE}}))  # before start
            await ws.send(call.start(token))
            await ws.send("{this is not json")
            await ws.send(json.dumps({"event": "media", "media": {"payload": "***"}}))
            await ws.send(call.start(token))  # a second start
            await ws.send(json.dumps({"event": "dtmf", "dtmf": {"digit": "x"}}))
            await ws.send(json.dumps({"event": "media", "media": {"payload": SILENCE}}))
            await ws.send(json.dumps({"event": "stop", "stop": {}}))
            code = await _closed_with(ws)
        return code, call, await call.record()

    code, _call, record = asyncio.run(go())
    assert code == 1000 and record["status"] == "closed"
    events, verified = asyncio.run(_audit(server.settings, record["conversation_id"]))
    reasons = [e.payload["reason"] for e in events if e.kind == "security.rejected"]
    assert any("malformed JSON" in r for r in reasons)
    assert any("base64" in r for r in reasons)
    assert "second start event" in reasons and any("keypad" in r for r in reasons)
    system, _ = asyncio.run(_audit(server.settings, "system"))
    assert any(e.payload.get("reason") == "media before start" for e in system)
    ended = [e for e in events if e.kind == "conversation.ended"]
    assert ended and ended[-1].payload["reason"] == "call ended"
    assert verified.ok


def test_a_megabyte_frame_ends_the_call_cleanly(server):
    async def go():
        call = Call(server)
        token = (await call.answer())["token"]
        async with call.connect() as ws:
            await ws.send(call.start(token))
            await ws.send(json.dumps({"event": "media", "media": {"payload": "A" * (1 << 20)}}))
            code = await _closed_with(ws)
        return code, await call.record()

    code, record = asyncio.run(go())
    assert code == 1009 and record["status"] == "closed"
    events, verified = asyncio.run(_audit(server.settings, record["conversation_id"]))
    assert any("exceeds" in e.payload.get("reason", "") for e in events if e.kind == "security.rejected")
    assert verified.ok


def test_a_vanished_caller_closes_the_conversation_and_keeps_the_recording(server):
    async def go():
        call = Call(server)
        token = (await call.answer())["token"]
        ws = await call.connect().__aenter__()
        await ws.send(call.start(token))
        for _ in range(50):
            await ws.send(json.dumps({"event": "media", "media": {"payload": SILENCE}}))
        await ws.recv()
        ws.transport.abort()  # no close frame: the network just went away
        deadline = time.monotonic() + 20
        record = await call.record()
        while record["status"] != "closed" and time.monotonic() < deadline:
            record = await call.record()
        return record

    record = asyncio.run(go())
    assert record["status"] == "closed"
    assert record["recordings"] and record["recordings"][0]["duration_s"] >= 1.0
    closed = [e for e in record["call_events"] if e.get("event") == "stream_closed"]
    assert closed and closed[0]["reason"] == "caller disconnected"
    _, verified = asyncio.run(_audit(server.settings, record["conversation_id"]))
    assert verified.ok


def test_status_callback_closes_the_conversation(server):
    async def go():
        call = Call(server)
        await call.answer()
        url = server.url + "/twilio/status"
        params = {"CallSid": call.sim.call_sid, "CallStatus": "completed", "CallDuration": "42"}
        async with httpx.AsyncClient() as client:
            response = await client.post(
                url, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)}
            )
        return response, await call.record()

    response, record = asyncio.run(go())
    assert response.status_code == 200 and "<Response" in response.text
    assert record["status"] == "closed"
    assert any(e.get("call_status") == "completed" for e in record["call_events"])
