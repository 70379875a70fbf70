"""Caller voices: text in, 8 kHz caller audio out, as it would reach the gateway from a phone.

    piper                          the built-in Piper voice (the one the bot speaks with)
    espeak:<voice>[:pitch:speed]   any installed espeak-ng voice: en-us, en, en-gb-scotland,
                                   en-gb-x-rp, en-029, en-us+f3 ... pitch 0-99 (50), speed in
                                   words per minute (175)

With the phone band (the default for calls) the audio goes through what a phone line does to it:
white noise at `noise_db` dB below the speech (seeded, so a run can be repeated), then sox
resamples to 8 kHz and keeps 300-3400 Hz (`sinc 300-3400`, no dither). Without it the audio is
only resampled. Each clip keeps the words it says (`CallerAudio.text`), so the word error rate of
what the gateway transcribed can be computed (`word_error_rate`, with jiwer from the dev extras).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PHONE_RATE = 8000
BAND = "300-3400"
_LEAD_IN_S = 0.3  # a breath before speaking, as `frontdesk call --text` does


class VoiceError(Exception):
    """A voice that cannot be used here (bad spec, espeak-ng or sox missing); says which."""


@dataclass(frozen=True)
class VoiceSpec:
    engine: str  # "piper" | "espeak"
    name: str = ""  # espeak-ng voice, with an optional +variant
    pitch: int | None = None
    speed: int | None = None

    @classmethod
    def parse(cls, spec: str) -> VoiceSpec:
        spec = spec.strip()
        if spec == "piper":
            return cls("piper")
        engine, _, rest = spec.partition(":")
        if engine != "espeak" or not rest:
            raise VoiceError(f"voice {spec!r}: expected 'piper' or 'espeak:<voice>[:pitch:speed]'")
        parts = rest.split(":")
        if len(parts) not in (1, 3) or not re.fullmatch(r"[A-Za-z0-9_+-]+", parts[0]):
            raise VoiceError(f"voice {spec!r}: expected 'espeak:<voice>' or 'espeak:<voice>:<pitch>:<speed>'")
        if len(parts) == 1:
            return cls("espeak", parts[0])
        try:
            pitch, speed = int(parts[1]), int(parts[2])
        except ValueError:
            raise VoiceError(f"voice {spec!r}: pitch and speed are whole numbers") from None
        if not 0 <= pitch <= 99 or not 80 <= speed <= 450:
            raise VoiceError(f"voice {spec!r}: pitch is 0-99, speed 80-450 words a minute")
        return cls("espeak", parts[0], pitch, speed)

    @property
    def label(self) -> str:
        if self.engine == "piper":
            return "piper"
        tail = f":{self.pitch}:{self.speed}" if self.pitch is not None else ""
        return f"espeak:{self.name}{tail}"


@dataclass(frozen=True)
class PhoneBand:
    enabled: bool = True
    noise_db: float | None = 30.0  # speech-to-noise ratio in dB; None: no noise
    seed: int = 0


@dataclass
class CallerAudio:
    text: str  # what is said: the reference transcript
    audio: np.ndarray  # int16 at 8 kHz
    voice: str

    @property
    def seconds(self) -> float:
        return len(self.audio) / PHONE_RATE


def espeak_voices() -> set[str]:
    """Names of the installed espeak-ng voices (language codes and voice names)."""
    if shutil.which("espeak-ng") is None:
        return set()
    out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    names: set[str] = set()
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 4:
            names.update({cols[1], cols[3]})
    return names


class CallerVoice:
    """One voice, optionally through the phone band; `say()` is safe to call repeatedly."""

    def __init__(self, spec: VoiceSpec | str, band: PhoneBand | None = None) -> None:
        self.spec = VoiceSpec.parse(spec) if isinstance(spec, str) else spec
        self.band = band or PhoneBand(enabled=False)
        self._tts: Any = None
        if self.spec.engine == "espeak":
            if shutil.which("espeak-ng") is None:
                raise VoiceError("espeak-ng is not installed (make system-deps)")
            base = self.spec.name.split("+", 1)[0]
            if base not in espeak_voices():
                raise VoiceError(f"espeak-ng has no voice {base!r} (espeak-ng --voices lists them)")
        if self.band.enabled and shutil.which("sox") is None:
            raise VoiceError("sox is not installed (make system-deps); use --no-phone-band")

    @property
    def label(self) -> str:
        band = ""
        if self.band.enabled:
            band = "+phone" + ("" if self.band.noise_db is None else f"@{self.band.noise_db:g}dB")
        return self.spec.label + band

    async def say(self, text: str, *, pace: float = 1.0) -> CallerAudio:
        """`text` in this voice; `pace` below 1 says it more slowly (as a caller asked to say it
        again does), through sox's `tempo` (same pitch)."""
        if not text.strip():
            raise VoiceError("nothing to say")
        if self.spec.engine == "piper":
            pcm, rate = await self._piper(text)
        else:
            pcm, rate = await asyncio.to_thread(self._espeak, text)
        if pace != 1.0:
            if shutil.which("sox") is None:
                raise VoiceError("sox is not installed (make system-deps): needed to say it more slowly")
            pcm = await asyncio.to_thread(_sox, pcm, rate, rate, ["tempo", "-s", f"{pace:g}"])
        audio = await asyncio.to_thread(self._line, pcm, rate, f"{text}@{pace:g}" if pace != 1.0 else text)
        lead_in = np.zeros(int(PHONE_RATE * _LEAD_IN_S), dtype=np.int16)
        return CallerAudio(text, np.concatenate([lead_in, audio]), self.label)

    def close(self) -> None:
        if self._tts is not None:
            self._tts.close()
            self._tts = None

    # -- engines -------------------------------------------------------------------------------

    async def _piper(self, text: str) -> tuple[np.ndarray, int]:
        if self._tts is None:
            from speech.tts import TextToSpeech

            # varied=False: the same words give the same audio, run after run
            self._tts = await asyncio.to_thread(TextToSpeech.load, workers=1, varied=False)
        chunk = await self._tts.synthesize(text)
        return chunk.pcm, chunk.sample_rate

    def _espeak(self, text: str) -> tuple[np.ndarray, int]:
        from speech.pcm import read_wav

        with tempfile.TemporaryDirectory(prefix="frontdesk-voice-") as tmp:
            out = Path(tmp) / "speech.wav"
            command = ["espeak-ng", "-v", self.spec.name, "-w", str(out)]
            if self.spec.pitch is not None:
                command += ["-p", str(self.spec.pitch), "-s", str(self.spec.speed)]
            result = subprocess.run([*command, "--", text], capture_output=True, text=True)
            if result.returncode != 0 or not out.is_file():
                raise VoiceError(f"espeak-ng failed: {result.stderr.strip() or result.returncode}")
            return read_wav(out)

    # -- the line ------------------------------------------------------------------------------

    def _line(self, pcm: np.ndarray, rate: int, text: str) -> np.ndarray:
        from speech.resample import resample

        if not self.band.enabled:
            return resample(pcm, rate, PHONE_RATE) if rate != PHONE_RATE else pcm
        signal = pcm.astype(np.float64)
        if self.band.noise_db is not None:
            # The seed mixes in the words, so each clip has its own noise and a rerun the same.
            rng = np.random.default_rng([self.band.seed, zlib.crc32(text.encode("utf-8"))])
            voiced = signal[np.abs(signal) > 0.01 * (np.abs(signal).max() or 1)]
            level = float(np.sqrt(np.mean(voiced**2))) if len(voiced) else 0.0
            signal = signal + rng.normal(0.0, level / 10 ** (self.band.noise_db / 20), len(signal))
        return _sox(np.clip(signal, -32768, 32767).astype(np.int16), rate, PHONE_RATE, ["sinc", BAND])


def _sox(pcm: np.ndarray, rate: int, out_rate: int, effects: list[str]) -> np.ndarray:
    """sox: `effects` (the band: "sinc 300-3400"; a slower pace: "tempo -s 0.8"), then to
    `out_rate`, no dither (the same input gives the same output)."""
    from speech.pcm import read_wav, write_wav

    with tempfile.TemporaryDirectory(prefix="frontdesk-band-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_wav(src, pcm, rate)
        command = ["sox", "-D", "-V1", str(src), "-r", str(out_rate), "-b", "16", "-c", "1", str(dst)]
        result = subprocess.run([*command, *effects], capture_output=True, text=True)
        if result.returncode != 0:
            raise VoiceError(f"sox failed: {result.stderr.strip()}")
        audio, got_rate = read_wav(dst)
    assert got_rate == out_rate
    return audio


def normalise_words(text: str) -> str:
    """Lowercase words without punctuation: the form both sides of a WER comparison take."""
    return " ".join(re.sub(r"[^\w' ]+", " ", text.casefold()).split())


def word_error_rate(references: list[str], hypotheses: list[str]) -> float | None:
    """WER of what was transcribed against what was said (None when jiwer is not installed)."""
    try:
        import jiwer
    except ImportError:
        return None
    pairs = [(normalise_words(r), normalise_words(h)) for r, h in zip(references, hypotheses, strict=True)]
    pairs = [(r, h) for r, h in pairs if r]
    if not pairs:
        return None
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs]))
