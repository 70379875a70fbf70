"""Phone audio of sentences said before, shared by every call.

A front desk says the same sentences over and over (the greeting, "One moment please.", "Is there
anything else I can help you with?"); synthesizing each of them again for every call keeps the two
cores busy while another caller waits in silence. This keeps the μ-law audio of recent sentences,
least recently used first out, within a byte budget (8 kHz μ-law is 8 KB a second: 2 MB holds about
four minutes of speech). Pinned sentences (openings said at start-up, see `TextToSpeech.preload`)
stay for the life of the process and do not count against the budget.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class PhraseCache:
    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._pinned: dict[str, bytes] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def pinned_bytes(self) -> int:
        with self._lock:
            return sum(len(audio) for audio in self._pinned.values())

    def __contains__(self, sentence: object) -> bool:
        with self._lock:
            return sentence in self._pinned or sentence in self._items

    def get(self, sentence: str) -> bytes | None:
        with self._lock:
            if (pinned := self._pinned.get(sentence)) is not None:
                self.hits += 1
                return pinned
            audio = self._items.get(sentence)
            if audio is None:
                self.misses += 1
                return None
            self._items.move_to_end(sentence)
            self.hits += 1
            return audio

    def pin(self, sentence: str, audio: bytes) -> None:
        """Keep `sentence` for good: never evicted, outside the byte budget."""
        with self._lock:
            old = self._items.pop(sentence, None)
            if old is not None:
                self._bytes -= len(old)
            self._pinned[sentence] = audio

    def put(self, sentence: str, audio: bytes) -> None:
        if len(audio) > self.max_bytes:
            return  # larger than the whole budget: not worth evicting everything for
        with self._lock:
            if sentence in self._pinned:
                return
            old = self._items.pop(sentence, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[sentence] = audio
            self._bytes += len(audio)
            while self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted)
