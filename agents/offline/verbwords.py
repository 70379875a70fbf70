"""Typed slips of the words that say what a caller wants done, spelt the one way `intents` reads
(lowercased text, run by `numbers.normalize` before numbers become digits):
- "mvoe", "moev", "chnage", "swtich", "cancle", "reshcedule", "appointmnet": two letters
  swapped;
- "reshedule", "rescedule", "apointment", "cancell", "postphone": a letter left out, doubled or
  added in a long word (never in "move" or "cancel", where one letter more or less makes a word of
  its own: "movie", "mode", "cancer");
- the short forms "resched", "canx", "cxl" ("appt" is read as it is);
- two slips in a long word ("reschedual", "reskedule", "apointmnet"), its first three letters kept.

A word is respelt only when it is no word of its own ("chance", "charge", "mover" are left alone).
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

# short forms and slips that no rule below finds
_ALWAYS = {
    "resched": "reschedule", "reshed": "reschedule", "reschd": "reschedule", "rescheduel": "reschedule",
    "canx": "cancel", "cxl": "cancel", "cancl": "cancel", "mve": "move", "moove": "move",
}  # fmt: skip
# the words, and whether a letter left out or added may be respelt (only in long words)
_TARGETS = {
    "move": False, "moved": False, "cancel": False, "change": False, "switch": False, "swap": False,
    "cancelled": True, "canceled": True, "cancellation": True, "reschedule": True, "rescheduled": True,
    "rescheduling": True, "appointment": True, "appointments": True, "postpone": True,
}  # fmt: skip
# words a slip can make that are words of their own
_REAL = {
    "cancellations",
    "chance",
    "charge",
    "changed",
    "mover",
    "movie",
    "moves",
    "cancer",
    "swamp",
    "swapt",
    "appointed",
}
_WORD = re.compile(r"(?<![\w'])[a-z]{3,14}(?![\w'])")


def _swaps(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def _one_off(word: str) -> set[str]:
    """`word` with one letter left out, or one letter of it doubled."""
    left_out = {word[:i] + word[i + 1 :] for i in range(len(word))}
    doubled = {word[:i] + word[i] + word[i:] for i in range(len(word))}
    return left_out | doubled


_SLIPS: dict[str, str] = {}
for _target, _long in _TARGETS.items():
    for _slip in _swaps(_target) | (_one_off(_target) if _long else set()):
        if _slip != _target and _slip not in _REAL and _slip not in _TARGETS:
            _SLIPS.setdefault(_slip, _target)
_SLIPS.update(_ALWAYS)


# long words two slips away ("reschedual", "reskedule", "apointmnet"), their start kept
_LONG = [t for t, long in _TARGETS.items() if long and len(t) >= 8]


def _near_long(word: str) -> str:
    if len(word) < 8 or word in _REAL or word in _TARGETS:
        return word
    for target in _LONG:
        # two slips, a swap of neighbours counting as one ('resceduel': an h left out, 'le' swapped)
        if word[:3] == target[:3] and OSA.distance(word, target, score_cutoff=2) <= 2:
            return target
    return word


# What a speech recogniser writes for the words of a request, only where they are said of an
# appointment, and what they stand for (applied in this order: "a point meant" is "appointment"
# before "mood the appointment" is "move the appointment").
_HEARD = [
    # "has a point meant", "got a point meant": the article is said too ("an appointment")
    (
        re.compile(r"\b(has|have|got|had|need|want|book|make) (?:a point meant|a point ment|a pointment)\b"),
        r"\1 an appointment",
    ),
    # "his a point meant", "work a pointment"
    (
        re.compile(r"\b(?:a point meant|appoint meant|a point ment|a pointment|up point meant)\b"),
        "appointment",
    ),
    # "council my appointment", "cancer my appointment"
    (
        re.compile(
            r"\b(?:council|counsel|cancer|cancels?)\s+(?=(?:my|his|her|our|their|the|it|that|this)\b)"
        ),
        "cancel ",
    ),
    # "real schedule ma appointment", "we schedule my appointment"
    (
        re.compile(
            r"\b(?:real|reel|re|we|ree|rea)\s+schedule(?=\s+(?:my|ma|his|her|our|their|the|it|that|this|an?)\b)"
        ),
        "reschedule",
    ),
    # "ma appointment", "me appointment": "my", as said in Scotland, Ireland and the Caribbean
    (re.compile(r"\b(?:ma|me|mah)\s+(?=(?:appointment|appt|booking|visit|check ?up)\b)"), "my "),
    # Nigerian Pidgin "abeg move am to wednesday", "cancel am": "am" is "it" after a verb (never "10 am")
    (
        re.compile(r"\b(move|cancel|book|change|shift|push|reschedule|carry|check)\s+am\b(?!\s*(?:\d|i\b))"),
        r"\1 it",
    ),
    # "he get appointment with dr rodriguez": has
    (
        # (not "can I get an appointment", "how do I get one": one asked for)
        re.compile(
            r"(?<!\bcan )(?<!\bcould )(?<!\bmay )(?<!\bmight )(?<!\bwill )(?<!\bwould )(?<!\bshall )"
            r"(?<!\bshould )(?<!\bdo )(?<!\bdoes )(?<!\bdid )(?<!\bto )"
            r"\b(he|she|i|we|they|my [a-z]+) get (?=(?:an? )?(?:appointment|appt|booking|visit)\b)"
        ),
        r"\1 has ",
    ),
    # "can we scoot it up to tuesday", "bump it over to friday": a move, as said in the US South
    (re.compile(r"\bscoot (it|that|this|him|her|them) (?:up|back|over|forward|along)\b"), r"move \1"),
    # "I must displace my appointment" (the French "déplacer"), "put it one day before": a move, as
    # second-language speakers say it
    (
        re.compile(r"\b(?:displace|deplace|replace)\s+(?=(?:my|his|her|our|their|the|it|that|this)\b)"),
        "move ",
    ),
    (
        re.compile(
            r"\bput (it|that|this|him|her) (?=(?:one|a|\d+|two|three) days? (?:before|earlier|after|later)\b)"
        ),
        r"move \1 ",
    ),
    # "i want to mood the appointment"
    (
        re.compile(
            r"\b(?:mood|moon|moo|mu|moot)\s+(?=(?:my|ma|his|her|our|their|the|it|that|this)\s+(?:[a-z']+\s+)?"
            r"(?:appointment|appt|visit|booking|check ?up)\b)"
        ),
        "move ",
    ),
]


def respell(text: str) -> str:
    """Lowercased text with slips of "move", "reschedule", "cancel", "appointment" ... respelt."""
    for heard, meant in _HEARD:
        text = heard.sub(meant, text)
    return _WORD.sub(lambda m: _SLIPS.get(m.group(0)) or _near_long(m.group(0)), text)
