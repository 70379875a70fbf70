"""Caller audio to caller turns: end-of-turn detection plus speculative transcription.

Each 20 ms frame goes to the turn detector. When the caller pauses, the audio so far is already
sent to STT while the end of the turn is still being confirmed; if the caller goes on the result
is thrown away, and if the turn ends on exactly that audio it is used as it is, which takes the
STT time off the reply's critical path. Speculative runs queue behind every final transcript (of
any call) and are promoted to final priority when the turn ends on their audio, so a reply never
waits for another caller's guess.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from speech.turn import (
    PauseDetected,
    SpeechResumed,
    SpeechStarted,
    TurnDetector,
    TurnDiscarded,
    TurnEnded,
    TurnEvent,
)

RATE = 8000


class SpeechJob(Protocol):
    def promote(self) -> None: ...
    def cancel(self) -> None: ...
    async def result(self) -> Any: ...


class Transcriber(Protocol):
    async def transcribe(self, pcm: np.ndarray, sample_rate: int) -> Any: ...
    def submit(self, pcm: np.ndarray, sample_rate: int, *, speculative: bool = False) -> SpeechJob: ...


@dataclass
class HeardTurn:
    """A finished caller turn with its transcript and where the time went."""

    text: str
    confidence: float | None
    start_ms: int
    end_ms: int
    ended_at: float  # monotonic time the end of the turn was confirmed
    eot_wait_ms: int  # from the caller's last voiced audio to the confirmed end of the turn
    stt_ms: int  # STT time still to wait after the end was confirmed (0 for a speculative hit)
    speculative_hit: bool
    stt_processing_ms: float | None = None  # the model's own time for the transcript used
    stt_queued_ms: float | None = None  # time that transcript waited for a free STT worker


class Listener:
    def __init__(self, detector: TurnDetector, stt: Transcriber) -> None:
        self.detector = detector
        self._stt = stt
        cfg = detector.config
        self._preroll_ms = cfg.preroll_ms
        self._tail_ms = cfg.tail_ms
        # Audio of the current turn (plus pre-roll): what a speculative transcript is made from.
        self._frames: deque[np.ndarray] = deque()
        self._frames_start_ms = 0
        self._position_ms = 0
        self._onset_ms: int | None = None
        # (start, end, job, task awaiting the job's result)
        self._speculative: tuple[int, int, SpeechJob, asyncio.Task[Any]] | None = None
        self.counts = {"stt_runs": 0, "speculative_used": 0, "speculative_dropped": 0}

    def push(self, frame: np.ndarray) -> list[TurnEvent]:
        self._frames.append(frame)
        self._position_ms += len(frame) * 1000 // RATE
        events = self.detector.push(frame)
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

    def transcribe(self, turn: TurnEnded) -> Coroutine[Any, Any, HeardTurn]:
        """The transcript of a finished turn: the speculative one when it covers the same audio.

        Call it when the turn ends (it claims the speculative run right away, before the next
        turn can start one); await the result whenever the turn's reply is due.
        """
        ended_at = time.monotonic()
        speculative = self._speculative
        self._speculative = None
        self._onset_ms = None
        self._trim(turn.end_ms)
        return self._finish(turn, speculative, ended_at)

    async def _finish(
        self,
        turn: TurnEnded,
        speculative: tuple[int, int, SpeechJob, asyncio.Task[Any]] | None,
        ended_at: float,
    ) -> HeardTurn:
        last_voice_ms = turn.end_ms - self._tail_ms
        eot_wait_ms = max(0, turn.at_ms - last_voice_ms)
        hit = speculative is not None and speculative[1] == turn.end_ms and not speculative[3].cancelled()
        result = None
        if hit and speculative is not None:
            speculative[2].promote()  # still queued: it is this turn's final transcript now
            try:
                result = await speculative[3]
            except Exception:  # the speculative run failed: transcribe again below
                hit = False
        elif speculative is not None:
            speculative[2].cancel()  # a job whose awaiting task never ran would still run otherwise
            speculative[3].cancel()
            self.counts["speculative_dropped"] += 1
        if result is None:
            self.counts["stt_runs"] += 1
            result = await self._stt.transcribe(turn.audio, turn.sample_rate)
        else:
            self.counts["speculative_used"] += 1
        stt_ms = int((time.monotonic() - ended_at) * 1000)
        return HeardTurn(
            text=str(getattr(result, "text", "") or "").strip(),
            confidence=getattr(result, "confidence", None),
            start_ms=turn.start_ms,
            end_ms=turn.end_ms,
            ended_at=ended_at,
            eot_wait_ms=eot_wait_ms,
            stt_ms=stt_ms,
            speculative_hit=bool(hit),
            stt_processing_ms=getattr(result, "processing_ms", None),
            stt_queued_ms=getattr(result, "queued_ms", None),
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
        job = self._stt.submit(audio, RATE, speculative=True)
        task = asyncio.get_running_loop().create_task(job.result())
        task.add_done_callback(_consume_exception)
        self._speculative = (start, end, job, task)

    def _drop_speculative(self) -> None:
        if self._speculative is not None:
            self._speculative[2].cancel()  # a run not yet started never starts
            self._speculative[3].cancel()
            self._speculative = None
            self.counts["speculative_dropped"] += 1

    def _slice(self, start_ms: int, end_ms: int) -> np.ndarray:
        if not self._frames or end_ms <= start_ms:
            return np.zeros(0, dtype=np.int16)
        whole = np.concatenate(list(self._frames))
        a = (start_ms - self._frames_start_ms) * RATE // 1000
        b = (end_ms - self._frames_start_ms) * RATE // 1000
        return whole[max(a, 0) : max(b, 0)].copy()

    def _trim(self, before_ms: int) -> None:
        while self._frames:
            length_ms = len(self._frames[0]) * 1000 // RATE
            if self._frames_start_ms + length_ms > before_ms:
                break
            self._frames.popleft()
            self._frames_start_ms += length_ms


def _consume_exception(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # a failed speculative run is simply not used; the turn retries
