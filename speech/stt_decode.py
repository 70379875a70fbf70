"""One Whisper decode and what it reads: the encoder window, CTranslate2's runs, the text kept.

`WhisperDecoder` runs the model for `speech.stt.SpeechToText`, which decides which decodes a batch
of queued turns needs (short context, full window, windowed, again without a prompt). Each decode of
a clip gives a `Reading` (its text, confidence and no-speech probability), or None when the output
looks like a loop and must be decoded again with more context. The decoding options are tuned for
short phone turns on two CPU cores: greedy decoding, no timestamps, no VAD filter (turns are already
segmented), no conditioning on earlier text, no temperature fallback.

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

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

WHISPER_RATE = 16_000
NO_SPEECH_MAX = 0.6  # segments the model itself calls non-speech are dropped
# Whisper's stock words for non-speech, dropped when the model also rates the audio non-speech
NOISE_WORDS = frozenset({"you", "thank you", "thanks", "bye", "uh", "um", "hmm", "mm"})
FULL_FRAMES = 3000  # Whisper's 30 s window, in 10 ms mel frames
MIN_FRAMES = 1000  # shortest encoder context used (10 s)
MARGIN_FRAMES = 300  # context beyond the audio (3 s)
SILENCE_FLOOR = 2.0  # normalised log-mel of digital silence: (max - 8 decades + 4) / 4 = max - 2
TOKENS_PER_SECOND = 6  # generous for speech (about 3 words/s): a cap that stops loops early
MAX_COMPRESSION = 2.4  # text that gzips better than this is a repetition loop (Whisper's own rule)


@dataclass(frozen=True, slots=True)
class Reading:
    """What one decode made of one clip (empty text: nobody spoke, or only noise)."""

    text: str
    confidence: float  # 0..1: geometric mean of token probabilities
    no_speech_prob: float  # the model's own probability that the clip holds no speech


class WhisperDecoder:
    """Greedy (or beam) decodes of 16 kHz clips with one loaded model, English, no timestamps."""

    def __init__(self, model: WhisperModel, tokenizer: Tokenizer, beam_size: int = 1) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.beam_size = beam_size
        # What starts every transcript: start-of-transcript, language, task, no timestamps
        self.transcript_start = (*tokenizer.sot_sequence, tokenizer.no_timestamps)
        self._suppress = list(get_suppressed_tokens(tokenizer, [-1]))

    def context_frames(self, audio: np.ndarray) -> int | None:
        """Encoder frames for a short decode of `audio`; None when it needs the windowed path."""
        frames: int = len(audio) // self.model.feature_extractor.hop_length
        if frames + MARGIN_FRAMES > FULL_FRAMES:
            return None
        return max(MIN_FRAMES, -(-(frames + MARGIN_FRAMES) // 100) * 100)

    def windows(self, audios: list[np.ndarray], context: int) -> np.ndarray:
        """The encoder input of each clip, `context` frames long, stacked as one batch."""
        return np.stack([self._window(audio, context) for audio in audios])

    def encode(self, windows: np.ndarray) -> Any:
        """One encoder run over a batch of windows (CTranslate2's StorageView)."""
        return self.model.model.encode(ctranslate2.StorageView.from_array(windows))

    def _window(self, audio: np.ndarray, context: int) -> np.ndarray:
        """Log-mel features of `audio`, the rest of the window silence as Whisper knows it (see the
        module docstring)."""
        features = self.model.feature_extractor(audio)[:, :-1]  # the last frame is padding
        floor = float(features.max()) - SILENCE_FLOOR if features.size else -1.5
        window = np.full((features.shape[0], context), floor, dtype=np.float32)
        usable = min(context, features.shape[1])
        window[:, :usable] = features[:, :usable]
        return window

    def generate(
        self, encoded: Any, audios: list[np.ndarray], starts: list[list[int]], context: int
    ) -> list[Reading | None]:
        """Decode encoded clips after their start tokens. CTranslate2 needs the start-of-transcript
        token at one position across a batch, so clips whose prompts differ in length are decoded
        in one run per length (sharing the encoder run)."""
        lengths = sorted({len(start) for start in starts})
        if len(lengths) == 1:
            return self._generate_same_length(encoded, audios, starts, context)
        features = np.asarray(encoded)
        readings: list[Reading | None] = [None] * len(audios)
        for length in lengths:
            group = [i for i, start in enumerate(starts) if len(start) == length]
            part = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[group]))
            decoded = self._generate_same_length(
                part, [audios[i] for i in group], [starts[i] for i in group], context
            )
            for i, reading in zip(group, decoded, strict=True):
                readings[i] = reading
        return readings

    def _generate_same_length(
        self, encoded: Any, audios: list[np.ndarray], starts: list[list[int]], context: int
    ) -> list[Reading | None]:
        budgets = [_budget(a, start) for a, start in zip(audios, starts, strict=True)]
        results = self._run(encoded, starts, min(self.model.max_length, max(budgets)), self.beam_size)
        return [
            self._reading(result, min(self.model.max_length, budget), context, len(start))
            for result, budget, start in zip(results, budgets, starts, strict=True)
        ]

    def _reading(self, result: Any, max_length: int, context: int, start_length: int) -> Reading | None:
        """One clip's generation result read as text; None when a short-context decode looks like a
        loop (hit its cap, repeats itself, or heard nothing yet is sure somebody spoke)."""
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        text = self.tokenizer.decode(tokens).strip()
        # In a batch the decoder may run past this clip's own cap; reaching it counts the same.
        hit_cap = start_length + len(result.sequences_ids[0]) >= max_length
        if start_length > len(self.transcript_start):
            # After a prompt Whisper tends to say a short answer again and again ("Yes, that's
            # right. Yes, that's right."): the answer once is what was said.
            once = said_once(text)
            if once != text:
                text, hit_cap = once, False
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else -10.0
        confidence = math.exp(avg_logprob)
        if context < FULL_FRAMES and (
            hit_cap or looks_looped(text) or (not text and result.no_speech_prob < NO_SPEECH_MAX)
        ):
            return None
        if not tokens or (result.no_speech_prob > NO_SPEECH_MAX and avg_logprob < -1.0):
            return Reading("", 0.0, result.no_speech_prob)
        if result.no_speech_prob > NO_SPEECH_MAX and " ".join(words(text)) in NOISE_WORDS:
            # what Whisper writes for hum and breath when it is sure nobody spoke ("you"), even
            # at a fair log-probability (-0.95 for 60 Hz mains hum on a phone line)
            return Reading("", 0.0, result.no_speech_prob)
        return Reading(text, confidence, result.no_speech_prob)

    def alternatives(self, audio: np.ndarray, start: list[int], context: int, n: int) -> list[Reading]:
        """The `n` most likely transcripts of one clip by beam search, best first (the search
        `speech.stt` runs when a greedy decode lacks the expected answer's form)."""
        encoded = self.encode(self.windows([audio], context))
        budget = min(self.model.max_length, _budget(audio, start))
        [result] = self._run(encoded, [start], budget, n, num_hypotheses=n)
        readings = []
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            tokens = [t for t in ids if t < self.tokenizer.eot]
            text = said_once(self.tokenizer.decode(tokens).strip())
            if text and not looks_looped(text):
                readings.append(Reading(text, math.exp(score), result.no_speech_prob))
        return readings

    def _run(
        self, encoded: Any, starts: list[list[int]], max_length: int, beam_size: int, num_hypotheses: int = 1
    ) -> Any:
        """CTranslate2's generate with this decoder's options (scores, no-speech probability, the
        stock suppressed tokens)."""
        return self.model.model.generate(
            encoded,
            starts,
            beam_size=beam_size,
            num_hypotheses=num_hypotheses,
            max_length=max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )

    def windowed(self, audio: np.ndarray) -> Reading:
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
        return Reading(" ".join(t for t in texts if t), confidence, no_speech)


def _budget(audio: np.ndarray, start: list[int]) -> int:
    """Tokens a decode of `audio` after `start` may run to: generous for speech, short of a loop."""
    return len(start) + int(len(audio) / WHISPER_RATE * TOKENS_PER_SECOND) + 10


def said_once(text: str) -> str:
    """The first sentence when every sentence of `text` repeats it (the last may be cut short)."""
    sentences = [x for x in re.split(r"(?<=[.?!])\s+", text.strip()) if x]
    if len(sentences) < 2:
        return text
    first = words(sentences[0])
    rest = [words(x) for x in sentences[1:]]
    if first and all(w == first for w in rest[:-1]) and rest[-1] == first[: len(rest[-1])]:
        return sentences[0]
    return text


def words(text: str) -> list[str]:
    """The words of `text`, lower case, without the punctuation around them."""
    return [w for w in (w.strip(".,?!:;'\"").lower() for w in text.split()) if w]


def looks_looped(text: str) -> bool:
    """Words said again straight after themselves ("No? No?", "cancel it. cancel it.") or text
    that compresses too well: Whisper repeating itself, not the caller."""
    said = [w.strip(".,?!").lower() for w in text.split()]
    for size in range(1, len(said) // 2 + 1):
        for i in range(len(said) - 2 * size + 1):
            if said[i : i + size] == said[i + size : i + 2 * size] and any(said[i : i + size]):
                return True
    data = text.encode("utf-8")
    return bool(data) and len(data) / len(zlib.compress(data)) > MAX_COMPRESSION
