"""Reading a misheard answer against the few things it can be.

After "9 AM, 9:30 or 10?" the answer is one of three; after "which doctor?" one of the practice's
doctors. A small speech model on a phone line writes what it heard, not what was said ("nine
thirty" as "night thirty", "Dr. Rodriguez" as "doctor rodriquez"). Each option is given as the
ways it is said; the heard words are compared with each way by spelling (rapidfuzz) and by sound
(metaphone keys, jellyfish), over word windows of the same length, and the best option comes
back with a confidence and its lead over the runner-up. The caller of `closest` decides: take a
clear winner, ask back about a likely one ("Was that 9:30 AM?"), or ask again naming them all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import jellyfish
from rapidfuzz import fuzz

# A winner this sure, this far ahead of the next option, is what the caller said.
SURE = 0.86
LEAD = 0.12
# Below SURE but at least this: likely, so it is asked back, never taken silently.
LIKELY = 0.7

_HOURS = ["twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]
_MINUTES = {
    0: "",
    15: "fifteen",
    30: "thirty",
    45: "forty five",
    10: "ten",
    20: "twenty",
    40: "forty",
    50: "fifty",
}
_FILLER = {
    "the",
    "a",
    "uh",
    "um",
    "please",
    "one",
    "that",
    "at",
    "for",
    "is",
    "it",
    "okay",
    "ok",
    "yes",
    "let's",
}


@dataclass(frozen=True)
class Closest:
    index: int  # which option
    score: float  # 0..1, how well its best way of saying matched
    lead: float  # score minus the runner-up's

    @property
    def sure(self) -> bool:
        return self.score >= SURE and self.lead >= LEAD

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY and self.lead > 0


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _key(words: Sequence[str]) -> str:
    return " ".join(jellyfish.metaphone(w) or w for w in words)


def similarity(heard: Sequence[str], said: Sequence[str]) -> float:
    """How alike two word sequences are, by letters and by sound (0..1)."""
    if not heard or not said:
        return 0.0
    spelled = fuzz.ratio(" ".join(heard), " ".join(said)) / 100
    sounded = fuzz.ratio(_key(heard), _key(said)) / 100
    return max(spelled, (spelled + 2 * sounded) / 3)


def best_window(heard: Sequence[str], said: Sequence[str]) -> float:
    """The best similarity of `said` to any run of heard words about as long (one more or fewer)."""
    n = len(said)
    best = 0.0
    for size in {max(1, n - 1), n, n + 1}:
        for start in range(0, max(1, len(heard) - size + 1)):
            best = max(best, similarity(heard[start : start + size], said))
    return best


def closest(heard: str, options: Sequence[Sequence[str]]) -> Closest | None:
    """The option (each a list of ways to say it) the heard text is most like, or None if empty."""
    if not options:
        return None
    exact = [
        max((len(w) for w in map(words_of, ways) if _contains(words_of(heard), w)), default=0)
        for ways in options
    ]
    longest = max(exact, default=0)
    if longest and exact.count(longest) == 1:
        # a way said word for word: the longest one wins ("nine thirty" is 9:30, not 9)
        return Closest(index=exact.index(longest), score=1.0, lead=1.0)
    words = [w for w in words_of(heard) if w not in _FILLER] or words_of(heard)
    if not words:
        return None
    scores = [max((best_window(words, words_of(way)) for way in ways), default=0.0) for ways in options]
    order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    top = order[0]
    runner_up = scores[order[1]] if len(order) > 1 else 0.0
    return Closest(index=top, score=scores[top], lead=scores[top] - runner_up)


def _contains(heard: Sequence[str], way: Sequence[str]) -> bool:
    n = len(way)
    return n > 0 and any(list(heard[i : i + n]) == list(way) for i in range(len(heard) - n + 1))


def ways_to_say_time(at: datetime) -> list[str]:
    """'nine thirty', 'nine thirty am', 'half past nine' for 9:30; 'nine', "nine o'clock" for 9:00."""
    hour = _HOURS[at.hour % 12]
    half = "am" if at.hour < 12 else "pm"
    minute = _MINUTES.get(at.minute)
    if minute is None:
        minute = " ".join(w for w in (_tens(at.minute)) if w)
    if at.minute == 0:
        ways = [hour, f"{hour} {half}", f"{hour} o'clock"]
        if at.hour == 12:
            ways.append("noon")
        return ways
    ways = [f"{hour} {minute}", f"{hour} {minute} {half}"]
    if at.minute == 30:
        ways.append(f"half past {hour}")
    if at.minute == 15:
        ways.append(f"quarter past {hour}")
    return ways


def _tens(minute: int) -> list[str]:
    tens = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}
    ones = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    if minute < 10:
        return ["oh", ones[minute]]
    if minute < 20:
        return [str(minute)]
    return [tens[minute // 10], ones[minute % 10]]


def ways_to_say_doctor(name: str) -> list[str]:
    """'patel', 'doctor patel', 'priya patel' for "Dr. Priya Patel"."""
    parts = [w for w in words_of(name) if w not in ("dr", "doctor")]
    if not parts:
        return []
    surname = parts[-1]
    ways = [surname, f"doctor {surname}"]
    if len(parts) >= 2:
        ways.append(" ".join(parts))
    return ways
