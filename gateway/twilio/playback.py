"""Bot audio to Twilio: real-time pacing, a `mark` after each chunk, and what the caller heard.

Twilio plays `media` frames in order and echoes a `mark` once the audio queued before it has
played. Frames are sent at most `lead_ms` ahead of real time, so a `clear` on barge-in discards
little and the marks tell precisely which chunks were heard (rather than estimating from time).

Mark names are `<utterance>:<chunk>` for each chunk and `<utterance>:end` once a reply is
complete, so a client (the call simulator) knows when the bot has finished speaking.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from speech.pcm import PHONE_FRAME_BYTES, PHONE_RATE

SendJson = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Utterance:
    """One bot reply as it is spoken: chunk texts queued (said) and those Twilio played (heard)."""

    key: str
    said: list[str] = field(default_factory=list)
    heard_upto: int = 0  # chunks [0, heard_upto) were played
    interrupted: bool = False
    ended: bool = False

    @property
    def said_text(self) -> str:
        return " ".join(t.strip() for t in self.said if t.strip())

    @property
    def heard_text(self) -> str:
        return " ".join(t.strip() for t in self.said[: self.heard_upto] if t.strip())


class Playback:
    def __init__(
        self,
        send_json: SendJson,
        stream_sid: str,
        *,
        lead_ms: int = 240,
        on_audio: Callable[[bytes], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send_json
        self._stream_sid = stream_sid
        self._lead_s = lead_ms / 1000
        self._on_audio = on_audio  # the recorder's tap: mu-law exactly as sent
        self._clock = clock
        self._audio_end = 0.0  # wall time when everything sent so far will have played
        self._pending: dict[str, tuple[Utterance, int]] = {}  # mark name -> chunk it follows
        self._count = 0
        self._sending = False
        self._all_played = asyncio.Event()
        self._all_played.set()
        self.current: Utterance | None = None
        self.first_audio_at: float | None = None  # wall time the current reply's first frame left

    @property
    def speaking(self) -> bool:
        """True while a chunk is going out or Twilio has not echoed every mark sent."""
        return self._sending or bool(self._pending)

    def begin(self) -> Utterance:
        self._count += 1
        self.current = Utterance(key=f"u{self._count}")
        self.first_audio_at = None
        return self.current

    async def play(self, text: str, ulaw: bytes) -> None:
        """Send one chunk in real time, then its mark. Cancel-safe: stops between frames."""
        utterance = self.current or self.begin()
        if utterance.interrupted:
            return
        index = len(utterance.said)
        utterance.said.append(text)
        self._sending = True
        try:
            for start in range(0, len(ulaw), PHONE_FRAME_BYTES):
                ahead = self._audio_end - self._clock()
                if ahead > self._lead_s:
                    await asyncio.sleep(ahead - self._lead_s)  # pacing to real time, not a sync wait
                if utterance.interrupted:
                    return
                await self._send_frame(ulaw[start : start + PHONE_FRAME_BYTES])
        finally:
            self._sending = False
        name = f"{utterance.key}:{index}"
        self._pending[name] = (utterance, index + 1)
        self._all_played.clear()
        await self._send({"event": "mark", "streamSid": self._stream_sid, "mark": {"name": name}})

    async def end(self) -> None:
        """The reply is complete: a final mark tells the far end the bot has finished."""
        utterance = self.current
        if utterance is None or utterance.ended:
            return
        utterance.ended = True
        if utterance.interrupted:
            return
        name = f"{utterance.key}:end"
        self._pending[name] = (utterance, len(utterance.said))
        self._all_played.clear()
        await self._send({"event": "mark", "streamSid": self._stream_sid, "mark": {"name": name}})

    def on_mark(self, name: str) -> None:
        """Twilio played everything up to this mark. Unknown or cleared marks are ignored."""
        entry = self._pending.pop(name, None)
        if entry is not None:
            utterance, upto = entry
            if not utterance.interrupted:
                utterance.heard_upto = max(utterance.heard_upto, upto)
        if not self._pending:
            self._all_played.set()

    async def clear(self) -> Utterance | None:
        """Barge-in: Twilio drops queued audio; the heard text freezes at the last echoed mark."""
        utterance = self.current
        if utterance is not None:
            utterance.interrupted = True
        self._pending.clear()
        self._all_played.set()
        self._audio_end = self._clock()
        await self._send({"event": "clear", "streamSid": self._stream_sid})
        return utterance

    async def wait_played(self, timeout_s: float) -> bool:
        """Until Twilio has played everything sent (True) or `timeout_s` passes (False)."""
        try:
            await asyncio.wait_for(self._all_played.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def _send_frame(self, frame: bytes) -> None:
        now = self._clock()
        if self.first_audio_at is None:
            self.first_audio_at = now
        self._audio_end = max(self._audio_end, now) + len(frame) / PHONE_RATE
        if self._on_audio is not None:
            self._on_audio(frame)
        payload = base64.b64encode(frame).decode("ascii")
        await self._send({"event": "media", "streamSid": self._stream_sid, "media": {"payload": payload}})
