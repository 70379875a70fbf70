"""What the agent expects next, in the terms the speech side takes.

After each reply a voice channel asks the conversation for the agent's `Expectation` and turns it into
a `Listening`: a Whisper prompt (`speech.stt.Prompt`: the likely words, then a primer written the
way such an answer reads in a transcript), a completeness test for the words heard so far (the
turn detector ends a turn sooner when they complete the answer and waits longer when they plainly
do not) and the keypad length that completes an entry. The speech package never sees an agent
type. The vocabulary (names on file for the calling number among it) only ever reaches Whisper's
prompt: it is not logged, audited or spoken.

Which kinds get a prompt is measured (bench/stt_context.py, docs/benchmarks.md "Understanding"):
`CONTEXT_KINDS` holds the kinds where it lowered the word error rate (all of them, so far).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from agents.expectation import Expectation, Expecting, holds_date_of_birth
from speech.listener import Hints
from speech.stt import Prompt
from speech.turn import Complete

# Kinds whose answers are transcribed with a prompt (see the module docstring). Measured on 385
# phone-band clips (docs/benchmarks.md, Understanding): the prompt lowered the word error rate for
# every kind, and on the Piper clips alone it never raised it, so all kinds have one. A kind
# found to lose by it is taken out here (or per call: `listening_for(context_kinds=...)`).
CONTEXT_KINDS: frozenset[Expecting] = frozenset(Expecting)

# How each kind of answer reads in a transcript; it comes last in the prompt, next to the audio.
# The date is one no demo patient has: a caller saying exactly the primer is decoded again.
_PRIMERS: dict[Expecting, str] = {
    Expecting.REQUEST: "",  # the doctors' names alone: a primer did no better
    Expecting.IDENTITY: "My name is {names}, and my date of birth is September 21, 1967.",
    Expecting.DATE_OF_BIRTH: "My date of birth is September 21, 1967.",
    Expecting.NAME: "{names}.",  # the names alone did better than "My name is ..."
    Expecting.WHEN: "Next Tuesday morning, or Friday at 2:30 PM.",
    Expecting.SLOT_CHOICE: "The {choice} one, please.",
    Expecting.YES_NO: "Yes, that's right. No, thank you.",
}
_WEEKDAYS = frozenset(calendar.day_name)
_MONTHS = "january february march april may june july august september october november december".split()


@dataclass(frozen=True)
class Listening:
    """What the listener and keypad use until the next reply."""

    kind: str = Expecting.REQUEST.value
    prompt: Prompt | None = field(default=None, repr=False)  # may hold names: kept out of repr
    complete: Complete | None = None  # words so far -> complete (True), not yet (False), can't say
    keypad_digits: int | None = None

    @property
    def hints(self) -> Hints:
        """The speech side's part (the keypad length is the channel's)."""
        return Hints(self.kind, self.prompt, self.complete)


def listening_for(
    expectation: Expectation, *, context: bool = True, context_kinds: frozenset[Expecting] = CONTEXT_KINDS
) -> Listening:
    """The `Listening` for an expectation; `context=False` (FRONTDESK_STT_CONTEXT) gives no prompt."""
    kind = Expecting(expectation.kind)
    prompt = prompt_for(expectation) if context and kind in context_kinds else None
    return Listening(kind.value, prompt, completeness_for(expectation), expectation.keypad_digits)


def prompt_for(expectation: Expectation) -> Prompt | None:
    """The likely words ("9 AM, 9:30 AM, Tuesday, Dr. Priya Patel.") and the kind's primer."""
    kind = Expecting(expectation.kind)
    vocabulary = [v for v in dict.fromkeys(expectation.vocabulary) if v.strip()]
    # A transcript without a whole date is searched again among Whisper's alternatives for one
    # (speech/stt.py); which date it is stays the caller's words, checked against the record.
    answer = holds_date_of_birth if kind in (Expecting.DATE_OF_BIRTH, Expecting.IDENTITY) else None
    if kind in (Expecting.DATE_OF_BIRTH, Expecting.IDENTITY):
        months = {m.title() for m in _MONTHS}
        vocabulary = [v for v in vocabulary if v not in months]  # the primer shows what a date reads like
    if kind is Expecting.WHEN:  # the doctors and the primer's days did better than every weekday
        vocabulary = [v for v in vocabulary if v not in _WEEKDAYS]
    joined = ", " if kind is Expecting.NAME else " "
    names = joined.join(v for v in vocabulary if kind in (Expecting.NAME, Expecting.IDENTITY))
    if kind in (Expecting.NAME, Expecting.IDENTITY):
        vocabulary = []
        if not names:
            return None if kind is Expecting.NAME else Prompt(_PRIMERS[Expecting.DATE_OF_BIRTH], answer)
    choice = expectation.choices[-1] if expectation.choices else "9:30 AM"
    primer = _PRIMERS[kind].format(names=names, choice=choice)
    words = ", ".join(vocabulary)
    text = f"{words}. {primer}" if words and primer else f"{words}." if words else primer
    return Prompt(text, answer) if text.strip() else None


# -- whether the words so far complete the answer ----------------------------------------------

_TRAILING = frozenset(
    "and or but so um uh er erm hmm is was my the a an at on in of to for with it's its "
    "because like about from than then".split()
)
_YES = frozenset(
    "yes yeah yep yup correct right sure okay ok absolutely definitely perfect fine that's exactly".split()
)
_NO = frozenset("no nope nah".split())
_NO_DONE = frozenset("thanks thank that's all fine".split())  # "No, thank you." ends a no
_ORDINALS = frozenset("first second third fourth fifth last earlier later earliest latest".split())
_NUMBER_WORDS = {
    w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_MINUTE_WORDS = {"fifteen": 15, "thirty": 30, "forty-five": 45, "forty": 40, "oclock": 0, "o'clock": 0}


def _words(text: str) -> list[str]:
    lower = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text.lower())
    return [w for w in re.sub(r"[^a-z0-9:'\-/ ]+", " ", lower).split() if w]


def incomplete(text: str) -> bool:
    """Plainly unfinished: trails off ("...", a comma, a dash) or ends on "and", "um", "is", "my"."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith(("...", "…", ",", "-", "—")):
        return True
    words = _words(stripped)
    return bool(words) and words[-1] in _TRAILING


_DATE_NUMERIC = re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DAY = re.compile(r"\b(?:[12]?\d|3[01])(?:st|nd|rd|th)?\b")
_DAY_WORDS = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"thirtieth)\b"
)


def has_full_date(text: str) -> bool:
    """A month, a day and a four-digit year ("March 14th, 1985", "14 March 1985", "3/14/1985")."""
    lower = text.lower()
    if _DATE_NUMERIC.search(lower):
        return True
    year = _YEAR.search(lower)
    if year is None:
        return False
    before = lower[: year.start()]
    month = any(re.search(rf"\b{m}\b", before) for m in _MONTHS)
    day = bool(_DAY.search(_YEAR.sub(" ", before)) or _DAY_WORDS.search(before))
    return month and day


def _times(choice: str) -> set[str]:
    """Ways Whisper writes an offered time: "9:30 AM" -> {"9:30", "930", "9.30"}; "2 PM" -> {"2 pm"}."""
    match = re.match(r"\s*(\d{1,2})(?::(\d{2}))?\s*([AaPp][Mm])?", choice)
    if match is None:
        return set()
    hour, minute, half = match.group(1), match.group(2), (match.group(3) or "").lower()
    if minute and minute != "00":
        return {f"{hour}:{minute}", f"{hour}{minute}", f"{hour}.{minute}"}
    forms = {f"{hour} {half}".strip(), f"{hour}{half}", f"{hour} o'clock", f"{hour}:00"}
    return {f for f in forms if not f.isdigit()}


def _said_time(words: list[str]) -> set[str]:
    """Spoken-word times ("nine thirty", "two pm") in the forms of `_times`."""
    found = set()
    for i, w in enumerate(words):
        if w in _NUMBER_WORDS and _NUMBER_WORDS[w] > 0:
            hour = _NUMBER_WORDS[w]
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if _MINUTE_WORDS.get(nxt):
                found.add(f"{hour}:{_MINUTE_WORDS[nxt]:02d}")
            elif nxt in ("am", "pm", "a.m", "p.m"):
                found.add(f"{hour} {nxt.replace('.', '')}")
            elif nxt in ("oclock", "o'clock"):
                found.add(f"{hour} o'clock")
    return found


def completeness_for(expectation: Expectation) -> Complete | None:
    """A test of the words heard so far against what was asked: True when they complete it (a
    full date of birth, a yes or no, one of the offered times), False when they plainly do not,
    None when it cannot say (the fixed end-of-turn silence decides)."""
    kind = Expecting(expectation.kind)
    choices = [c for c in expectation.choices if c.strip()]
    offered: set[str] = set()
    for c in choices:
        offered |= _times(c)

    def complete(text: str) -> bool | None:
        if not text.strip():
            return None
        if incomplete(text):
            return False
        words = _words(text)
        if kind in (Expecting.DATE_OF_BIRTH, Expecting.IDENTITY):
            if has_full_date(text):
                return True
            return False if kind is Expecting.DATE_OF_BIRTH and len(words) <= 6 else None
        if kind is Expecting.YES_NO:
            # A yes rarely changes after a pause; "No, ... but could we do Wednesday?" often does,
            # so a bare no waits for the fixed silence.
            if not words or len(words) > 4:
                return None
            if words[0] in _YES or (words[0] in _NO and any(w in _NO_DONE for w in words[1:])):
                return True
            return None
        if kind is Expecting.SLOT_CHOICE:
            lower = " " + " ".join(words) + " "
            if any(w in _ORDINALS for w in words) or any(f" {f} " in lower for f in offered):
                return True
            return True if _said_time(words) & offered else None
        return None

    return complete
