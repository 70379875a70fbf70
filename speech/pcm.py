"""PCM helpers: validation and conversion of mono audio, WAV files, 20 ms framing.

Everything in `speech/` passes audio as a 1-D numpy array of int16 samples plus a sample rate.
These helpers are the one place where foreign input (floats, NaN, stereo, odd byte counts) is
checked, so that a bad buffer is a clear `AudioFormatError` instead of a crash deeper down.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import soundfile

PHONE_RATE = 8000  # Hz: G.711 telephony
FRAME_MS = 20  # the frame every phone stream carries
PHONE_FRAME_BYTES = PHONE_RATE * FRAME_MS // 1000  # 160: one 20 ms frame, one mu-law byte per sample


class AudioFormatError(ValueError):
    """Audio that cannot be used as given (wrong dtype, NaN, wrong rate, odd length, bad file)."""


def check_rate(sample_rate: int) -> int:
    """Accept a positive integral sample rate between 4 kHz and 192 kHz."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer):
        raise AudioFormatError(f"sample rate must be an integer, got {sample_rate!r}")
    if not 4000 <= int(sample_rate) <= 192_000:
        raise AudioFormatError(f"unsupported sample rate {sample_rate} Hz (4000..192000)")
    return int(sample_rate)


def to_int16(pcm: np.ndarray) -> np.ndarray:
    """Return mono int16 samples; floats are taken as [-1, 1] and clipped, NaN/inf are refused."""
    arr = np.asarray(pcm)
    if arr.ndim != 1:
        raise AudioFormatError(f"audio must be mono (1-D), got shape {arr.shape}")
    if arr.dtype == np.int16:
        return arr
    if np.issubdtype(arr.dtype, np.floating):
        if arr.size and not np.isfinite(arr).all():
            raise AudioFormatError("audio contains NaN or infinite samples")
        scaled: np.ndarray = (np.clip(arr, -1.0, 1.0) * 32767.0).round().astype(np.int16)
        return scaled
    if np.issubdtype(arr.dtype, np.integer):
        clipped: np.ndarray = np.clip(arr, -32768, 32767).astype(np.int16)
        return clipped
    raise AudioFormatError(f"unsupported sample type {arr.dtype}")


def to_float32(pcm: np.ndarray) -> np.ndarray:
    """Mono float32 in [-1, 1] from int16 (or already-float) samples."""
    arr = np.asarray(pcm)
    if np.issubdtype(arr.dtype, np.floating):
        to_int16(arr)  # same checks (shape, NaN) as everywhere else
        floats: np.ndarray = np.clip(arr, -1.0, 1.0).astype(np.float32, copy=False)
        return floats
    return to_int16(arr).astype(np.float32) / 32768.0


def int16_from_bytes(data: bytes) -> np.ndarray:
    """Little-endian 16-bit PCM bytes to samples; an odd byte count is an error, not a truncation."""
    if len(data) % 2:
        raise AudioFormatError(f"16-bit PCM needs an even number of bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def duration_s(pcm: np.ndarray, sample_rate: int) -> float:
    return len(pcm) / float(sample_rate)


def frame_samples(sample_rate: int, frame_ms: int = FRAME_MS) -> int:
    return sample_rate * frame_ms // 1000


def split_frames(pcm: np.ndarray, sample_rate: int, frame_ms: int = FRAME_MS) -> list[np.ndarray]:
    """Cut audio into whole frames; the last partial frame is padded with silence."""
    pcm = to_int16(pcm)
    n = frame_samples(sample_rate, frame_ms)
    if len(pcm) % n:
        pcm = np.concatenate([pcm, np.zeros(n - len(pcm) % n, dtype=np.int16)])
    return [pcm[i : i + n] for i in range(0, len(pcm), n)]


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a sound file (WAV in any common encoding: 8/16/24/32-bit PCM, float, mu-law, A-law;
    also FLAC, OGG) through libsndfile; channels are mixed down. Returns (int16 samples, rate)."""
    path = Path(path)
    if not path.is_file():
        raise AudioFormatError(f"no such audio file: {path}")
    try:
        info = soundfile.info(str(path))
        # Integer encodings (PCM, mu-law, A-law) come as int16 straight from libsndfile (exact for
        # 16-bit); only float files go through float32, so NaN can be caught.
        dtype = "float32" if info.subtype in ("FLOAT", "DOUBLE") else "int16"
        data, rate = soundfile.read(str(path), dtype=dtype, always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a readable WAV or sound file ({exc})") from None
    if data.dtype == np.int16:
        mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1).round().astype(np.int16)
        return np.ascontiguousarray(mono), int(rate)
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return to_int16(mono), int(rate)


def write_wav(path: str | Path, pcm: np.ndarray, sample_rate: int) -> None:
    """Write mono int16 samples as a 16-bit PCM WAV file."""
    pcm = to_int16(pcm)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(check_rate(sample_rate))
        wav.writeframes(pcm.astype("<i2").tobytes())
