"""Caller audio to caller turns: end-of-turn detection plus speculative transcription.

Each 20 ms frame goes to the turn detector. When the caller pauses, the audio so far is already
sent to STT while the end of the turn is still being confirmed; if the caller goes on the result
is thrown away, and if the turn ends on exactly that audio it is used as it is, which takes the
STT time off the reply's critical path. Speculative runs queue behind every final transcript (of
any call) and are promoted to final priority when the turn ends on their audio, so a reply never
waits for another caller's guess.

After each reply the channel says what is expected next (`expect`, with `Hints`): the turns to come
are transcribed with that Whisper prompt, and when a speculative transcript arrives while the
caller is still silent, the turn detector judges it with the hints' completeness test: a complete
answer ends the turn sooner, a plainly unfinished one waits longer. Who makes the hints (the
gateway, from the agent's expectation) is not this module's business.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt

from speech.pcm import PHONE_RATE
from speech.stt import Prompt, Transcript
from speech.turn import (
    Complete,
    PauseDetected,
    SpeechResumed,
    SpeechStarted,
    TurnDetector,
    TurnDiscarded,
    TurnEnded,
    TurnEvent,
)

Pcm = npt.NDArray[np.int16]


class SpeechJob(Protocol):
    def promote(self) -> None: ...
    def cancel(self) -> None: ...
    async def result(self) -> Transcript: ...


class Transcriber(Protocol):
    """What the listener needs of STT (`speech.stt.SpeechToText` is one)."""

    async def transcribe(
        self, pcm: Pcm, sample_rate: int, *, context: Prompt | None = None
    ) -> Transcript: ...
    def submit(
        self, pcm: Pcm, sample_rate: int, *, speculative: bool = False, context: Prompt | None = None
    ) -> SpeechJob: ...


@dataclass(frozen=True)
class Hints:
    """What the next turns are listened for, until the next `expect`."""

    kind: str = "request"  # a label for the timing record (never the vocabulary)
    prompt: Prompt | None = field(default=None, repr=False)  # may hold names: kept out of repr
    complete: Complete | None = None  # words so far -> complete (True), not yet (False), can't say


@dataclass(frozen=True)
class Heard:
    """A finished caller turn: its transcript and where the time went."""

    transcript: Transcript  # text stripped
    start_ms: int
    end_ms: int
    ended_at: float  # monotonic time the end of the turn was confirmed
    eot_wait_ms: int  # from the caller's last voiced audio to the confirmed end of the turn
    stt_ms: int  # STT time still to wait after the end was confirmed (0 for a speculative hit)
    speculative_hit: bool
    expecting: str | None = None  # the kind of answer expected when the turn ended
    complete: bool | None = None  # the words' verdict that timed the end (None: the fixed silence)

    @property
    def text(self) -> str:
        return self.transcript.text

    def joined_after(self, first: Heard) -> Heard:
        """One turn from two parts split by a long pause; timings are those of this, the last part."""
        text = f"{first.text} {self.text}"
        confidence = min(first.transcript.confidence, self.transcript.confidence)
        return replace(
            self,
            transcript=replace(self.transcript, text=text, confidence=confidence),
            start_ms=first.start_ms,
        )


@dataclass
class _Speculative:
    """A transcript being made of a pause's audio, before anyone knows whether the turn ended there."""

    start_ms: int
    end_ms: int
    job: SpeechJob
    task: asyncio.Task[Transcript]  # awaits the job's result

    def drop(self) -> None:
        self.job.cancel()  # a run not yet started never starts
        self.task.cancel()


class Listener:
    def __init__(self, detector: TurnDetector, stt: Transcriber) -> None:
        self.detector = detector
        self._stt = stt
        self.hints = Hints()
        cfg = detector.config
        self._preroll_ms = cfg.preroll_ms
        self._tail_ms = cfg.tail_ms
        # Audio of the current turn (plus pre-roll): what a speculative transcript is made from.
        self._frames: deque[Pcm] = deque()
        self._frames_start_ms = 0
        self._position_ms = 0
        self._onset_ms: int | None = None
        self._speculative: _Speculative | None = None
        self._promoted = False  # the current speculative run was promoted to final priority
        self.counts = {
            "stt_runs": 0,
            "speculative_used": 0,
            "speculative_dropped": 0,
            "prompted_runs": 0,  # Whisper runs (speculative or final) with a prompt
            "ended_complete": 0,  # turns ended sooner: the words completed the answer
            "ended_incomplete": 0,  # turns that waited longer for plainly unfinished words
        }

    def expect(self, hints: Hints) -> None:
        """What is expected next: prompt and completeness test for the turns to come."""
        self.hints = hints
        self.detector.expect(hints.complete)

    def push(self, frame: Pcm) -> list[TurnEvent]:
        self._frames.append(frame)
        self._position_ms += len(frame) * 1000 // PHONE_RATE
        events = self.detector.push(frame)
        if self.detector.awaiting_words and self._speculative is not None and not self._promoted:
            # The end is due and held for this transcript's verdict: it is the turn's transcript.
            self._speculative.job.promote()
            self._promoted = True
        for event in events:
            if isinstance(event, SpeechStarted):
                self._onset_ms = event.onset_ms
            elif isinstance(event, PauseDetected):
                self._start_speculative(event.silence_since_ms)
            elif isinstance(event, SpeechResumed):
                self._drop_speculative()
            elif isinstance(event, TurnDiscarded):
                self._drop_speculative()
                self._onset_ms = None
        if self._onset_ms is None:
            self._trim(self._position_ms - self._preroll_ms - 400)
        return events

    @property
    def speculative(self) -> asyncio.Task[Transcript] | None:
        """The transcript being made of the current pause's audio, if any (for tests and the bench)."""
        return None if self._speculative is None else self._speculative.task

    def transcribe(self, turn: TurnEnded) -> asyncio.Task[Heard]:
        """The transcript of a finished turn: the speculative one when it covers the same audio.

        Call it when the turn ends (it claims the speculative run right away, before the next
        turn can start one, and the transcription starts now); await it whenever the turn's reply
        is due.
        """
        ended_at = time.monotonic()
        speculative = self._speculative
        self._speculative = None
        self._onset_ms = None
        self._trim(turn.end_ms)
        if turn.complete is not None:
            self.counts["ended_complete" if turn.complete else "ended_incomplete"] += 1
        return asyncio.get_running_loop().create_task(self._finish(turn, speculative, ended_at, self.hints))

    def forget(self, turn: TurnEnded) -> None:
        """A finished turn nobody will answer: drop its speculative run and its audio."""
        self._drop_speculative()
        self._onset_ms = None
        self._trim(turn.end_ms)

    async def _finish(
        self, turn: TurnEnded, speculative: _Speculative | None, ended_at: float, hints: Hints
    ) -> Heard:
        last_voice_ms = turn.end_ms - self._tail_ms
        eot_wait_ms = max(0, turn.at_ms - last_voice_ms)
        hit = (
            speculative is not None and speculative.end_ms == turn.end_ms and not speculative.task.cancelled()
        )
        result: Transcript | None = None
        if hit and speculative is not None:
            speculative.job.promote()  # still queued: it is this turn's final transcript now
            try:
                result = await speculative.task
            except Exception:  # the speculative run failed: transcribe again below
                hit = False
        elif speculative is not None:
            speculative.drop()  # a job whose awaiting task never ran would still run otherwise
            self.counts["speculative_dropped"] += 1
        if result is None:
            self.counts["stt_runs"] += 1
            self.counts["prompted_runs"] += hints.prompt is not None
            result = await self._stt.transcribe(turn.audio, turn.sample_rate, context=hints.prompt)
        else:
            self.counts["speculative_used"] += 1
        stt_ms = int((time.monotonic() - ended_at) * 1000)
        return Heard(
            transcript=replace(result, text=result.text.strip()),
            start_ms=turn.start_ms,
            end_ms=turn.end_ms,
            ended_at=ended_at,
            eot_wait_ms=eot_wait_ms,
            stt_ms=stt_ms,
            speculative_hit=hit,
            expecting=hints.kind,
            complete=turn.complete,
        )

    def close(self) -> None:
        self._drop_speculative()
        self._frames.clear()

    def _start_speculative(self, silence_since_ms: int) -> None:
        self._drop_speculative()
        if self._onset_ms is None:
            return
        start = max(self._onset_ms - self._preroll_ms, self._frames_start_ms)
        end = min(silence_since_ms + self._tail_ms, self._position_ms)
        audio = self._slice(start, end)
        if audio.size == 0:
            return
        self.counts["stt_runs"] += 1
        prompt = self.hints.prompt
        self.counts["prompted_runs"] += prompt is not None
        job = self._stt.submit(audio, PHONE_RATE, speculative=True, context=prompt)
        task = asyncio.get_running_loop().create_task(job.result())
        task.add_done_callback(_consume_exception)
        task.add_done_callback(lambda done: self._judge(done, silence_since_ms))
        self._speculative = _Speculative(start, end, job, task)
        self._promoted = False
        self.detector.judging(silence_since_ms)

    def _judge(self, task: asyncio.Task[Transcript], silence_since_ms: int) -> None:
        """A speculative transcript is in: if it is still the current one, let the detector judge
        whether its words complete the answer (the end then comes on the next frame)."""
        current = self._speculative
        if current is None or current.task is not task:
            return
        failed = task.cancelled() or task.exception() is not None
        text = "" if failed else task.result().text.strip()
        self.detector.heard(text, silence_since_ms)  # "" releases a held end without a verdict

    def _drop_speculative(self) -> None:
        if self._speculative is not None:
            self._speculative.drop()
            self._speculative = None
            self.counts["speculative_dropped"] += 1

    def _slice(self, start_ms: int, end_ms: int) -> Pcm:
        if not self._frames or end_ms <= start_ms:
            return np.zeros(0, dtype=np.int16)
        whole = np.concatenate(list(self._frames))
        a = (start_ms - self._frames_start_ms) * PHONE_RATE // 1000
        b = (end_ms - self._frames_start_ms) * PHONE_RATE // 1000
        return whole[max(a, 0) : max(b, 0)].copy()

    def _trim(self, before_ms: int) -> None:
        while self._frames:
            length_ms = len(self._frames[0]) * 1000 // PHONE_RATE
            if self._frames_start_ms + length_ms > before_ms:
                break
            self._frames.popleft()
            self._frames_start_ms += length_ms


def _consume_exception(task: asyncio.Task[Transcript]) -> None:
    if not task.cancelled():
        task.exception()  # a failed speculative run is simply not used; the turn retries
