"""Short-term level of a stream: RMS per 10 ms block, with the stream time of each block's end.

The VAD says *whether* someone speaks, in 32 ms steps and with a lag of a window or two. The level
says *where* within those steps the sound actually stopped or came back, to 10 ms. The turn detector
uses the VAD to decide and the level only to time the decision.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import numpy as np

BLOCK_MS = 10


class LevelMeter:
    def __init__(self, sample_rate: int, history_ms: int = 2000) -> None:
        self.block = sample_rate * BLOCK_MS // 1000
        self._rate = sample_rate
        self._history: deque[tuple[int, float]] = deque(maxlen=history_ms // BLOCK_MS)
        self._partial = np.zeros(0, dtype=np.float64)
        self._blocks = 0
        self.noise_rms = 0.0  # running estimate of the background level (set by the caller's idea of silence)

    def push(self, samples: np.ndarray) -> None:
        data = np.concatenate([self._partial, samples.astype(np.float64)])
        whole = len(data) // self.block * self.block
        if whole:
            rms = np.sqrt((data[:whole].reshape(-1, self.block) ** 2).mean(axis=1))
            for value in rms:
                self._blocks += 1
                self._history.append((self._blocks * BLOCK_MS, float(value)))
        self._partial = data[whole:]

    def peak(self, start_ms: int, end_ms: int) -> float:
        """Loudest block ending in (start_ms, end_ms]."""
        return max((rms for t, rms in self._recent(start_ms) if t <= end_ms), default=0.0)

    def last_loud_end(self, start_ms: int, end_ms: int, threshold: float) -> int | None:
        """End time of the last block in (start_ms, end_ms] at or above `threshold`, if any."""
        for t, rms in reversed(self._history):
            if t <= start_ms:
                return None
            if t <= end_ms and rms >= threshold:
                return t
        return None

    def first_loud_start(self, start_ms: int, end_ms: int, threshold: float) -> int | None:
        """Start time of the first block in (start_ms, end_ms] at or above `threshold`, if any."""
        for t, rms in self._history:
            if start_ms < t - BLOCK_MS and t <= end_ms and rms >= threshold:
                return t - BLOCK_MS
        return None

    def _recent(self, start_ms: int) -> Iterator[tuple[int, float]]:
        """Blocks ending after `start_ms`, newest first (a window's blocks are the last few)."""
        for block in reversed(self._history):
            if block[0] <= start_ms:
                return
            yield block

    def learn_noise(self, start_ms: int, end_ms: int) -> None:
        """Fold blocks known to be non-speech into the background estimate (slow average)."""
        for t, rms in reversed(list(self._recent(start_ms))):
            if t <= end_ms:
                self.noise_rms = rms if self.noise_rms == 0.0 else 0.95 * self.noise_rms + 0.05 * rms
