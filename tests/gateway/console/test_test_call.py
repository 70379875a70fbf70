"""The console's Test call: who may open the socket, and a booking by voice from headless Chromium.

The browser test feeds Chromium's fake microphone from a WAV that Piper spoke (a caller who books
an appointment); the page streams it over `WS /console/test-call/ws` into the same call pipeline
as a Twilio call (turn detection, Whisper, the agent, Piper), plays the bot's audio with WebAudio
and echoes its marks. The page's half-duplex switch holds the caller's audio while the bot speaks,
so the recorded answers cannot land in the middle of a reply whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.async_api import Browser, async_playwright, expect
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from connectors.demo.models import DemoAppointment
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, RecordingRow, TurnRow
from speech.pcm import write_wav
from tests.gateway.console.conftest import ADMIN, AUDITOR, PASSWORD, STAFF, Console, log_in
from tests.gateway.console.test_browser import CHROMIUM_ARGS

SOCKET = "/console/test-call/ws"
CALLER_SAYS = [
    "This is Sarah Johnson and I would like to book an appointment with Doctor Patel next Tuesday morning.",
    "March 14th, 1985.",
    "The first one please.",
    "Yes, that's right.",
]


def _cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _socket(console: Console, client: httpx.Client | None, origin: str | None = "same"):
    headers = {}
    if client is not None:
        headers["Cookie"] = _cookie_header(client)
    if origin == "same":
        headers["Origin"] = console.url
    elif origin is not None:
        headers["Origin"] = origin
    return connect(console.server.ws_url + SOCKET, additional_headers=headers)


async def _refused_reasons(db: Database) -> list[str]:
    async with db.session() as s:
        rows = (
            await s.execute(select(AuditEventRow).where(AuditEventRow.kind == "security.rejected"))
        ).scalars()
        return [json.dumps(r.payload) for r in rows]


async def test_only_staff_from_this_console_with_the_token_may_call(console: Console, db: Database) -> None:
    staff, csrf = await asyncio.to_thread(console.login, STAFF)
    auditor, _ = await asyncio.to_thread(console.login, AUDITOR)
    # The page: staff yes, auditors no (they read, they do not act).
    assert (await asyncio.to_thread(staff.get, "/console/test-call")).status_code == 200
    assert (await asyncio.to_thread(auditor.get, "/console/test-call")).status_code == 403
    # The socket, refused before the upgrade: no session, an auditor, another site's page, no Origin.
    for client, origin in ((None, "same"), (auditor, "same"), (staff, "https://evil.example"), (staff, None)):
        with pytest.raises(InvalidStatus) as refused:
            async with _socket(console, client, origin):
                pass
        assert refused.value.response.status_code == 403
    # A staff session from the console's own page, but the wrong CSRF token: closed with 1008.
    async with _socket(console, staff) as ws:
        await ws.send(json.dumps({"event": "start", "csrf": "not-the-token", "rate": 48000}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    # The right token but a sample rate the gateway cannot take: a clear error, no conversation.
    async with _socket(console, staff) as ws:
        await ws.send(json.dumps({"event": "start", "csrf": csrf, "rate": 1000}))
        assert json.loads(await ws.recv()) == {"event": "error", "error": "rate must be 8000-96000"}
    async with db.session() as s:
        assert (
            await s.execute(select(ConversationRow).where(ConversationRow.channel == "web-call"))
        ).first() is None
    # Anonymous refusals are aggregated per address (the first in full); the staff member's in full.
    reasons = "\n".join(await _refused_reasons(db))
    assert "test call without a staff session" in reasons
    assert '"csrf_mismatch", "staff": "sam.staff@clinic.example"' in reasons, reasons


async def test_bad_frames_on_a_web_call_are_audited_and_the_call_goes_on(
    console: Console, db: Database
) -> None:
    admin, csrf = await asyncio.to_thread(console.login, ADMIN)
    async with _socket(console, admin) as ws:
        await ws.send(json.dumps({"event": "start", "csrf": csrf, "rate": 16000}))
        started = json.loads(await ws.recv())
        assert started["event"] == "started"
        await ws.send(b"\x00\x01\x02")  # odd length: not 16-bit samples
        await ws.send("{not json")
        await ws.send(json.dumps({"event": "start", "start": {"streamSid": "MZ1", "callSid": "CA1"}}))
        await ws.send(np.zeros(3200, dtype="<i2").tobytes())  # 0.2 s of silence: fine
        await ws.send(json.dumps({"event": "stop"}))
        frames = [json.loads(m) async for m in ws]
    assert frames[-1] == {"event": "ended", "reason": "caller hung up"}
    async with db.session() as s:
        row = await s.get(ConversationRow, started["conversation_id"])
        events = (
            await s.execute(select(AuditEventRow).where(AuditEventRow.conversation_id == row.id))
        ).scalars()
        kinds = [(e.kind, e.payload.get("reason", "")) for e in events]
    assert row.channel == "web-call" and row.status == "closed"
    bad = [reason for kind, reason in kinds if kind == "security.rejected"]
    assert len(bad) == 3 and "odd number of bytes" in bad[0] and "malformed JSON" in bad[1], bad
    assert ("staff.action", "") in kinds


@pytest.fixture
async def browser_with_microphone(tmp_path: Path) -> AsyncIterator[Browser]:
    """Chromium whose fake microphone plays a caller booking an appointment (Piper's voice)."""
    from speech.tts import TextToSpeech
    from tests.speech.audio_helpers import compose, trim

    rate = 16000
    tts = TextToSpeech.load(workers=1, varied=False)
    try:
        parts: list[np.ndarray | int] = [500]
        for text in CALLER_SAYS:
            parts += [trim((await tts.synthesize(text, rate)).pcm, rate), 3000]
        parts.append(60_000)  # Chromium loops the file: nothing more is said
        audio, _ = compose(rate, *parts)
    finally:
        tts.close()
    wav = tmp_path / "caller.wav"
    write_wav(wav, audio, rate)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        yield browser
        await browser.close()


@pytest.mark.slow
@pytest.mark.browser
async def test_staff_book_an_appointment_by_voice_from_the_browser(
    console: Console, db: Database, browser_with_microphone: Browser, tmp_path: Path
) -> None:
    async with db.session() as s:
        before = {a.id for a in (await s.execute(select(DemoAppointment))).scalars()}
    page = await (await browser_with_microphone.new_context()).new_page()
    page.set_default_timeout(30_000)
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(f"{console.url}/console/login")
    await page.fill("input[name=email]", STAFF)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("header .who")).to_contain_text(STAFF)
    await page.click("text=Test call")
    await page.check("#call-half-duplex")
    await page.click("#call-start")
    transcript = page.locator("#call-transcript")
    await expect(transcript).to_contain_text("Riverside", timeout=30_000)  # the greeting
    await expect(transcript.locator(".turn-caller").first).to_contain_text("Sarah", timeout=60_000)
    await expect(transcript).to_contain_text("You're booked", timeout=120_000)
    conversation_id = await page.get_attribute("#test-call", "data-conversation")
    print(await transcript.inner_text())
    await page.screenshot(path=str(tmp_path / "test-call.png"), full_page=True)
    await page.click("#call-hangup")
    await expect(page.locator("#call-status")).to_contain_text("Call ended", timeout=15_000)

    async with db.session() as s:
        booked = [
            a
            for a in (await s.execute(select(DemoAppointment))).scalars()
            if a.id not in before and a.status == "booked"
        ]
        row = await s.get(ConversationRow, conversation_id)
        [recording] = (
            await s.execute(select(RecordingRow).where(RecordingRow.conversation_id == conversation_id))
        ).scalars()
        bot_turns = list(
            (
                await s.execute(
                    select(TurnRow)
                    .where(TurnRow.conversation_id == conversation_id, TurnRow.speaker == "bot")
                    .order_by(TurnRow.seq)
                )
            ).scalars()
        )
    assert [a.patient_id for a in booked] == ["p-1001"]
    assert row is not None and row.channel == "web-call" and row.status == "closed"
    assert recording.duration_s > 10 and recording.channels == 2
    # What the caller heard comes from the marks the page echoed once it had played the audio.
    assert bot_turns[0].heard_text == bot_turns[0].text and not bot_turns[0].interrupted
    # Listed like any call: the console's list filtered by the channel shows it, and it plays.
    page_list = await page.goto(f"{console.url}/console?channel=web-call")
    assert page_list is not None and page_list.ok
    await expect(page.locator(f'a[href="/console/conversations/{conversation_id}"]')).to_have_count(1)
    client = console.client()
    await asyncio.to_thread(log_in, client, STAFF)
    wav = await asyncio.to_thread(
        client.get, f"/console/conversations/{conversation_id}/recordings/{recording.id}"
    )
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    assert csp == []
