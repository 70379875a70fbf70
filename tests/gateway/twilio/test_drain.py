"""Draining on SIGTERM (gateway/drain.py, docs/drain.md): a real `frontdesk serve` process, a call
over the Media Streams socket with the real speech models, chat clients over real WebSockets.

While a call is live the process is sent SIGTERM: /readyz turns 503 "draining", a new call is sent
elsewhere (TwiML <Redirect>, then "call back" when every try lands on a draining replica), new and
resuming chats are refused, and the live call goes on talking until the caller hangs up; then the
process exits 0 with the conversation and its audit stored. With a short deadline the caller hears
the closing sentence and the gateway ends the call."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.clients.call_simulator import CallSimulator, text_turns
from gateway.clients.media_stream import Microphone, Phone
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import ConversationRow
from gateway.twilio.signatures import sign
from gateway.twilio.words import DRAIN_GOODBYE
from tests.conftest import make_settings, prepare_database
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = pytest.mark.slow

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gateway:
    """`frontdesk serve` in a child process, on its own SQLite database and data directory."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.settings: Settings = make_settings(tmp_path, public_url=self.url)
        asyncio.run(prepare_database(self.settings))
        s = self.settings
        self.env = {
            **os.environ,
            "FRONTDESK_DATA_DIR": str(s.data_dir),
            "FRONTDESK_DATABASE_URL": s.database_url,
            "FRONTDESK_PUBLIC_URL": self.url,
            "FRONTDESK_SESSION_SECRET": s.session_secret.get_secret_value() if s.session_secret else "",
            "FRONTDESK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "FRONTDESK_PRELOAD_MODELS": "false",
            # Replies are flooded, not paced (the phone below echoes marks at once).
            "FRONTDESK_TWILIO_PLAYBACK_LEAD_MS": "120000",
            "FRONTDESK_LOG_JSON": "true",
            **env,
        }
        self.log = tmp_path / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [FRONTDESK, "serve", "--port", str(self.port)], env=self.env, stdout=out, stderr=out
            )
        deadline = time.monotonic() + 90
        while True:
            assert self.proc.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the gateway did not become ready\n" + self.output()
            time.sleep(0.1)  # polling for readiness, with a deadline

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def gateways(tmp_path: Path) -> Iterator[list[Gateway]]:
    started: list[Gateway] = []
    yield started
    for gateway in started:
        gateway.stop()


class Line:
    """One call answered by the webhook, its media stream driven by hand: the phone echoes marks
    at once and counts the bot audio it receives."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.sim = CallSimulator(gateway.ws_url + "/twilio/stream", AUTH_TOKEN)
        self.audio_s = 0.0
        self.ws: ClientConnection | None = None
        self.tasks: list[asyncio.Task[Any]] = []

    async def open(self) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            stream_url, parameters = await self.sim.answer(client)
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, stream_url, {})}
        self.ws = await connect(self.sim.ws_url, additional_headers=headers, max_size=2**22)
        self.phone = Phone(self.ws, self.sim.stream_sid, realtime=False)
        self.mic = Microphone(self.ws, self.phone, realtime=False)
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await self.ws.send(json.dumps(self.sim._start_message(self.phone, parameters)))
        self.phone.expect_reply()  # the greeting
        self.reader = asyncio.create_task(self._read())
        self.tasks = [self.reader, asyncio.create_task(self.phone.play()), asyncio.create_task(self._idle())]

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message.get("event") == "media":
                    self.audio_s += len(base64.b64decode(message["media"]["payload"])) / 8000
                self.phone.on_message(message)
        except ConnectionClosed:
            pass

    async def _idle(self) -> None:
        try:
            await self.mic.idle()  # silence, as Twilio sends whenever the caller says nothing
        except ConnectionClosed:
            pass

    async def reply_played(self, timeout_s: float = 60.0) -> None:
        """Until the bot's utterance has been played to its end mark."""
        await asyncio.wait_for(self.phone.finished.wait(), timeout_s)

    async def hang_up(self) -> None:
        assert self.ws is not None
        await self.mic.send_json({"event": "stop", "stop": {"callSid": self.sim.call_sid}})
        await self.ws.close()
        await self.close()

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def _readyz(gateway: Gateway) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(f"{gateway.url}/readyz")


async def _until_draining(gateway: Gateway) -> httpx.Response:
    deadline = time.monotonic() + 10
    while True:
        ready = await _readyz(gateway)
        if ready.status_code == 503:
            return ready
        assert time.monotonic() < deadline, ready.text
        await asyncio.sleep(0.05)  # polling /readyz for the drain, with a deadline


async def _new_call(gateway: Gateway, query: str = "") -> str:
    url = f"{gateway.url}/twilio/voice{query}"
    params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+15555550199", "To": "+15555550100"}
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(
            url, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)}
        )
    assert answer.status_code == 200, answer.text
    return answer.text


def _exited(gateway: Gateway, timeout_s: float = 60.0) -> int:
    assert gateway.proc is not None
    try:
        return gateway.proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        raise AssertionError("the gateway did not exit after draining\n" + gateway.output()) from None


def _stored(settings: Settings, call_sid: str) -> tuple[ConversationRow, list[dict[str, Any]]]:
    async def read() -> tuple[ConversationRow, list[dict[str, Any]]]:
        db = Database(settings.database_url)
        try:
            async with db.session() as s:
                row = (
                    await s.execute(select(ConversationRow).where(ConversationRow.external_id == call_sid))
                ).scalar_one()
            events = await AuditLog(db).events(row.id)
            return row, [{"kind": e.kind, **e.payload} for e in events]
        finally:
            await db.close()

    return asyncio.run(read())


def _audit_verifies(gateway: Gateway) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FRONTDESK, "audit", "verify"], env=gateway.env, capture_output=True, text=True, timeout=120
    )


def test_sigterm_drains_a_live_call_then_exits_cleanly(
    gateways: list[Gateway],
    tmp_path: Path,
    caller_tts,  # type: ignore[no-untyped-def]
) -> None:
    gateway = Gateway(tmp_path, FRONTDESK_DRAIN_DEADLINE_S="120")
    gateways.append(gateway)
    gateway.start()
    chat_origin = {"Origin": gateway.url}

    async def scenario() -> tuple[Line, dict[str, Any]]:
        [hours] = await text_turns(["What are your opening hours?"], caller_tts)
        # A visitor chatted before the drain: their resume token is what they reconnect with.
        async with connect(gateway.ws_url + "/chat/ws", additional_headers=chat_origin) as chat:
            await chat.send(json.dumps({"type": "hello"}))
            welcome = json.loads(await chat.recv())
        assert welcome["type"] == "welcome", welcome

        line = Line(gateway)
        await line.open()
        await line.reply_played()  # the greeting
        early = await connect(gateway.ws_url + "/chat/ws", additional_headers=chat_origin)  # no hello yet
        assert gateway.proc is not None
        gateway.proc.send_signal(signal.SIGTERM)
        seen: dict[str, Any] = {}
        ready = await _until_draining(gateway)
        seen["readyz"] = ready.json()

        # A new call is sent back through the public URL (another replica takes it) ...
        seen["new_call"] = await _new_call(gateway)
        # ... and once the tries are used up, the caller is told to call back, not dropped.
        seen["last_try"] = await _new_call(gateway, "?drain_redirect=2")
        # New and resuming chats are refused at the upgrade (before any hello): the widget
        # reconnects, lands on another replica and resumes from the shared database.
        with pytest.raises(InvalidStatus) as refused:
            await connect(gateway.ws_url + "/chat/ws", additional_headers=chat_origin)
        seen["chat_refusal"] = (
            refused.value.response.status_code,
            json.loads(refused.value.response.body or b"{}"),
        )
        # A socket opened before the drain may not start or resume a chat here either.
        await early.send(json.dumps({"type": "hello", "token": welcome["token"]}))
        seen["early_frame"] = json.loads(await early.recv())
        with pytest.raises(ConnectionClosed):
            await early.recv()
        seen["early_close"] = early.close_code

        # The live call goes on: the caller asks, the bot answers, the caller hangs up.
        line.phone.expect_reply()
        assert hours.audio is not None
        await line.mic.speak(hours.audio)
        await line.reply_played()
        seen["still_draining"] = (await _readyz(gateway)).status_code
        await line.hang_up()
        return line, seen

    line, seen = asyncio.run(scenario())
    assert seen["readyz"]["ready"] is False and seen["readyz"]["drain"].startswith("draining: 1 live call")
    root = ET.fromstring(seen["new_call"])
    redirect = root.find("Redirect")
    assert root.find("./Connect/Stream") is None and redirect is not None
    assert redirect.text == f"{gateway.url}/twilio/voice?drain_redirect=1", seen["new_call"]
    last = ET.fromstring(seen["last_try"])
    assert last.find("Redirect") is None and last.find("Hangup") is not None
    assert "call us back" in (last.findtext("Say") or "")
    assert seen["chat_refusal"][0] == 503 and seen["chat_refusal"][1]["code"] == "server_draining"
    assert seen["early_frame"]["code"] == "server_draining" and seen["early_close"] == 1012
    assert seen["still_draining"] == 503

    assert _exited(gateway) == 0, gateway.output()
    output = gateway.output()
    assert "draining" in output and "drained: no live calls left" in output
    row, events = _stored(gateway.settings, line.sim.call_sid)
    assert row.status == "closed"
    closed = [e for e in events if e.get("event") == "stream_closed"]
    assert closed and closed[0]["reason"] == "call ended"
    said = [e.get("text", "") for e in events if e["kind"] == "turn.user"]
    assert any("hour" in text.lower() for text in said), said  # the turn taken while draining
    assert not any(e.get("event") == "drain_goodbye" for e in events)
    verified = _audit_verifies(gateway)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_past_the_deadline_the_caller_hears_why_the_call_ends(
    gateways: list[Gateway], tmp_path: Path
) -> None:
    gateway = Gateway(tmp_path, FRONTDESK_DRAIN_DEADLINE_S="1")
    gateways.append(gateway)
    gateway.start()

    async def scenario() -> tuple[Line, float, int | None]:
        line = Line(gateway)
        await line.open()
        await line.reply_played()  # the greeting
        greeting_s = line.audio_s
        assert gateway.proc is not None
        gateway.proc.send_signal(signal.SIGTERM)
        line.phone.expect_reply()
        # The caller says nothing; a second after the signal the gateway says why it must hang up.
        await line.reply_played()
        await asyncio.wait_for(line.reader, 30)  # then it closes the stream
        await line.close()
        assert line.ws is not None
        return line, line.audio_s - greeting_s, line.ws.close_code

    line, goodbye_s, close_code = asyncio.run(scenario())
    # The closing sentence, played in full (about 9 s of speech), then a normal close.
    assert goodbye_s > 4.0 and close_code == 1000
    assert _exited(gateway) == 0, gateway.output()
    row, events = _stored(gateway.settings, line.sim.call_sid)
    assert row.status == "closed"
    goodbye = [e for e in events if e.get("event") == "drain_goodbye"]
    assert goodbye and goodbye[0]["said"] == DRAIN_GOODBYE
    closed = [e for e in events if e.get("event") == "stream_closed"]
    assert closed and closed[0]["reason"] == "server draining: deadline reached"
    assert events[-1]["kind"] == "conversation.ended"
    verified = _audit_verifies(gateway)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_second_signal_stops_at_once(gateways: list[Gateway], tmp_path: Path) -> None:
    gateway = Gateway(tmp_path, FRONTDESK_DRAIN_DEADLINE_S="120")
    gateways.append(gateway)
    gateway.start()

    async def scenario() -> None:
        # A call answered just now: the drain waits up to 10 s for its stream to open.
        assert "<Stream" in await _new_call(gateway)
        assert gateway.proc is not None
        gateway.proc.send_signal(signal.SIGTERM)
        await _until_draining(gateway)

    asyncio.run(scenario())
    assert gateway.proc is not None
    gateway.proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    status = _exited(gateway, 30)
    assert status == -signal.SIGTERM, gateway.output()  # ended by the signal, not a clean 0
    assert time.monotonic() - started < 5.0  # not after the 10 s the drain would have waited
    assert "second signal: stopping at once" in gateway.output()
