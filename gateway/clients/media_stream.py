"""The simulated phone on Twilio's Media Streams socket: its speaker and its microphone.

`Phone` is the far end's speaker: it "plays" the bot's `media` frames like a phone does, echoes a
`mark` once the audio before it has played (in real time with `realtime=True`, at once otherwise)
and honours `clear` (queued audio and marks dropped). `Microphone` sends the caller's side: 20 ms
mu-law `media` frames for the whole call (a turn's audio, silence in between) and `dtmf` events.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from gateway.clients.caller import FRAME, voiced_end
from speech.codec import ULAW_SILENCE, ulaw_encode

FRAME_S = 0.02
SILENCE = bytes([ULAW_SILENCE]) * FRAME
_TRAILING_SILENCE_FRAMES = 60  # 1.2 s after each spoken turn, so the gateway can see it end


class Phone:
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


class Microphone:
    """The caller's microphone: one 20 ms frame at a time, silence when the caller says nothing."""

    def __init__(self, ws: ClientConnection, phone: Phone, realtime: bool) -> None:
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


class suppress_closed:
    """A `with` block in which the socket closing (or a wait for it timing out) ends the block quietly."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        return exc_type is not None and issubclass(exc_type, ConnectionClosed | TimeoutError)  # type: ignore[arg-type]
