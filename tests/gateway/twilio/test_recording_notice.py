"""The recording notice, said first on every recorded call, and recording only after consent (the
caller heard the notice and went on talking) for all-party-consent states. Whole calls over a real
server with the real models."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallReport, CallSimulator, text_turns
from gateway.settings import SettingsError, load_settings
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, RecordingRow
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = pytest.mark.slow


async def _call(server, turns: list[str], caller_tts) -> CallReport:  # type: ignore[no-untyped-def]
    said = await text_turns(turns, caller_tts) if turns else []
    return await CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN).run(said)


async def _stored(settings, call_sid: str) -> tuple[list[AuditEventRow], list[RecordingRow]]:  # type: ignore[no-untyped-def]
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            conversation = (
                await s.execute(select(ConversationRow).where(ConversationRow.external_id == call_sid))
            ).scalar_one()
            events = (
                await s.execute(
                    select(AuditEventRow)
                    .where(AuditEventRow.conversation_id == conversation.id)
                    .order_by(AuditEventRow.seq)
                )
            ).scalars()
            recordings = (
                await s.execute(select(RecordingRow).where(RecordingRow.conversation_id == conversation.id))
            ).scalars()
            return list(events), list(recordings)
    finally:
        await db.close()


def _kinds(events: list[AuditEventRow]) -> list[str]:
    return [e.kind for e in events if e.kind.startswith("call.recording")]


def test_the_greeting_says_the_call_is_recorded(voice_settings, live_server_factory, caller_tts) -> None:  # type: ignore[no-untyped-def]
    server = live_server_factory(voice_settings)
    report = asyncio.run(_call(server, [], caller_tts))
    assert report.greeting is not None and report.greeting.startswith("This call is recorded. ")
    assert "Riverside" in report.greeting
    events, recordings = asyncio.run(_stored(voice_settings, report.call_sid))
    notice = next(e for e in events if e.kind == "call.recording_notice")
    assert notice.payload == {"notice": "This call is recorded.", "heard": True, "recording": True}
    assert len(recordings) == 1  # recorded from the first frame (the default)


def test_a_configured_notice_and_none_when_calls_are_not_recorded(
    voice_settings, live_server_factory, caller_tts
) -> None:  # type: ignore[no-untyped-def]
    text = "Calls are recorded for your records and our training."
    server = live_server_factory(voice_settings.model_copy(update={"twilio_recording_notice": text}))
    report = asyncio.run(_call(server, [], caller_tts))
    assert report.greeting is not None and report.greeting.startswith(text)

    unrecorded = voice_settings.model_copy(
        update={"twilio_record_calls": False, "data_dir": voice_settings.data_dir.parent / "other"}
    )
    unrecorded.database_url = f"sqlite+aiosqlite:///{unrecorded.data_dir / 'frontdesk.db'}"
    server = live_server_factory(unrecorded)
    report = asyncio.run(_call(server, [], caller_tts))
    assert report.greeting is not None and "recorded" not in report.greeting
    events, recordings = asyncio.run(_stored(unrecorded, report.call_sid))
    assert _kinds(events) == [] and recordings == []


def test_record_after_consent_starts_only_when_the_caller_goes_on(
    voice_settings, live_server_factory, caller_tts
) -> None:  # type: ignore[no-untyped-def]
    settings = voice_settings.model_copy(update={"twilio_record_after_consent": True})
    server = live_server_factory(settings)

    # The caller hears the notice and hangs up without a word: nothing is recorded.
    silent = asyncio.run(_call(server, [], caller_tts))
    assert silent.greeting is not None and silent.greeting.startswith("This call is recorded.")
    events, recordings = asyncio.run(_stored(settings, silent.call_sid))
    assert _kinds(events) == ["call.recording_notice"] and recordings == []
    assert next(e for e in events if e.kind == "call.recording_notice").payload["recording"] is False

    # The caller goes on talking after the notice: recording starts then, and says why.
    talking = asyncio.run(_call(server, ["What are your opening hours?"], caller_tts))
    events, recordings = asyncio.run(_stored(settings, talking.call_sid))
    assert _kinds(events) == ["call.recording_notice", "call.recording_started"]
    started = next(e for e in events if e.kind == "call.recording_started")
    assert "after hearing the recording notice" in started.payload["consent"]
    assert len(recordings) == 1 and recordings[0].duration_s > 0.5


def test_record_after_consent_needs_a_notice() -> None:
    with pytest.raises(SettingsError, match="FRONTDESK_TWILIO_RECORD_AFTER_CONSENT"):
        load_settings(twilio_record_after_consent=True, twilio_recording_notice=" ")
    assert load_settings(twilio_record_after_consent=True).twilio_record_after_consent
