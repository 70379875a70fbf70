"""Whole calls over a real uvicorn server with the real models: booking, barge-in, transfer."""

from __future__ import annotations

import asyncio
import json
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallerTurn, CallSimulator, dtmf_turn, text_turns
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, HandoffRow, RecordingRow
from tests.gateway.twilio.conftest import AUTH_TOKEN, STAFF_NUMBER, Call

pytestmark = pytest.mark.slow

SARAH_PHONE = "+15035550101"  # a demo patient: her date of birth alone verifies her


async def _rows(settings, model, **where):
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            query = select(model)
            for key, value in where.items():
                query = query.where(getattr(model, key) == value)
            return list((await s.execute(query)).scalars())
    finally:
        await db.close()


async def _verify(settings):
    db = Database(settings.database_url)
    try:
        return await AuditLog(db).verify()
    finally:
        await db.close()


def test_booking_call_end_to_end(voice_settings, live_server_factory, caller_tts):
    server = live_server_factory(voice_settings)

    async def call():
        said = await text_turns(
            [
                "Hi, I would like to book an appointment please.",
                "With Doctor Patel next Tuesday morning.",
                "The first one please.",
                "Yes, that's right.",
                "No, that's all. Goodbye.",
            ],
            caller_tts,
        )
        turns: list[CallerTurn] = [said[0], dtmf_turn("03141985#"), *said[1:]]
        simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=SARAH_PHONE)
        return await simulator.run(turns)

    report = asyncio.run(call())
    bot = [t.bot or "" for t in report.turns]
    for t in report.turns:
        print(t.as_json())
    assert report.greeting and "Riverside" in report.greeting
    assert "date of birth" in bot[0].lower()
    assert report.turns[1].transcribed == "03/14/1985"  # typed on the keypad
    conversation = asyncio.run(_rows(voice_settings, ConversationRow, external_id=report.call_sid))[0]
    events = asyncio.run(_rows(voice_settings, AuditEventRow, conversation_id=conversation.id))
    assert "agent.identity_verified" in [e.kind for e in events]
    assert conversation.status == "closed" and conversation.caller_phone == SARAH_PHONE
    assert all(t.latency_ms is not None and t.latency_ms > 0 for t in report.turns[:-1])
    # The appointment exists in the demo practice.
    from connectors.demo.models import DemoAppointment

    booked = asyncio.run(_rows(voice_settings, DemoAppointment, patient_id="p-1001"))
    before = {a.id for a in booked if a.id.startswith("a-")}  # seeded ones keep their seed ids
    assert [a for a in booked if a.id not in before and a.status == "booked"], bot
    # Transcript and recording exist; the recording is stereo, caller left and bot right.
    assert [t["speaker"] for t in report.transcript["turns"]][:3] == ["bot", "caller", "bot"]
    [recording] = asyncio.run(_rows(voice_settings, RecordingRow, conversation_id=conversation.id))
    path = Path(voice_settings.data_dir) / recording.path
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, 8000, 2)
        assert wav.getnframes() / 8000 == pytest.approx(recording.duration_s) and recording.duration_s > 5
    assert asyncio.run(_verify(voice_settings)).ok


def test_caller_barges_in_and_heard_is_shorter_than_said(voice_settings, live_server_factory, caller_tts):
    settings = voice_settings.model_copy(update={"twilio_playback_lead_ms": 200})
    server = live_server_factory(settings)

    async def call():
        [ask, interrupt] = await text_turns(
            [
                "Hi, I would like to book an appointment please.",
                "Sorry, actually can I just speak to a person?",
            ],
            caller_tts,
        )
        interrupt.barge_in_after_ms = 1500  # talk over the bot's (long) question
        simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, realtime=True)
        return await simulator.run([ask, interrupt])

    report = asyncio.run(call())
    assert report.clears >= 1
    turns = report.transcript["turns"]
    interrupted = [t for t in turns if t["speaker"] == "bot" and t["interrupted"]]
    assert interrupted, (turns, report.transcript["call_events"])
    first = interrupted[0]
    assert first["heard_text"] is not None and len(first["heard_text"]) < len(first["text"])
    assert first["text"].startswith(first["heard_text"])
    barge = [e for e in report.transcript["call_events"] if e.get("event") == "barge_in"]
    assert barge and barge[0]["said"] != barge[0]["heard"]
    assert asyncio.run(_verify(settings)).ok


def test_pressing_zero_transfers_with_the_exact_twiml(voice_settings, live_server_factory, twilio_rest):
    server = live_server_factory(voice_settings)
    simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN)
    report = asyncio.run(simulator.run([dtmf_turn("0")]))
    [update] = twilio_rest.snapshot()
    assert update.call_sid == report.call_sid
    assert report.turns[0].transcribed == "0"  # the key press is in the transcript
    conversation = asyncio.run(_rows(voice_settings, ConversationRow, external_id=report.call_sid))[0]
    action = f"{voice_settings.public_url}/twilio/transfer-result?conversation={conversation.id}"
    assert update.form["Twiml"] == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Response><Dial action="{action}" method="POST" timeout="30">'
        f"<Number>{STAFF_NUMBER}</Number></Dial></Response>"
    )
    [handoff] = asyncio.run(_rows(voice_settings, HandoffRow, conversation_id=conversation.id))
    assert handoff.status == "waiting" and "0" in handoff.reason and handoff.summary
    kinds = [
        e.kind for e in asyncio.run(_rows(voice_settings, AuditEventRow, conversation_id=conversation.id))
    ]
    assert "handoff.requested" in kinds and "conversation.ended" in kinds
    assert asyncio.run(_verify(voice_settings)).ok


def test_a_stop_while_twilio_answers_the_redirect_does_not_lose_the_transfer(
    voice_settings, live_server_factory, twilio_rest
):
    """The caller hears the whole notice, and Twilio's `stop` comes while Twilio is still answering
    the redirect: the transfer the notice announced is completed and audited with Twilio's
    answer, then the call's end."""
    twilio_rest.answer_delay_s = 0.5
    server = live_server_factory(voice_settings)
    call = Call(server)

    async def run() -> str:
        params = await call.answer()
        async with call.connect() as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await ws.send(call.start(params["token"]))
            ends = 0
            async for raw in ws:
                message = json.loads(raw)
                if message["event"] != "mark":
                    continue
                name = message["mark"]["name"]
                echo = json.dumps({"event": "mark", "streamSid": call.sim.stream_sid, "mark": {"name": name}})
                if not name.endswith(":end"):
                    await ws.send(echo)
                    continue
                ends += 1
                if ends == 1:  # the greeting has played: press 0
                    await ws.send(echo)
                    await ws.send(
                        json.dumps(
                            {"event": "dtmf", "streamSid": call.sim.stream_sid, "dtmf": {"digit": "0"}}
                        )
                    )
                    continue
                # The caller heard the notice; the redirect is on its way to (slow) Twilio when
                # the stream stops (a hang-up, or Twilio ending the stream as it redirects).
                await ws.send(echo)
                assert await asyncio.to_thread(twilio_rest.received.wait, 30)
                await ws.send(json.dumps({"event": "stop", "streamSid": call.sim.stream_sid, "stop": {}}))
                break
            async for _ in ws:  # until the gateway closes the stream
                pass
        return call.sim.call_sid

    call_sid = asyncio.run(run())
    [update] = twilio_rest.snapshot()
    assert update.call_sid == call_sid and STAFF_NUMBER in update.form["Twiml"]
    conversation = asyncio.run(_rows(voice_settings, ConversationRow, external_id=call_sid))[0]
    events = asyncio.run(_rows(voice_settings, AuditEventRow, conversation_id=conversation.id))
    calls = [e.payload.get("event") for e in events if e.kind == "call.event"]
    assert "transfer" in calls and calls[-1] == "stream_closed"
    assert events[-1].kind == "conversation.ended"
    assert asyncio.run(_verify(voice_settings)).ok


def test_a_long_pause_mid_sentence_is_answered_as_one_turn(voice_settings, live_server_factory, caller_tts):
    server = live_server_factory(voice_settings)

    async def call():
        first, rest = await text_turns(["My date of birth is", "March 14th 1985."], caller_tts)
        pause = np.zeros(8000 * 6 // 10, dtype=np.int16)  # 600 ms: longer than the end-of-turn silence
        whole = CallerTurn(label="with a pause", audio=np.concatenate([first.audio, pause, rest.audio]))
        simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=SARAH_PHONE)
        return await simulator.run([whole])

    report = asyncio.run(call())
    callers = [t["text"] for t in report.transcript["turns"] if t["speaker"] == "caller"]
    # One caller turn holding both parts (the words of each part are Whisper's).
    assert len(callers) == 1 and "birth" in callers[0].lower() and "march" in callers[0].lower(), callers
    closed = [e for e in report.transcript["call_events"] if e.get("event") == "stream_closed"]
    # Joined after the fact, or (when the pause's transcript came in time to say "my date of birth
    # is" is unfinished) never cut: either way one turn.
    assert closed[0]["joined_turns"] + closed[0]["ended_incomplete"] >= 1, closed


def test_eight_digits_of_a_date_of_birth_complete_without_hash_or_timeout(
    voice_settings, live_server_factory, caller_tts
):
    """Asked for a date of birth, the caller types 03141985 and no '#': the reply comes at once,
    not after the keypad pause (set far longer than the simulator waits for a reply)."""
    settings = voice_settings.model_copy(update={"twilio_dtmf_timeout_s": 60.0})
    server = live_server_factory(settings)

    async def call():
        ask, when = await text_turns(
            ["Hi, I would like to book an appointment please.", "With Doctor Patel next Tuesday morning."],
            caller_tts,
        )
        simulator = CallSimulator(
            server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=SARAH_PHONE, reply_timeout_s=20
        )
        return await simulator.run([ask, dtmf_turn("03141985"), when, dtmf_turn("2")])

    report = asyncio.run(call())
    asked, typed, _when, chosen = report.turns
    assert "date of birth" in (asked.bot or "").lower(), asked
    assert typed.transcribed == "03/14/1985" and typed.bot, typed
    assert typed.latency_ms is not None and typed.latency_ms < 10_000, typed  # not the 60 s pause
    # Times offered: one key picks one ("press 2"), also at once.
    assert chosen.transcribed == "2" and chosen.bot, chosen
    assert chosen.latency_ms is not None and chosen.latency_ms < 10_000, chosen
    conversation = asyncio.run(_rows(settings, ConversationRow, external_id=report.call_sid))[0]
    events = asyncio.run(_rows(settings, AuditEventRow, conversation_id=conversation.id))
    assert "agent.identity_verified" in [e.kind for e in events]
    timing = [e.payload for e in events if e.kind == "call.event" and e.payload.get("event") == "turn_timing"]
    assert timing and timing[0]["expecting"] == "request"  # the kind only: never the vocabulary
