"""The Twilio edge against replays and header games, over a real server (docs/security.md):
signatures only over FRONTDESK_PUBLIC_URL, the stream URL never taken from the request, forwarded
headers believed only from trusted proxies, one stream token per call, a stream without `start`
closed, Twilio's signed JSON bodies, and refusals aggregated on the audit chain."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.twilio.signatures import sign, sign_json
from tests.conftest import LiveServer, make_settings
from tests.gateway.twilio.conftest import AUTH_TOKEN, Call

PUBLIC = "https://frontdesk.clinic.example"


def _call_params(n: int) -> dict[str, str]:
    return {"CallSid": "CA" + f"{n:032x}", "From": "+15035550101", "To": "+15035550100"}


async def _rejections(settings: Settings) -> list[dict[str, object]]:
    db = Database(settings.database_url)
    try:
        log = AuditLog(db)
        events = await log.events("system")
        assert (await log.verify()).ok
        return [e.payload for e in events if e.kind == "security.rejected"]
    finally:
        await db.close()


@pytest.fixture
def public_server(tmp_path: Path, live_server_factory: Callable[[Settings], LiveServer]) -> LiveServer:
    """A gateway whose public URL is a proxy's host name; tests reach it directly."""
    return live_server_factory(make_settings(tmp_path, public_url=PUBLIC, audit_rejection_window_s=1e-6))


def test_only_the_public_url_is_signed_and_headers_do_not_steer_the_stream(public_server: LiveServer) -> None:
    params = _call_params(1)
    signed_public = sign(AUTH_TOKEN, PUBLIC + "/twilio/voice", params)
    attacker = {"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=public_server.url) as client:
        answer = client.post(
            "/twilio/voice", data=params, headers={"X-Twilio-Signature": signed_public, **attacker}
        )
        # A signature Twilio made for another host (say a staging gateway on the same account),
        # sent with that host in Host or X-Forwarded-Host, is not a signature for this gateway.
        other = "https://staging.clinic.example/twilio/voice"
        for headers in ({"Host": "staging.clinic.example"}, {"X-Forwarded-Host": "staging.clinic.example"}):
            signed_other = sign(AUTH_TOKEN, other, _call_params(2))
            refused = client.post(
                "/twilio/voice", data=_call_params(2), headers={"X-Twilio-Signature": signed_other, **headers}
            )
            assert refused.status_code == 403
    assert answer.status_code == 200, answer.text
    assert '<Stream name="frontdesk" url="wss://frontdesk.clinic.example/twilio/stream">' in answer.text
    assert "attacker" not in answer.text
    reasons = [p["reason"] for p in asyncio.run(_rejections(public_server.settings))]
    assert reasons.count("bad signature") == 2


def test_a_replayed_webhook_gets_no_second_token(
    tmp_path: Path, db_url: str, live_server_factory: Callable[[Settings], LiveServer]
) -> None:
    live_server = live_server_factory(make_settings(tmp_path, database_url=db_url))

    async def go() -> tuple[str, str, httpx.Response]:
        call = Call(live_server)
        first = (await call.answer())["token"]
        retried = (await call.answer())["token"]  # Twilio retrying before the stream: the same token
        async with call.connect() as ws:
            await ws.send(call.start(first))
            await ws.recv()  # the greeting: the stream has started
            sim = call.sim
            params = {"CallSid": sim.call_sid, "From": sim.caller_number, "To": sim.called_number}
            url = live_server.url + "/twilio/voice"
            async with httpx.AsyncClient() as client:
                replay = await client.post(
                    url, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)}
                )
            await ws.send(json.dumps({"event": "stop", "stop": {}}))
        return first, retried, replay

    first, retried, replay = asyncio.run(go())
    assert retried == first
    assert replay.status_code == 409 and "<Stream" not in replay.text
    reasons = [p["reason"] for p in asyncio.run(_rejections(live_server.settings))]
    assert "stream already started for this call" in reasons


def test_a_stream_without_start_is_closed(
    tmp_path: Path, live_server_factory: Callable[[Settings], LiveServer]
) -> None:
    server = live_server_factory(make_settings(tmp_path, twilio_start_timeout_s=0.5))

    async def go() -> int | None:
        call = Call(server)
        await call.answer()
        async with call.connect() as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code

    assert asyncio.run(go()) == 1008
    reasons = [p["reason"] for p in asyncio.run(_rejections(server.settings))]
    assert "no start event within 0.5 s" in reasons


def test_signed_json_bodies_are_accepted_and_tampered_ones_refused(live_server: LiveServer) -> None:
    base = live_server.url + "/twilio/status"
    body = json.dumps({"CallSid": "CA" + "9" * 32, "CallStatus": "completed"})
    signed_url, signature = sign_json(AUTH_TOKEN, base, body)
    query = signed_url[len(base) :]
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": signature}
    with httpx.Client() as client:
        good = client.post(base + query, content=body, headers=headers)
        tampered = client.post(base + query, content=body.replace("completed", "busy"), headers=headers)
        unhashed = client.post(
            base, content=body, headers={**headers, "X-Twilio-Signature": sign(AUTH_TOKEN, base)}
        )
    assert good.status_code == 200 and "<Response" in good.text
    assert tampered.status_code == 403 and unhashed.status_code == 403


@pytest.mark.parametrize(("trusted", "seen_as"), [([], "127.0.0.1"), (["127.0.0.1"], "203.0.113.9")])
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    tmp_path: Path, live_server_factory: Callable[[Settings], LiveServer], trusted: list[str], seen_as: str
) -> None:
    server = live_server_factory(make_settings(tmp_path, trusted_proxies=trusted))
    with httpx.Client() as client:
        response = client.post(
            server.url + "/twilio/voice", data=_call_params(3), headers={"X-Forwarded-For": "203.0.113.9"}
        )
    assert response.status_code == 403
    assert [p["remote"] for p in asyncio.run(_rejections(server.settings))] == [seen_as]


def test_a_flood_of_refused_requests_is_one_event_and_one_summary(
    tmp_path: Path, live_server_factory: Callable[[Settings], LiveServer]
) -> None:
    server = live_server_factory(make_settings(tmp_path))  # the default one-minute window

    async def flood() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            statuses = []
            for n in range(104):
                response = await client.post("/twilio/voice", data=_call_params(n))
                statuses.append(response.status_code)
            return statuses

    assert asyncio.run(flood()) == [403] * 104
    server.stop()  # the summary of the open window is written at shutdown
    events = asyncio.run(_rejections(server.settings))
    assert len(events) == 2
    assert events[0]["reason"] == "missing signature" and events[0]["remote"] == "127.0.0.1"
    summary = events[1]
    assert summary["reason"] == "rejections_aggregated" and summary["remote"] == "127.0.0.1"
    assert summary["count"] == 104 and summary["not_written"] == {"missing signature": 103}
    assert summary["summary"] == "104 rejections in 1 min"
