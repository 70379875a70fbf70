"""A phone call as Twilio would place it, for people without a Twilio account, tests and the bench.

It POSTs the signed incoming-call webhook, reads the `<Stream>` URL and one-time token from the
TwiML, opens the media stream with a signed upgrade and speaks the Media Streams protocol:
`connected`, `start`, 20 ms mu-law `media` frames for the whole call (the caller's turns, silence
in between), `dtmf`, `mark` echoes and `stop`. It "plays" the bot's audio like a phone does: a
mark is echoed once the audio before it has played (in real time with `realtime=True`, at once
otherwise) and `clear` drops what is queued. Each caller turn starts once the bot has finished
speaking (the gateway's `<utterance>:end` mark), or `barge_in_after_ms` into the bot's reply.

The caller measures latency itself: from the end of its speech to the first bot audio. What the
gateway transcribed and said is read afterwards from `GET /twilio/calls/{CallSid}/turns`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.twilio.signatures import sign
from speech.codec import ULAW_SILENCE, ulaw_encode
from speech.pcm import PHONE_FRAME_BYTES

FRAME = PHONE_FRAME_BYTES  # 20 ms at 8 kHz
FRAME_S = 0.02
SILENCE = bytes([ULAW_SILENCE]) * FRAME
_TRAILING_SILENCE_FRAMES = 60  # 1.2 s after each spoken turn, so the gateway can see it end
_VOICE_RMS = 300.0  # int16 RMS above which a frame counts as speech (for "stopped speaking")


class SimulatorError(Exception):
    """The gateway refused the call or broke the protocol; the message says how."""


@dataclass
class CallerTurn:
    label: str
    audio: np.ndarray | None = None  # int16, 8 kHz
    dtmf: str | None = None
    barge_in_after_ms: int | None = None  # speak this long into the bot's reply instead of after it

    @property
    def kind(self) -> str:
        return "dtmf" if self.dtmf is not None else "speech"


@dataclass
class TurnResult:
    turn: int
    caller: str
    latency_ms: float | None  # caller's end of speech to the first bot audio
    cut_off: bool  # the bot started before the caller had finished
    kind: str = "speech"  # or "dtmf"
    transcribed: str | None = None
    bot: str | None = None
    gateway_timing: dict[str, Any] | None = None
    played: bool = True  # False: the gateway had ended the call before this turn's turn came
    gap_ms: float | None = None  # realtime: longest the speaker ran dry inside the bot's reply

    def as_json(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "caller": self.caller,
            "transcribed": self.transcribed,
            "bot": self.bot,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms),
            "cut_off": self.cut_off,
            **({"gateway": self.gateway_timing} if self.gateway_timing else {}),
            **({} if self.played else {"played": False}),
            **({} if self.gap_ms is None else {"gap_ms": round(self.gap_ms)}),
        }


@dataclass
class CallReport:
    call_sid: str
    greeting: str | None
    turns: list[TurnResult]
    clears: int
    transcript: dict[str, Any] = field(default_factory=dict)
    close_code: int | None = None


def voiced_end(audio: np.ndarray) -> int:
    """Index of the frame after the last one with speech energy (trailing silence excluded)."""
    frames = len(audio) // FRAME
    for i in range(frames - 1, -1, -1):
        chunk = audio[i * FRAME : (i + 1) * FRAME].astype(np.float64)
        if np.sqrt(np.mean(chunk * chunk)) > _VOICE_RMS:
            return i + 1
    return frames


def gateway_urls(ws_url: str) -> tuple[str, str]:
    """(voice webhook URL, base HTTP URL) for a `ws(s)://host/twilio/stream` URL."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise SimulatorError(f"--url must be ws:// or wss://HOST[:PORT]/twilio/stream, got {ws_url!r}")
    base = urlunsplit((scheme, parts.netloc, "", "", ""))
    return base + "/twilio/voice", base


class _Phone:
    """The far end's speaker: plays bot audio, echoes marks once played, honours `clear`."""

    def __init__(self, ws: ClientConnection, stream_sid: str, realtime: bool) -> None:
        self.ws = ws
        self.stream_sid = stream_sid
        self.realtime = realtime
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.first_audio_at: float | None = None  # of the current bot reply
        self.started = asyncio.Event()  # the bot's reply has begun arriving
        self.finished = asyncio.Event()  # an `<utterance>:end` mark has played
        self.clears = 0
        self._seq = 0
        # Silence inside the current reply: its next audio came after the audio before had played
        # (a sentence synthesized too late). Measured in real time only.
        self.longest_gap_s = 0.0
        self._reply_audio = False

    def next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    def expect_reply(self) -> None:
        self.first_audio_at = None
        self.started.clear()
        self.finished.clear()
        self.longest_gap_s = 0.0
        self._reply_audio = False

    def on_message(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if event == "media":
            if self.first_audio_at is None:
                self.first_audio_at = time.monotonic()
                self.started.set()
            payload = base64.b64decode(message["media"]["payload"])
            self.queue.put_nowait(("audio", len(payload) / 8000))
        elif event == "mark":
            self.queue.put_nowait(("mark", message["mark"]["name"]))
        elif event == "clear":
            self.clears += 1
            # What arrived so far belonged to the reply the caller just interrupted.
            self.first_audio_at = None
            self._reply_audio = False
            self.started.clear()
            while not self.queue.empty():  # Twilio drops queued audio and its marks
                self.queue.get_nowait()

    async def play(self) -> None:
        clock = time.monotonic()
        while True:
            kind, value = await self.queue.get()
            if kind == "audio":
                if self.realtime:
                    now = time.monotonic()
                    if self._reply_audio and now > clock:
                        self.longest_gap_s = max(self.longest_gap_s, now - clock)
                    self._reply_audio = True
                    clock = max(clock, now) + value
                    await asyncio.sleep(max(0.0, clock - time.monotonic()))  # playing the audio
                continue
            await self.ws.send(
                json.dumps(
                    {
                        "event": "mark",
                        "sequenceNumber": self.next_seq(),
                        "streamSid": self.stream_sid,
                        "mark": {"name": value},
                    }
                )
            )
            if str(value).endswith(":end"):
                self.finished.set()


class CallSimulator:
    def __init__(
        self,
        ws_url: str,
        auth_token: str,
        *,
        realtime: bool = False,
        caller_number: str = "+15555550123",
        called_number: str = "+15555550100",
        reply_timeout_s: float = 30.0,
        stir_verstat: str | None = "TN-Validation-Passed-A",
    ) -> None:
        """`stir_verstat`: the caller ID's STIR/SHAKEN verdict as Twilio reports it (None: none)."""
        self.ws_url = ws_url
        self.stir_verstat = stir_verstat
        self.voice_url, self.base_url = gateway_urls(ws_url)
        self.auth_token = auth_token
        self.realtime = realtime
        self.caller_number = caller_number
        self.called_number = called_number
        self.reply_timeout_s = reply_timeout_s
        self.account_sid = "AC" + uuid.uuid4().hex
        self.call_sid = "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.idle = asyncio.Event()  # set once every turn has been played and answered

    # -- the webhook -------------------------------------------------------------------------

    async def answer(self, client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
        """POST the incoming-call webhook as Twilio does; returns the stream URL and parameters."""
        params = {
            "AccountSid": self.account_sid,
            "CallSid": self.call_sid,
            "From": self.caller_number,
            "To": self.called_number,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        if self.stir_verstat is not None:
            params["StirVerstat"] = self.stir_verstat
        headers = {"X-Twilio-Signature": sign(self.auth_token, self.voice_url, params)}
        response = await client.post(self.voice_url, data=params, headers=headers)
        if response.status_code != 200:
            raise SimulatorError(f"POST /twilio/voice answered {response.status_code}: {response.text[:200]}")
        try:
            root = ET.fromstring(response.text)
        except ET.ParseError as exc:
            raise SimulatorError(f"the webhook did not answer TwiML: {exc}") from None
        stream = root.find("./Connect/Stream")
        if stream is None or not stream.get("url"):
            raise SimulatorError("the TwiML has no <Connect><Stream url=...>")
        parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        return str(stream.get("url")), parameters

    # -- the call ----------------------------------------------------------------------------

    async def run(self, turns: list[CallerTurn], hold: asyncio.Event | None = None) -> CallReport:
        """Place the call, play `turns`, then (if given) stay on the line until `hold` is set."""
        async with httpx.AsyncClient(timeout=30) as client:
            stream_url, parameters = await self.answer(client)
            # Twilio signs the URL from the TwiML; we may reach the gateway by another address.
            headers = {"X-Twilio-Signature": sign(self.auth_token, stream_url, {})}
            async with connect(self.ws_url, additional_headers=headers, max_size=2**22) as ws:
                phone = _Phone(ws, self.stream_sid, self.realtime)
                results, close_code = await self._converse(ws, phone, parameters, turns, hold)
            transcript = await self.transcript(client)
        return self._report(results, phone.clears, transcript, close_code)

    async def _converse(
        self,
        ws: ClientConnection,
        phone: _Phone,
        parameters: dict[str, str],
        turns: list[CallerTurn],
        hold: asyncio.Event | None,
    ) -> tuple[list[TurnResult], int | None]:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps(self._start_message(phone, parameters)))
        reader = asyncio.create_task(self._read(ws, phone))
        player = asyncio.create_task(phone.play())
        sender = _Sender(ws, phone, self.realtime)
        idle = asyncio.create_task(sender.idle())
        results: list[TurnResult] = []
        try:
            phone.expect_reply()  # the greeting
            pending: tuple[int, CallerTurn, float, bool] | None = None
            for index, turn in enumerate(turns, start=1):
                if turn.barge_in_after_ms is None:
                    replied = await self._wait(phone.finished, reader)
                else:  # talk over the reply that is playing
                    replied = await self._wait(phone.started, reader)
                    await asyncio.sleep(turn.barge_in_after_ms / 1000)  # the caller's timing
                if pending is not None:
                    results.append(self._result(pending, phone if replied else None))
                    pending = None
                if reader.done():
                    results.extend(self._unplayed(index, turns))
                    break
                phone.expect_reply()
                try:
                    pending = (index, turn, *await self._say(turn, sender))
                except ConnectionClosed:  # the gateway hung up (or transferred) while we spoke
                    results.extend(self._unplayed(index, turns))
                    break
            if pending is not None:
                replied = await self._wait(phone.finished, reader)
                results.append(self._result(pending, phone if replied else None))
            elif not turns:
                await self._wait(phone.finished, reader)  # just the greeting
            self.idle.set()
            if hold is not None:
                await hold.wait()  # the caller stays on the line, silent
            if not reader.done():
                # The gateway may hang up at any moment (after a goodbye, say): then it has
                # closed the stream already, and there is nothing left to stop.
                with _suppress_closed():
                    await sender.send_json(
                        {"event": "stop", "stop": {"accountSid": self.account_sid, "callSid": self.call_sid}}
                    )
                    await ws.close()
        finally:
            for task in (idle, player):
                task.cancel()
            await asyncio.gather(idle, player, return_exceptions=True)
            with _suppress_closed():
                await asyncio.wait_for(reader, 10)
        return results, ws.close_code

    @staticmethod
    def _unplayed(first: int, turns: list[CallerTurn]) -> list[TurnResult]:
        """Turns from number `first` on, which the call ended before (reported, not dropped)."""
        return [
            TurnResult(
                turn=index,
                caller=turn.label,
                latency_ms=None,
                cut_off=False,
                kind=turn.kind,
                played=False,
            )
            for index, turn in enumerate(turns[first - 1 :], start=first)
        ]

    async def _say(self, turn: CallerTurn, sender: _Sender) -> tuple[float, bool]:
        """Send one caller turn; (when the caller stopped speaking, whether the bot cut in)."""
        if turn.dtmf is not None:
            for digit in turn.dtmf:
                await sender.send_json({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})
            return time.monotonic(), False
        if turn.audio is None:
            raise SimulatorError(f"turn {turn.label!r} has neither audio nor digits")
        ended_at, cut_off = await sender.speak(turn.audio)
        return ended_at, cut_off and turn.barge_in_after_ms is None

    def _result(self, pending: tuple[int, CallerTurn, float, bool], phone: _Phone | None) -> TurnResult:
        index, turn, ended_at, cut_off = pending
        first = phone.first_audio_at if phone is not None else None
        latency = None if first is None else (first - ended_at) * 1000
        gap = phone.longest_gap_s * 1000 if phone is not None and self.realtime else None
        return TurnResult(index, turn.label, latency, cut_off, turn.kind, gap_ms=gap)

    async def _wait(self, event: asyncio.Event, reader: asyncio.Task[None]) -> bool:
        """Until `event` (True), the socket closing or the reply timeout (False)."""
        waiter = asyncio.create_task(event.wait())
        done, _ = await asyncio.wait(
            {waiter, reader}, timeout=self.reply_timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        return waiter in done

    async def _read(self, ws: ClientConnection, phone: _Phone) -> None:
        with _suppress_closed():
            async for raw in ws:
                phone.on_message(json.loads(raw))

    def _start_message(self, phone: _Phone, parameters: dict[str, str]) -> dict[str, Any]:
        return {
            "event": "start",
            "sequenceNumber": phone.next_seq(),
            "streamSid": self.stream_sid,
            "start": {
                "streamSid": self.stream_sid,
                "accountSid": self.account_sid,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "customParameters": parameters,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }

    # -- afterwards ----------------------------------------------------------------------------

    async def transcript(self, client: httpx.AsyncClient, timeout_s: float = 15.0) -> dict[str, Any]:
        """The gateway's record of the call, once it has closed the conversation."""
        url = f"{self.base_url}/twilio/calls/{self.call_sid}/turns"
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, {})}
        deadline = time.monotonic() + timeout_s
        while True:
            response = await client.get(url, headers=headers)
            if response.status_code != 200:
                raise SimulatorError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
            data: dict[str, Any] = response.json()
            if data.get("status") == "closed" or time.monotonic() > deadline:
                return data
            await asyncio.sleep(0.1)  # polling the gateway's state with a deadline

    def _report(
        self, results: list[TurnResult], clears: int, transcript: dict[str, Any], close_code: int | None
    ) -> CallReport:
        turns = transcript.get("turns", [])
        timings = transcript.get("timings", [])
        greeting = None
        callers: list[dict[str, Any]] = []
        for row in turns:
            if row["speaker"] == "caller":
                callers.append({"text": row["text"], "bot": []})
            elif row["speaker"] == "bot":
                if callers:
                    callers[-1]["bot"].append(row["text"])
                else:
                    greeting = row["text"] if greeting is None else f"{greeting} {row['text']}"
        for result, caller in zip(results, callers, strict=False):
            result.transcribed = caller["text"]
            result.bot = " ".join(caller["bot"]) or None
        spoken = [r for r in results if r.kind == "speech"]
        for result, timing in zip(spoken, timings, strict=False):
            result.gateway_timing = {k: v for k, v in timing.items() if k != "event"}
        return CallReport(self.call_sid, greeting, results, clears, transcript, close_code)


class _Sender:
    """The caller's microphone: one 20 ms frame at a time, silence when the caller says nothing."""

    def __init__(self, ws: ClientConnection, phone: _Phone, realtime: bool) -> None:
        self.ws = ws
        self.phone = phone
        self.realtime = realtime
        self._lock = asyncio.Lock()
        self._clock = time.monotonic()
        self._chunk = 0

    async def send_json(self, message: dict[str, Any]) -> None:
        message.setdefault("sequenceNumber", self.phone.next_seq())
        message.setdefault("streamSid", self.phone.stream_sid)
        await self.ws.send(json.dumps(message))

    async def _frame(self, payload: bytes, paced: bool) -> None:
        if paced:
            self._clock = max(self._clock + FRAME_S, time.monotonic() - 0.2)
            await asyncio.sleep(max(0.0, self._clock - time.monotonic()))  # the caller's 20 ms clock
        self._chunk += 1
        await self.send_json(
            {
                "event": "media",
                "media": {
                    "track": "inbound",
                    "chunk": str(self._chunk),
                    "timestamp": str(self._chunk * 20),
                    "payload": base64.b64encode(payload).decode("ascii"),
                },
            }
        )

    async def idle(self) -> None:
        """Silence in real time whenever the caller is not speaking (Twilio never stops sending)."""
        while True:
            async with self._lock:
                await self._frame(SILENCE, paced=True)

    async def speak(self, audio: np.ndarray) -> tuple[float, bool]:
        """Send one turn; returns when the caller stopped speaking and whether the bot cut in."""
        ulaw = ulaw_encode(audio)
        ulaw += SILENCE[: -len(ulaw) % FRAME or 0] if len(ulaw) % FRAME else b""
        frames = [ulaw[i : i + FRAME] for i in range(0, len(ulaw), FRAME)]
        frames += [SILENCE] * _TRAILING_SILENCE_FRAMES
        last_voiced = voiced_end(audio)
        ended_at = time.monotonic()
        cut_off = False
        async with self._lock:
            for i, frame in enumerate(frames):
                await self._frame(frame, paced=self.realtime)
                if i + 1 == last_voiced:
                    ended_at = time.monotonic()
                    cut_off = self.phone.first_audio_at is not None
                if not self.realtime and i % 25 == 0:
                    await asyncio.sleep(0)  # let the reader run between bursts
        return ended_at, cut_off


class _suppress_closed:
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        return exc_type is not None and issubclass(exc_type, ConnectionClosed | TimeoutError)  # type: ignore[arg-type]


# -- caller turns from files, text and digits ------------------------------------------------


def wav_turn(path: str) -> CallerTurn:
    """A WAV file (16-bit, any rate, stereo mixed down) as one caller turn at 8 kHz."""
    from speech.pcm import AudioFormatError, read_wav
    from speech.resample import resample

    try:
        pcm, rate = read_wav(path)
        audio = resample(pcm, rate, 8000) if rate != 8000 else pcm
    except AudioFormatError as exc:
        raise SimulatorError(str(exc)) from None
    if len(audio) < FRAME:
        raise SimulatorError(f"{path}: shorter than 20 ms")
    return CallerTurn(label=path, audio=audio)


async def text_turns(texts: list[str], tts: Any = None) -> list[CallerTurn]:
    """Caller speech synthesized with Piper (the embedded voice unless `tts` is given)."""
    if tts is None:
        from speech.tts import TextToSpeech

        tts = await asyncio.to_thread(TextToSpeech.load)
    turns = []
    for text in texts:
        if not text.strip():
            raise SimulatorError("--text must not be empty")
        chunk = await tts.synthesize(text, 8000)
        lead_in = np.zeros(8000 * 3 // 10, dtype=np.int16)  # a breath before speaking
        turns.append(CallerTurn(label=text, audio=np.concatenate([lead_in, chunk.pcm])))
    return turns


def dtmf_turn(digits: str) -> CallerTurn:
    bad = set(digits) - set("0123456789*#")
    if not digits or bad:
        raise SimulatorError(f"--dtmf takes keypad keys 0-9 * #, got {digits!r}")
    return CallerTurn(label=f"dtmf:{digits}", dtmf=digits)
