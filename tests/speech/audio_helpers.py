"""Helpers for speech tests: where speech is in a buffer (by energy), phone-line conditioning,
and a word-error-rate normaliser. Plain functions over numpy; nothing here fakes a model."""

from __future__ import annotations

import re

import jiwer
import numpy as np

from speech.codec import ulaw_decode, ulaw_encode

BLOCK_MS = 10


def speech_bounds(pcm: np.ndarray, rate: int, rel_db: float = -35.0) -> tuple[int, int]:
    """(first, last+1) sample of the 10 ms blocks whose RMS is within `rel_db` of the loudest block.
    This is what the tests call "speech starts" and "speech stops"."""
    n = rate * BLOCK_MS // 1000
    usable = len(pcm) // n * n
    blocks = pcm[:usable].astype(np.float64).reshape(-1, n)
    rms = np.sqrt((blocks**2).mean(axis=1))
    loud = np.nonzero(rms >= rms.max() * 10 ** (rel_db / 20))[0]
    return int(loud[0]) * n, (int(loud[-1]) + 1) * n


def trim(pcm: np.ndarray, rate: int) -> np.ndarray:
    start, end = speech_bounds(pcm, rate)
    return pcm[start:end]


def line_noise(n: int, seed: int = 0, level: float = 20.0) -> np.ndarray:
    """Quiet hiss (about -64 dBFS), as on a real phone line: a VAD must not need digital zeros."""
    return (np.random.default_rng(seed).normal(0, level, n)).astype(np.int16)


def phone_line(pcm: np.ndarray) -> np.ndarray:
    """What reaches us over Twilio: 8 kHz samples through the mu-law codec."""
    return ulaw_decode(ulaw_encode(pcm))


def compose(rate: int, *parts: np.ndarray | int, seed: int = 0) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Concatenate speech arrays and silences (ints, in ms) over line noise.
    Returns the audio and the (start, end) sample of each speech part."""
    pieces, spans, pos = [], [], 0
    for part in parts:
        chunk = np.zeros(rate * part // 1000, dtype=np.int16) if isinstance(part, int) else part
        if not isinstance(part, int):
            spans.append((pos, pos + len(chunk)))
        pieces.append(chunk)
        pos += len(chunk)
    audio = np.concatenate(pieces).astype(np.int32) + line_noise(pos, seed)
    return phone_line(np.clip(audio, -32768, 32767).astype(np.int16)), spans


_SMALL_NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_SMALL_NUMBERS["oh"] = "0"


def normalise_for_wer(text: str) -> str:
    """Lower case, no punctuation, 'p.m.' == 'PM', 'Dr.' == 'Doctor', numbers digit by digit and
    ordinals without suffix, so '12th' == '12' == 'twelve' and '555-0199' == '5 5 5, 0 1 9 9'."""
    t = text.lower()
    t = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", t)
    t = re.sub(r"\bdr\b\.?", "doctor", t)
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"[^a-z0-9' ]+", " ", t)
    t = re.sub(r"(\d)([a-z])", r"\1 \2", t)  # "3pm" == "3 pm"
    t = re.sub(r"\bok\b", "okay", t)
    t = re.sub(r"\bgood bye\b", "goodbye", t)
    words = [_SMALL_NUMBERS.get(w, w) for w in t.split()]
    digits = " ".join(" ".join(w) if w.isdigit() else w for w in words)
    return " ".join(digits.split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise_for_wer(reference), normalise_for_wer(hypothesis) or "<empty>")
