"""Listening to a caller: 8 kHz PCM frames in, typed events and caller turns out.

This is turn-taking, the part of a voice channel that is about speech and not about any telephony
provider (LiveKit keeps the same in its audio-recognition module). A channel pushes each decoded
20 ms frame with whether its bot can be heard (`push`), gets back what it must act on at once
(`SpeechStarted`; `BargeIn`: the caller has talked over the bot long enough to stop it), and takes
the caller's turns in order from `next_turn`: a `Heard` transcript, or a `Keyed` keypad entry the
channel handed in (`keyed`), so a turn and an entry are answered in the order they came.

Held turns: when the caller goes on talking after a turn ended but before its answer began, the
pause was mid-sentence. That part is held and answered together with the rest (joined into one
turn, or put in front of the keypad entry that completes it: "my date of birth is" ... then
typed). If what followed was a cough (discarded) or silence (no words), the held part is answered
alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from speech.barge_in import BargeInGate
from speech.listener import Heard, Hints, Listener, Pcm, Transcriber
from speech.turn import SpeechResumed, SpeechStarted, TurnConfig, TurnDetector, TurnDiscarded, TurnEnded
from speech.vad import SileroVadModel

__all__ = [
    "BargeIn",
    "CallerTurn",
    "Heard",
    "Hints",
    "Keyed",
    "ListenEvent",
    "Listening",
    "SpeechStarted",
    "TranscriptionFailed",
]


@dataclass(frozen=True)
class BargeIn:
    """The caller has spoken over the bot for long enough: stop talking."""


@dataclass(frozen=True)
class Keyed:
    """A keypad entry, in turn order; `after` is held speech it completes ("my date of birth is")."""

    entry: str
    after: Heard | None = None


@dataclass(frozen=True)
class TranscriptionFailed:
    """A turn's transcription raised: one lost turn, not a deaf call (the channel logs it)."""

    error: BaseException


ListenEvent = SpeechStarted | BargeIn  # SpeechStarted: `speech.turn`'s, re-exported here
CallerTurn = Heard | Keyed | TranscriptionFailed


@dataclass
class _Ended:
    """A turn whose transcript is being made; `starts` counts the speech starts seen by its end."""

    transcript: asyncio.Task[Heard]
    starts: int


class _Release:
    """Queued when the held part is to be answered alone."""


_RELEASE: Final = _Release()


class Listening:
    def __init__(self, listener: Listener, *, barge_in_min_ms: int) -> None:
        self.listener = listener
        self._gate = BargeInGate(barge_in_min_ms)
        self._turns: asyncio.Queue[_Ended | Keyed | _Release] = asyncio.Queue()
        self._speech_starts = 0
        self._held: Heard | None = None  # a turn the caller went on with before it was answered
        self._deaf = False
        self.joined_turns = 0
        # Turns that have ended and are not yet taken by `next_turn` (their transcripts are being
        # made): while there are any, the caller is waiting for the bot.
        self.unanswered = 0

    @classmethod
    def for_phone(cls, stt: Transcriber, vad: SileroVadModel | None, *, barge_in_min_ms: int) -> Listening:
        """The phone defaults: Silero VAD, the tuned turn detector, speculative transcripts."""
        return cls(Listener(TurnDetector(TurnConfig(), model=vad), stt), barge_in_min_ms=barge_in_min_ms)

    @property
    def counts(self) -> dict[str, int]:
        """What happened on this stream, for the channel's close record."""
        return {"joined_turns": self.joined_turns, **self.listener.counts}

    def expect(self, hints: Hints) -> None:
        self.listener.expect(hints)

    def push(self, frame: Pcm, *, bot_speaking: bool) -> list[ListenEvent]:
        """One 20 ms frame of 8 kHz caller audio; `bot_speaking`: the caller can hear the bot."""
        out: list[ListenEvent] = []
        for event in self.listener.push(frame):
            if isinstance(event, SpeechStarted | SpeechResumed):
                self._gate.speech_started()
                if isinstance(event, SpeechStarted):
                    self._speech_starts += 1
                    out.append(event)
            elif isinstance(event, TurnEnded):
                self._gate.speech_stopped()
                if self._deaf:
                    self.listener.forget(event)
                    continue
                # Transcription starts now (or is already running), not when the turn is taken.
                self._turns.put_nowait(_Ended(self.listener.transcribe(event), self._speech_starts))
                self.unanswered += 1
            elif isinstance(event, TurnDiscarded):
                self._gate.speech_stopped()
                if self._held is not None:  # the "continuation" was a cough: answer what was held
                    self._turns.put_nowait(_RELEASE)
        if self._gate.frame(bot_speaking):
            out.append(BargeIn())
        return out

    def keyed(self, entry: str) -> None:
        """A keypad entry, answered after the turns that ended before it."""
        if not self._deaf:
            self._turns.put_nowait(Keyed(entry))

    async def next_turn(self) -> CallerTurn:
        """The caller's next turn to answer (waits for its transcript)."""
        while True:
            item = await self._turns.get()
            if isinstance(item, _Release):
                held, self._held = self._held, None
                if held is not None:
                    return held
            elif isinstance(item, Keyed):
                held, self._held = self._held, None
                return Keyed(item.entry, after=held)
            else:
                try:
                    heard = await item.transcript
                except Exception as exc:
                    return TranscriptionFailed(exc)
                finally:
                    self.unanswered = max(0, self.unanswered - 1)
                if not heard.text:
                    if self._held is not None:
                        self._turns.put_nowait(_RELEASE)
                    continue
                if self._held is not None:
                    heard = heard.joined_after(self._held)
                    self._held = None
                if self._speech_starts > item.starts:
                    # The caller went on talking before any answer: the pause was mid-sentence.
                    # Hold this part and answer it together with the rest (no agent has run yet).
                    self._held = heard
                    self.joined_turns += 1
                    continue
                return heard

    def deafen(self) -> None:
        """Stop taking turns (the call is being handed to a person): transcripts still waiting are
        cancelled and turns that end from now on are not transcribed."""
        self.stop()

    def stop(self) -> list[asyncio.Task[Heard]]:
        """Take no more turns; returns the cancelled transcripts that were waiting (to await)."""
        self._deaf = True
        self.unanswered = 0
        cancelled: list[asyncio.Task[Heard]] = []
        while not self._turns.empty():
            item = self._turns.get_nowait()
            if isinstance(item, _Ended):
                item.transcript.cancel()
                cancelled.append(item.transcript)
        return cancelled

    def close(self) -> None:
        """Drop any speculative run and the audio kept (after `stop`, when the call has ended)."""
        self.listener.close()
