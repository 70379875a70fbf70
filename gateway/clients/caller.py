"""The simulated caller's side of a call: what they say (speech or keypad digits) and when it ends.

A `CallerTurn` is one turn of the caller, built from a WAV file (`wav_turn`), text spoken by Piper
(`text_turns`) or keypad digits (`dtmf_turn`); `voiced_end` finds where the speech in a turn's audio
stops, from which the caller measures the bot's latency.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np

from speech.pcm import PHONE_FRAME_BYTES

FRAME = PHONE_FRAME_BYTES  # 20 ms at 8 kHz
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


def voiced_end(audio: np.ndarray) -> int:
    """Index of the frame after the last one with speech energy (trailing silence excluded)."""
    frames = len(audio) // FRAME
    for i in range(frames - 1, -1, -1):
        chunk = audio[i * FRAME : (i + 1) * FRAME].astype(np.float64)
        if np.sqrt(np.mean(chunk * chunk)) > _VOICE_RMS:
            return i + 1
    return frames


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
