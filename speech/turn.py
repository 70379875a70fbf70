"""End-of-turn detection for one audio stream: Silero VAD decides, the signal level times it.

Fed 20 ms frames (8 kHz int16 by default), it emits:
- `SpeechStarted` once speech has lasted `start_speech_ms` (barge-in signal; a click never gets there),
- `PauseDetected` after `pause_ms` of silence inside a turn (hint: start transcribing speculatively),
- `SpeechResumed` when the caller speaks again after a `PauseDetected`,
- `TurnEnded` after `end_silence_ms` of silence, carrying the turn's audio, if the turn held at least
  `min_speech_ms` of speech; a shorter one (a cough, a click, "mm") ends in `TurnDiscarded` instead.

Why the level: the VAD scores 32 ms windows and its score lags the sound by up to a window at both
ends of a pause, so VAD-only silence measurements scatter by about +-60 ms. With a 300 ms pause that
must not end a turn and a 400 ms limit for declaring the end, that scatter does not fit. So the last
moment of speech is taken from the 10 ms level (sound within `level_rel_db` of the turn's loudest
block) inside and just after the VAD's voiced windows, and the end is not declared while the most
recent 20 ms are loud (the caller may be starting again before the VAD has seen a whole window).

End of turn from meaning: a caller's words can say more than their silence. Given a completeness
test (`complete(text) -> bool | None`, from whoever knows what was asked: "a full date of birth", "one
of the offered times") and the transcript of the turn so far (`heard(text, voice_end_ms)`, made at
the pause), the detector ends a turn whose words complete the answer after `complete_end_ms` of
silence instead of `end_silence_ms`, and waits `incomplete_end_ms` after words that plainly do not
("my date of birth is", a trailing "and" or "um"). `None` leaves the fixed silence. The verdict
holds only while the caller stays silent: any new sound clears it. When a transcript is on its way
(`judging(voice_end_ms)`), the end waits for its verdict up to `verdict_wait_ms` past
`end_silence_ms`: the reply could not start before that transcript anyway (it is the turn's
transcript), so the wait costs the caller nothing, and without it a slow transcript could not stop
a cut-off. `awaiting_words` says the end is being held for it (the listener then promotes the run).

Times are stream offsets in ms: audio pushed since creation or `reset()`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from speech.level import LevelMeter
from speech.pcm import PHONE_RATE, check_rate, int16_from_bytes, to_int16
from speech.vad import WINDOW_MS, SileroVadModel, VadStream


class TurnConfig(BaseModel):
    """Tuning of the detector; defaults are for phone calls (measured in bench/speech.py)."""

    model_config = ConfigDict(frozen=True)

    sample_rate: int = PHONE_RATE
    threshold: float = Field(default=0.5, gt=0, lt=1)  # VAD probability that starts speech
    neg_threshold: float = Field(default=0.35, gt=0, lt=1)  # below it speech has stopped (hysteresis)
    start_speech_ms: int = Field(default=96, ge=0)  # speech needed before SpeechStarted
    pause_ms: int = Field(default=160, ge=0)
    end_silence_ms: int = Field(default=360, gt=0)  # > a 300 ms pause inside a sentence, < 400 ms delay
    # With a completeness test and a transcript of the turn so far (see the module docstring):
    complete_end_ms: int = Field(
        default=260, gt=0
    )  # the words complete the answer (bench/stt_context.py --eot)
    incomplete_end_ms: int = Field(default=800, gt=0)  # the words plainly do not
    verdict_wait_ms: int = Field(default=600, ge=0)  # longest hold past end_silence_ms for a verdict
    min_speech_ms: int = Field(default=192, ge=0)  # shorter turns are coughs, clicks, "mm"
    preroll_ms: int = Field(default=200, ge=0)  # audio kept before the detected onset
    tail_ms: int = Field(default=160, ge=0)  # audio kept after the last speech
    max_turn_ms: int = Field(default=30_000, gt=0)  # a monologue is cut into turns of this length
    level_rel_db: float = Field(default=-35.0, lt=0)  # "still sounding": within this of the turn's peak
    level_hold_ms: int = Field(default=200, ge=0)  # how far past the VAD's last voiced window sound counts
    skip_silent_windows: bool = True  # digital silence is not run through the VAD model (speech/vad.py)

    @model_validator(mode="after")
    def _check(self) -> TurnConfig:
        check_rate(self.sample_rate)
        if self.neg_threshold > self.threshold:
            raise ValueError("neg_threshold must not exceed threshold")
        if self.pause_ms >= self.end_silence_ms:
            raise ValueError("pause_ms must be shorter than end_silence_ms")
        if not self.complete_end_ms <= self.end_silence_ms <= self.incomplete_end_ms:
            raise ValueError("need complete_end_ms <= end_silence_ms <= incomplete_end_ms")
        return self


@dataclass(frozen=True)
class SpeechStarted:
    at_ms: int  # when the event fired
    onset_ms: int  # where the speech began


@dataclass(frozen=True)
class PauseDetected:
    at_ms: int
    silence_since_ms: int


@dataclass(frozen=True)
class SpeechResumed:
    at_ms: int


@dataclass(frozen=True)
class TurnEnded:
    at_ms: int
    start_ms: int  # offset of audio[0] in the stream
    end_ms: int  # offset just past audio[-1]
    speech_ms: int  # voiced time inside the turn
    audio: np.ndarray = field(repr=False)  # int16 at sample_rate
    sample_rate: int = PHONE_RATE
    forced: bool = False  # True when cut at max_turn_ms rather than ended by silence
    complete: bool | None = None  # the words' verdict that timed the end (None: the fixed silence)


@dataclass(frozen=True)
class TurnDiscarded:
    at_ms: int
    speech_ms: int


TurnEvent = SpeechStarted | PauseDetected | SpeechResumed | TurnEnded | TurnDiscarded

_NOISE_MARGIN = 2.0  # sound counts only if this many times above the background level
_MIN_LOUD_RMS = 60.0  # and never below about -55 dBFS


Complete = Callable[[str], bool | None]


class TurnDetector:
    def __init__(
        self,
        config: TurnConfig | None = None,
        model: SileroVadModel | None = None,
        complete: Complete | None = None,
    ) -> None:
        self.config = config or TurnConfig()
        self.complete = complete  # words so far -> complete? (see the module docstring)
        self._vad = VadStream(
            model or SileroVadModel.load(),
            self.config.sample_rate,
            skip_silence=self.config.skip_silent_windows,
        )
        self._rate = self.config.sample_rate
        self.reset()

    # --- public --------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything: the next frame is offset 0 of a new stream."""
        self._vad.reset()
        self._level = LevelMeter(self._rate)
        self._samples_in = 0
        self._buffer: deque[np.ndarray] = deque()  # audio kept: pre-roll while idle, the turn after
        self._buffer_start = 0  # sample offset of the buffer's first sample
        self._in_turn = False
        self._paused = False
        self._candidate_ms: int | None = None  # onset of a speech run not yet long enough
        self._run_ms = 0
        self._onset_ms = 0
        self._last_vad_ms = 0  # end of the last window the VAD called speech
        self._last_voice_ms = 0  # last moment of sound belonging to the turn (level-timed)
        self._speech_ms = 0
        self._peak = 0.0
        self._quiet_voiced = 0
        self._verdict: bool | None = None  # what the words so far say about the end
        self._verdict_voice_ms = -1  # ... valid while the last sound is still this one
        self._judging_voice_ms = -1  # a transcript up to this last sound is on its way

    def expect(self, complete: Complete | None) -> None:
        """The completeness test for the turns to come (None: the fixed silence only)."""
        self.complete = complete

    def judging(self, voice_end_ms: int) -> None:
        """A transcript of the turn up to `voice_end_ms` is being made: hold the end for its verdict."""
        if self.complete is not None and self._in_turn:
            self._judging_voice_ms = voice_end_ms

    def heard(self, text: str, voice_end_ms: int) -> bool | None:
        """The transcript of the current turn up to its last sound at `voice_end_ms` (the
        `silence_since_ms` of the `PauseDetected` it was made at; "" when it failed). Judged by the
        completeness test if the caller has stayed silent since; the verdict times this turn's end.
        Returns it."""
        if self.complete is None or not self._in_turn or voice_end_ms != self._last_voice_ms:
            return None
        self._verdict = self.complete(text) if text.strip() else None
        self._verdict_voice_ms = voice_end_ms
        return self._verdict

    @property
    def awaiting_words(self) -> bool:
        """The end is due by the fixed silence and held for a transcript's verdict."""
        return self._in_turn and self._holding(self.position_ms - self._last_voice_ms)

    def _holding(self, silence: int) -> bool:
        cfg = self.config
        pending = (
            self._judging_voice_ms == self._last_voice_ms and self._verdict_voice_ms != self._last_voice_ms
        )
        end_silence = cfg.end_silence_ms + self._masking_ms()
        return pending and end_silence <= silence < end_silence + cfg.verdict_wait_ms

    def reconfigure(self, **changes: object) -> TurnConfig:
        """Change timing mid-call, keeping the stream: e.g. `end_silence_ms=700` while the caller
        reads out a phone number or a date of birth, where pauses between groups run long."""
        updated = TurnConfig.model_validate({**self.config.model_dump(), **changes})
        if updated.sample_rate != self.config.sample_rate:
            raise ValueError("sample_rate cannot change mid-stream; make a new TurnDetector")
        self.config = updated
        return updated

    @property
    def in_speech(self) -> bool:
        """True between SpeechStarted and the end of that turn."""
        return self._in_turn

    @property
    def vad_windows_skipped(self) -> int:
        """Windows of digital silence the VAD scored without running its model (speech/vad.py)."""
        return self._vad.skipped

    @property
    def position_ms(self) -> int:
        return self._samples_in * 1000 // self._rate

    def push(self, frame: np.ndarray | bytes) -> list[TurnEvent]:
        """Feed the next frame (int16 samples, or little-endian 16-bit PCM bytes)."""
        samples = int16_from_bytes(bytes(frame)) if isinstance(frame, bytes | bytearray) else to_int16(frame)
        if samples.size == 0:
            return []
        self._buffer.append(samples.copy())
        self._samples_in += len(samples)
        self._level.push(samples)
        events: list[TurnEvent] = []
        for prob, end_ms in self._vad.push(samples):
            events.extend(self._on_window(prob, end_ms))
        if self._in_turn:
            events.extend(self._check_silence(self.position_ms))
        if not self._in_turn:
            self._trim_preroll()
        return events

    def finish(self) -> list[TurnEvent]:
        """End of stream: close an open turn as if the caller had gone quiet."""
        if not self._in_turn:
            return []
        return self._close(self.position_ms, forced=False)

    # --- state machine ----------------------------------------------------------------------
    def _on_window(self, prob: float, end_ms: int) -> list[TurnEvent]:
        cfg = self.config
        start_ms = end_ms - WINDOW_MS
        events: list[TurnEvent] = []
        if not self._in_turn:
            if prob >= cfg.threshold:
                if self._candidate_ms is None:
                    self._candidate_ms, self._run_ms = start_ms, 0
                self._run_ms += WINDOW_MS
                if self._run_ms >= max(cfg.start_speech_ms, WINDOW_MS):
                    self._open(self._candidate_ms, end_ms)
                    events.append(SpeechStarted(at_ms=self.position_ms, onset_ms=self._onset_ms))
            elif prob < cfg.neg_threshold:
                self._candidate_ms = None
                if prob < 0.1:
                    self._level.learn_noise(start_ms, end_ms)
            return events

        if prob >= cfg.neg_threshold:
            self._speech_ms += WINDOW_MS
            self._last_vad_ms = end_ms
            self._peak = max(self._peak, self._level.peak(start_ms, end_ms))
            sounding = self._level.last_loud_end(start_ms, end_ms, self._loud_threshold())
            # A voiced window with no sound in it is the VAD's lag after the words stopped; only
            # several in a row are speech (someone talking much more softly than before).
            if sounding:
                self._quiet_voiced = 0
            elif self._level.last_loud_end(start_ms, end_ms, self._audible_threshold()) is not None:
                self._quiet_voiced += 1
                if self._quiet_voiced >= 3:
                    sounding = end_ms
            if sounding is not None:
                self._last_voice_ms = max(self._last_voice_ms, sounding)
            if self._paused:
                self._paused = False
                events.append(SpeechResumed(at_ms=self.position_ms))
        if end_ms - self._onset_ms >= cfg.max_turn_ms:
            still_talking = prob >= cfg.neg_threshold
            events.extend(self._close(end_ms, forced=True))
            if still_talking:  # the next turn starts right here, without a second barge-in
                self._open(end_ms, end_ms)
        return events

    def _check_silence(self, now_ms: int) -> list[TurnEvent]:
        cfg = self.config
        threshold = self._loud_threshold()
        held = self._level.last_loud_end(
            self._last_voice_ms, min(now_ms, self._last_vad_ms + cfg.level_hold_ms), threshold
        )
        if held is not None:
            self._last_voice_ms = held
        silence = now_ms - self._last_voice_ms
        verdict = self._verdict if self._verdict_voice_ms == self._last_voice_ms else None
        if verdict is None:
            base = cfg.end_silence_ms
        else:
            base = cfg.complete_end_ms if verdict else cfg.incomplete_end_ms
        end_silence = base + self._masking_ms()
        if silence >= end_silence and not self._holding(silence):
            # More sensitive than `threshold`: a soft onset ("f", "h") is tens of dB below the
            # loudest vowel, and hearing one only defers the decision by a window or two.
            onset_threshold = self._loud_threshold(extra_db=-10.0)
            starting_again = self._level.last_loud_end(now_ms - 20, now_ms, onset_threshold) is not None
            if not starting_again or silence >= end_silence + 2 * WINDOW_MS:
                return self._close(now_ms, forced=False, complete=verdict)
        if silence >= cfg.pause_ms and not self._paused:
            self._paused = True
            return [PauseDetected(at_ms=now_ms, silence_since_ms=self._last_voice_ms)]
        return []

    def _loud_threshold(self, extra_db: float = 0.0) -> float:
        relative = self._peak * 10 ** ((self.config.level_rel_db + extra_db) / 20)
        return max(relative, self._level.noise_rms * _NOISE_MARGIN, _MIN_LOUD_RMS)

    def _masking_ms(self) -> int:
        """On a noisy line the fading end of a word drowns in the hiss, so the silence seems to
        start early. Allow for it: about 2.5 ms per dB that the noise lifts the threshold above the
        turn-relative one (speech fades at roughly 0.3-0.4 dB/ms), at most 60 ms."""
        relative = self._peak * 10 ** (self.config.level_rel_db / 20)
        noise_floor = self._level.noise_rms * _NOISE_MARGIN
        if relative <= 0 or noise_floor <= max(relative, _MIN_LOUD_RMS):
            return 0
        return min(60, int(2.5 * 20 * np.log10(noise_floor / relative)))

    def _audible_threshold(self) -> float:
        """Anything clearly above the background: soft speech far below the turn's peak."""
        return max(self._level.noise_rms * _NOISE_MARGIN, _MIN_LOUD_RMS)

    def _open(self, onset_ms: int, now_ms: int) -> None:
        self._in_turn, self._paused = True, False
        self._verdict, self._verdict_voice_ms, self._judging_voice_ms = None, -1, -1
        self._candidate_ms = None
        self._last_vad_ms = self._last_voice_ms = now_ms
        self._speech_ms = now_ms - onset_ms
        self._peak = self._level.peak(onset_ms, now_ms)
        self._quiet_voiced = 0
        # The VAD's first voiced window can start a window or two after the sound: look back.
        sounding = self._level.first_loud_start(onset_ms - 3 * WINDOW_MS, now_ms, self._loud_threshold())
        self._onset_ms = min(onset_ms, sounding) if sounding is not None else onset_ms

    def _close(self, now_ms: int, *, forced: bool, complete: bool | None = None) -> list[TurnEvent]:
        cfg = self.config
        speech_ms = self._speech_ms
        self._in_turn = self._paused = False
        self._verdict, self._verdict_voice_ms, self._judging_voice_ms = None, -1, -1
        self._candidate_ms = None
        if speech_ms < cfg.min_speech_ms:
            self._trim_preroll()
            return [TurnDiscarded(at_ms=now_ms, speech_ms=speech_ms)]
        start = max(self._ms_to_sample(self._onset_ms - cfg.preroll_ms), self._buffer_start)
        if forced:
            end = min(self._ms_to_sample(now_ms), self._samples_in)
        else:
            end = min(self._ms_to_sample(self._last_voice_ms + cfg.tail_ms), self._samples_in)
        audio = self._slice(start, end)
        self._drop_before(end if forced else start)
        self._trim_preroll()
        return [
            TurnEnded(
                at_ms=now_ms,
                start_ms=start * 1000 // self._rate,
                end_ms=end * 1000 // self._rate,
                speech_ms=speech_ms,
                audio=audio,
                sample_rate=self._rate,
                forced=forced,
                complete=complete,
            )
        ]

    # --- audio buffer -----------------------------------------------------------------------
    def _ms_to_sample(self, ms: int) -> int:
        return max(0, ms * self._rate // 1000)

    def _slice(self, start: int, end: int) -> np.ndarray:
        if end <= start or not self._buffer:
            return np.zeros(0, dtype=np.int16)
        whole = np.concatenate(list(self._buffer))
        return whole[start - self._buffer_start : end - self._buffer_start].copy()

    def _drop_before(self, sample: int) -> None:
        while self._buffer and self._buffer_start + len(self._buffer[0]) <= sample:
            self._buffer_start += len(self._buffer.popleft())

    def _trim_preroll(self) -> None:
        """While idle keep only what a future turn's pre-roll (plus a detection delay) could need."""
        keep_ms = self.config.preroll_ms + self.config.start_speech_ms + 4 * WINDOW_MS
        self._drop_before(self._samples_in - self._ms_to_sample(keep_ms))
