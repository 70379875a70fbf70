"""`GET /twilio/calls/{CallSid}/turns` over a real server reads the call through the one transcript
query (`gateway.store.transcripts`): turns in order, with what was heard, and the recordings; an
unknown call is a clear 404."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.store.db import Database
from gateway.store.models import ConversationRow, RecordingRow, TurnRow, new_id
from gateway.twilio.signatures import sign
from tests.conftest import LiveServer, make_settings, running_server
from tests.gateway.twilio.conftest import AUTH_TOKEN

CALL_SID = "CA" + "1" * 32


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(make_settings(tmp_path_factory.mktemp("inspection"))) as live:
        yield live


async def _store_call(database_url: str) -> str:
    cid = new_id()
    db = Database(database_url)
    try:
        async with db.session() as s, s.begin():
            s.add(
                ConversationRow(
                    id=cid, channel="voice", status="closed", external_id=CALL_SID, state={}, meta={}
                )
            )
            await s.flush()
            # Stored out of order: the answer is in turn order all the same.
            s.add(TurnRow(conversation_id=cid, seq=2, speaker="caller", text="Tuesday please", meta={}))
            s.add(
                TurnRow(
                    conversation_id=cid,
                    seq=1,
                    speaker="bot",
                    text="Hello, how can I help?",
                    heard_text="Hello,",
                    interrupted=True,
                    meta={},
                )
            )
            s.add(RecordingRow(conversation_id=cid, path="recordings/call.wav", duration_s=12.5, channels=2))
    finally:
        await db.close()
    return cid


def _get(server: LiveServer, call_sid: str) -> httpx.Response:
    url = server.url + f"/twilio/calls/{call_sid}/turns"
    return httpx.get(url, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, {})})


def test_a_call_is_read_in_turn_order_with_its_recordings(server: LiveServer) -> None:
    cid = asyncio.run(_store_call(server.settings.database_url))
    response = _get(server, CALL_SID)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversation_id"] == cid and body["status"] == "closed"
    assert [(t["seq"], t["speaker"], t["heard_text"], t["interrupted"]) for t in body["turns"]] == [
        (1, "bot", "Hello,", True),
        (2, "caller", None, False),
    ]
    assert body["recordings"] == [{"path": "recordings/call.wav", "duration_s": 12.5, "channels": 2}]


def test_an_unknown_call_is_404(server: LiveServer) -> None:
    response = _get(server, "CA" + "0" * 32)
    assert response.status_code == 404
    assert response.json() == {"error": f"no call {'CA' + '0' * 32}"}
