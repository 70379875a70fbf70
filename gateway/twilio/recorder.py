"""Call recording: caller on the left channel, bot on the right, in one 8 kHz 16-bit WAV.

The caller's inbound frames are the clock: Twilio sends one every 20 ms for the whole call, so
each caller frame is written together with the bot audio that was playing at that moment. Bot
audio waits in a short buffer (playback paces it, so it stays small) and is dropped on barge-in,
because Twilio's `clear` discards it unplayed: the file holds what the caller actually heard.
Frames go to disk as they come, so memory per call stays small whatever the call's length.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from gateway.private_files import open_private
from speech.pcm import PHONE_RATE

_FLUSH_BYTES = 32_000  # about one second of stereo audio per disk write
_MAX_PENDING_BOT_SAMPLES = PHONE_RATE * 10  # bot audio never queued further ahead than this


class CallRecorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open_private(path)  # owner-only: a recording is patient data
        self._wav = wave.open(self._file, "wb")
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(PHONE_RATE)
        self._pending_bot = np.zeros(0, dtype=np.int16)
        self._out = bytearray()
        self._frames = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def duration_s(self) -> float:
        return self._frames / PHONE_RATE

    def add_caller(self, caller: np.ndarray) -> None:
        """One inbound frame (int16 samples): written with the bot audio playing alongside."""
        if self._closed:
            return
        n = len(caller)
        bot = self._pending_bot[:n]
        self._pending_bot = self._pending_bot[n:]
        if len(bot) < n:
            bot = np.concatenate([bot, np.zeros(n - len(bot), dtype=np.int16)])
        self._write(caller, bot)

    def add_bot(self, samples: np.ndarray) -> None:
        """Bot audio handed to Twilio for playing (int16 samples)."""
        if self._closed:
            return
        self._pending_bot = np.concatenate([self._pending_bot, samples])[-_MAX_PENDING_BOT_SAMPLES:]

    def cut_bot(self) -> None:
        """Barge-in: the bot audio not yet played was flushed by Twilio, so it is not recorded."""
        self._pending_bot = np.zeros(0, dtype=np.int16)

    def close(self) -> float:
        """Write the rest (bot audio still queued plays over caller silence) and close the file."""
        if self._closed:
            return self.duration_s
        if len(self._pending_bot):
            self._write(np.zeros(len(self._pending_bot), dtype=np.int16), self._pending_bot)
            self._pending_bot = np.zeros(0, dtype=np.int16)
        self._flush()
        self._wav.close()  # patches the header; the file object is ours to close
        self._file.close()
        self._closed = True
        return self.duration_s

    def _write(self, caller: np.ndarray, bot: np.ndarray) -> None:
        stereo = np.empty(len(caller) * 2, dtype="<i2")
        stereo[0::2] = caller
        stereo[1::2] = bot
        self._out += stereo.tobytes()
        self._frames += len(caller)
        if len(self._out) >= _FLUSH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._out:
            self._wav.writeframes(bytes(self._out))
            self._out.clear()
            # To the OS now: a process killed mid-call loses at most the last second of audio,
            # and the rest is recovered (gateway/storage/salvage.py).
            self._file.flush()
