"""When caller speech over the bot counts as barge-in.

The turn detector reports `SpeechStarted` on the first voiced frames; echo of the bot's own voice
or a cough would trip that too. Barge-in is declared only once the caller has kept speaking for
`min_speech_ms` of caller audio (counted in frames, so it does not depend on wall-clock jitter)
without the detector seeing a pause.
"""

from __future__ import annotations

from speech.pcm import FRAME_MS


class BargeInGate:
    def __init__(self, min_speech_ms: int) -> None:
        self.min_frames = max(1, min_speech_ms // FRAME_MS)
        self._voiced_frames: int | None = None  # None: caller not speaking

    def speech_started(self) -> None:
        self._voiced_frames = 0

    def speech_stopped(self) -> None:
        """A pause or the end of the turn: the speech so far was too short to interrupt."""
        self._voiced_frames = None

    def frame(self, bot_speaking: bool) -> bool:
        """Count one caller frame; True exactly once, when the bot should stop talking."""
        if self._voiced_frames is None:
            return False
        self._voiced_frames += 1
        if bot_speaking and self._voiced_frames >= self.min_frames:
            self._voiced_frames = None
            return True
        return False
