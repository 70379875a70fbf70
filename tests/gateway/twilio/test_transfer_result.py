"""A transfer nobody picks up, over a real server and the fake Twilio REST server: the `<Dial>`'s
action webhook (signed), the call connected back to the assistant, which offers to take a message
and stores it as a callback with the calling number; a transfer staff answered hangs up."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import httpx
import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallSimulator, dtmf_turn, text_turns
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import CallbackRow, ConversationRow, HandoffRow, TurnRow
from gateway.twilio.signatures import sign
from tests.gateway.twilio.conftest import AUTH_TOKEN

CALLER = "+15035550177"  # not a demo patient


async def _read(settings, query):
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            return list((await s.execute(query)).scalars())
    finally:
        await db.close()


async def _chain(settings, chain: str) -> list[tuple[str, dict]]:
    db = Database(settings.database_url)
    try:
        log = AuditLog(db)
        assert (await log.verify()).ok
        return [(e.kind, e.payload) for e in await log.events(chain)]
    finally:
        await db.close()


def _dial_result(
    url: str, call_sid: str, dial_status: str, signature: str | None = None, call_status: str = "in-progress"
) -> httpx.Response:
    """POST the `<Dial>` action as Twilio does (signed over the action URL and the fields)."""
    params = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": call_sid,
        "From": CALLER,
        "To": "+15555550100",
        "CallStatus": call_status,
        "DialCallStatus": dial_status,
        "DialCallSid": "CA" + "d" * 32,
    }
    headers = {"X-Twilio-Signature": signature or sign(AUTH_TOKEN, url, params)}
    return httpx.post(url, data=params, headers=headers)


@pytest.fixture
def settings(voice_settings):
    return voice_settings.model_copy(update={"audit_rejection_window_s": 1e-6})


@pytest.mark.slow
def test_nobody_answers_the_caller_hears_the_offer_and_the_message_is_a_callback(
    settings, live_server_factory, twilio_rest, caller_tts
):
    server = live_server_factory(settings)
    simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=CALLER)
    asyncio.run(simulator.run([dtmf_turn("0")]))  # a person, please: the call is transferred
    [first] = asyncio.run(
        _read(settings, select(ConversationRow).where(ConversationRow.external_id == simulator.call_sid))
    )
    [update] = twilio_rest.snapshot()
    dial = ET.fromstring(update.form["Twiml"]).find("./Dial")
    assert dial is not None
    action = dial.get("action")
    assert action == f"{settings.public_url}/twilio/transfer-result?conversation={first.id}"

    forged = _dial_result(action, simulator.call_sid, "no-answer", signature="forged")
    assert forged.status_code == 403
    rejected = [p for k, p in asyncio.run(_chain(settings, "system")) if k == "security.rejected"]
    assert any(p.get("path") == "/twilio/transfer-result" for p in rejected), rejected

    answer = _dial_result(action, simulator.call_sid, "no-answer")
    assert answer.status_code == 200, answer.text
    stream = ET.fromstring(answer.text).find("./Connect/Stream")
    assert stream is not None and stream.get("url") == settings.public_ws_url + "/twilio/stream"
    parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    assert parameters["follows"] == first.id and parameters["token"]

    async def leave_a_message():
        turns = await text_turns(
            ["Yes please.", "It's about my test results.", "Dana Ortiz.", "Yes.", "Any time.", "Yes."],
            caller_tts,
        )
        return await simulator.rejoin(str(stream.get("url")), parameters, turns)

    report = asyncio.run(leave_a_message())
    assert all(t.played for t in report.turns), [t.as_json() for t in report.turns]
    [follow_up] = asyncio.run(
        _read(settings, select(ConversationRow).where(ConversationRow.external_id == f"follows:{first.id}"))
    )
    assert follow_up.meta["follows"] == first.id and follow_up.caller_phone == CALLER
    said = asyncio.run(
        _read(settings, select(TurnRow).where(TurnRow.conversation_id == follow_up.id).order_by(TurnRow.seq))
    )
    print([(t.speaker, t.text) for t in said])
    assert "nobody from our team could take your call" in said[0].text, said[0].text
    assert "take a message" in said[0].text
    [callback] = asyncio.run(
        _read(settings, select(CallbackRow).where(CallbackRow.conversation_id == follow_up.id))
    )
    assert callback.phone == CALLER and "test results" in callback.reason.lower(), [t.text for t in said]
    assert callback.channel == "voice" and callback.status == "open"
    # On the transferred conversation's chain: the outcome, and its handoff resolved as unanswered.
    chain = asyncio.run(_chain(settings, first.id))
    events = [p.get("event") for k, p in chain if k == "call.event"]
    assert "transfer" in events and "transfer_not_answered" in events
    assert ("handoff.unanswered", "no-answer") in [(k, p.get("why")) for k, p in chain]
    [handoff] = asyncio.run(_read(settings, select(HandoffRow).where(HandoffRow.conversation_id == first.id)))
    assert handoff.status == "resolved" and "Nobody answered" in (handoff.resolution_note or "")
    # The same action again (Twilio retrying) once the stream has started: refused, nothing new.
    assert _dial_result(action, simulator.call_sid, "no-answer").status_code == 409


def test_an_answered_transfer_hangs_up_and_bad_results_are_refused(settings, live_server_factory):
    server = live_server_factory(settings)
    simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=CALLER)

    async def answered() -> None:
        async with httpx.AsyncClient() as client:
            await simulator.answer(client)  # the call's conversation (the webhook alone)

    asyncio.run(answered())
    [first] = asyncio.run(
        _read(settings, select(ConversationRow).where(ConversationRow.external_id == simulator.call_sid))
    )
    action = f"{settings.public_url}/twilio/transfer-result?conversation={first.id}"
    done = _dial_result(action, simulator.call_sid, "completed")
    assert done.status_code == 200
    assert done.text == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'
    chain = asyncio.run(_chain(settings, first.id))
    assert [p.get("dial_call_status") for k, p in chain if p.get("event") == "transfer_answered"] == [
        "completed"
    ]
    # The caller hung up while staff's phone rang: on record, nothing to connect back to.
    gone = _dial_result(action, simulator.call_sid, "canceled", call_status="completed")
    assert gone.status_code == 200 and "<Connect>" not in gone.text
    chain = asyncio.run(_chain(settings, first.id))
    assert [p.get("dial_call_status") for k, p in chain if p.get("event") == "transfer_not_answered"] == [
        "canceled"
    ]
    # Another call's result, an unknown conversation, an unknown status: refused, no follow-up.
    assert _dial_result(action, "CA" + "e" * 32, "no-answer").status_code == 404
    missing = f"{settings.public_url}/twilio/transfer-result?conversation=nope"
    assert _dial_result(missing, simulator.call_sid, "no-answer").status_code == 404
    assert _dial_result(action, simulator.call_sid, "ringing").status_code == 400
    follow_ups = asyncio.run(
        _read(settings, select(ConversationRow).where(ConversationRow.external_id.like("follows:%")))
    )
    assert follow_ups == []
