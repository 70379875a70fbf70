"""A console test call driven over its WebSocket by a client that plays the browser's part fast
(16-bit PCM that Piper spoke, marks echoed on arrival): what the caller says reaches the agent and
comes back as transcript events, and a caller who asks for a person is handed over without any
phone call to redirect: the handoff waits in the queue, the caller hears that staff will call back."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, HandoffRow, TurnRow
from gateway.twilio.words import TRANSFER_FAILED
from tests.conftest import make_settings
from tests.gateway.console.conftest import STAFF, Console

pytestmark = pytest.mark.slow
RATE = 16000


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Replies are not paced to real time: this client echoes marks as they come."""
    return make_settings(tmp_path, twilio_playback_lead_ms=120_000)


@pytest.fixture(scope="module")
def tts() -> Iterator[Any]:
    from speech.tts import TextToSpeech

    voice = TextToSpeech.load(workers=1, varied=False)
    yield voice
    voice.close()


class Browser:
    """The page's part of the protocol: PCM out, events collected, marks echoed at once or, with
    `playing`, when the audio before them would have played (as WebAudio plays it)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.changed = asyncio.Event()
        self.playing = False
        self._play_end = 0.0
        self._echoes: list[asyncio.TimerHandle] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        async for raw in self.ws:
            message = json.loads(raw)
            event = message["event"]
            if event == "media":
                seconds = len(base64.b64decode(message["media"]["payload"])) / 8000
                self._play_end = max(self._play_end, loop.time()) + seconds
                continue
            if event == "mark":
                echo = json.dumps({"event": "mark", "mark": message["mark"]})
                if self.playing:
                    delay = max(0.0, self._play_end - loop.time())
                    self._echoes.append(loop.call_later(delay, self._echo_later, echo))
                else:
                    await self._echo(echo)
            if event == "clear":
                for handle in self._echoes:
                    handle.cancel()
                self._echoes.clear()
                self._play_end = loop.time()
            self.events.append(message)
            self.changed.set()

    def _echo_later(self, echo: str) -> None:
        task = asyncio.get_running_loop().create_task(self._echo(echo))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _echo(self, echo: str) -> None:
        await self.ws.send(echo)
        self.events.append({"event": "echoed", "mark": json.loads(echo)["mark"]})
        self.changed.set()

    async def until(self, predicate: Any) -> None:
        async with asyncio.timeout(60):
            while not any(predicate(e) for e in self.events):
                self.changed.clear()
                await self.changed.wait()

    async def say(self, pcm: np.ndarray) -> None:
        for start in range(0, len(pcm), RATE // 10):
            await self.ws.send(pcm[start : start + RATE // 10].astype("<i2").tobytes())

    async def silence(self) -> None:
        """The microphone stays open: 100 ms of silence every 100 ms until the call ends."""
        quiet = np.zeros(RATE // 10, dtype="<i2").tobytes()
        while True:
            await self.ws.send(quiet)
            await asyncio.sleep(0.1)  # real time: the microphone's pace, not a synchronisation


@pytest.fixture
async def browser(console: Console) -> AsyncIterator[Browser]:
    client, csrf = await asyncio.to_thread(console.login, STAFF)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    headers = {"Cookie": cookie, "Origin": console.url}
    async with connect(console.server.ws_url + "/console/test-call/ws", additional_headers=headers) as ws:
        await ws.send(json.dumps({"event": "start", "csrf": csrf, "rate": RATE}))
        page = Browser(ws)
        reader = asyncio.create_task(page.read())
        yield page
        reader.cancel()


async def test_a_caller_who_asks_for_a_person_waits_in_the_queue(
    console: Console, db: Database, browser: Browser, tts: Any
) -> None:
    ask = (await tts.synthesize("Can I please talk to a real person?", RATE)).pcm
    await browser.until(lambda e: e["event"] == "mark" and e["mark"]["name"].endswith(":end"))  # greeted
    started = next(e for e in browser.events if e["event"] == "started")
    await browser.say(ask)
    mic = asyncio.create_task(browser.silence())
    try:
        await browser.until(lambda e: e["event"] == "ended")
    finally:
        mic.cancel()
    said: list[tuple[str, str]] = []  # the bot's pieces joined into turns, as the page shows them
    for e in browser.events:
        if e["event"] == "transcript":
            if said and said[-1][0] == e["speaker"] == "bot":
                said[-1] = ("bot", f"{said[-1][1]} {e['text'].strip()}".strip())
            else:
                said.append((e["speaker"], e["text"].strip()))
    assert said[0][0] == "bot" and "Riverside" in said[0][1]
    assert ("caller" in [who for who, _ in said]) and "person" in next(t for w, t in said if w == "caller")
    assert said[-1][0] == "bot" and said[-1][1].endswith(TRANSFER_FAILED), said
    assert browser.events[-1] == {"event": "ended", "reason": "bot ended the call"}
    async with db.session() as s:
        conversation_id = started["conversation_id"]
        row = await s.get(ConversationRow, conversation_id)
        [handoff] = (
            await s.execute(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id))
        ).scalars()
        events = (
            await s.execute(select(AuditEventRow).where(AuditEventRow.conversation_id == conversation_id))
        ).scalars()
        failed = [e.payload for e in events if e.payload.get("event") == "transfer_failed"]
    assert row is not None and row.channel == "web-call" and row.status == "closed"
    assert handoff.status == "waiting"
    assert failed == [
        {"event": "transfer_failed", "error": "no phone call to redirect (a call from the browser)"}
    ]


async def test_speaking_over_the_greeting_stops_it_and_records_what_was_heard(
    console: Console, db: Database, browser: Browser, tts: Any
) -> None:
    browser.playing = True  # marks come back only once their audio has played, in real time
    # The greeting's first chunk has played (its mark went back) and the rest is still playing.
    await browser.until(lambda e: e["event"] == "echoed" and e["mark"]["name"] == "u1:0")
    started = next(e for e in browser.events if e["event"] == "started")
    interrupt = (await tts.synthesize("Sorry, I need to book an appointment please.", RATE)).pcm
    await browser.say(interrupt)
    mic = asyncio.create_task(browser.silence())
    try:
        await browser.until(lambda e: e["event"] == "clear")
        # The turn said over the greeting is answered.
        await browser.until(lambda e: e["event"] == "transcript" and e["speaker"] == "caller")
    finally:
        mic.cancel()
    await browser.ws.send(json.dumps({"event": "stop"}))
    await browser.until(lambda e: e["event"] == "ended")
    async with db.session() as s:
        conversation_id = started["conversation_id"]
        [greeting, *_] = (
            await s.execute(
                select(TurnRow)
                .where(TurnRow.conversation_id == conversation_id, TurnRow.speaker == "bot")
                .order_by(TurnRow.seq)
            )
        ).scalars()
        barge_ins = [
            e.payload
            for e in (
                await s.execute(select(AuditEventRow).where(AuditEventRow.conversation_id == conversation_id))
            ).scalars()
            if e.payload.get("event") == "barge_in"
        ]
    assert greeting.interrupted
    assert greeting.heard_text is not None and len(greeting.heard_text) < len(greeting.text)
    assert greeting.text.startswith(greeting.heard_text)
    assert len(barge_ins) == 1 and barge_ins[0]["heard"] == greeting.heard_text
