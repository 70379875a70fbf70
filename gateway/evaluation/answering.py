"""A caller who answers back, as people on a bad line do: the scripted caller with some manners.

A scripted call says its turns whatever the bot replies, so one misheard date of birth fails it
however well the bot repairs it. `--caller answers` (frontdesk eval, bench/understanding.py) runs
the same scripts with a caller who reads each reply before going on:

- offered the keypad for the date of birth, it types the date of birth its script says;
- offered the keypad for its last name, it types it, one key per letter, then #;
- offered keys for the times ("press 1 for 9 AM, 2 for 9:30 AM"), it presses the one it asked for;
- offered keys for the doctors ("press 1 for Dr. Elena Rodriguez, ..."), it presses its doctor's;
- offered the keypad for the day ("type the date on the keypad as four digits, month then day"), it
  types the day its request names (when it names one);
- asked "Sorry, was that 9:30 AM?", it says yes when that is the time it asked for, else says it
  again;
- told it was not caught ("Sorry, I didn't catch that", "I couldn't verify those details"), it
  says the same words again, more slowly;
- asked which doctor or which day it wants, it says again, more slowly, the turn of its script
  that asked for them (the request Whisper may have garbled);
- asked for its full name, it says again the turn of its script that gave its name and date of
  birth;
- offered times ("... has 9 AM, 9:30 AM or 10 AM. Which would you like?"), it takes the one it asked
  for ("9:30 AM, please."), or, when it is not among them, says "No." and its request again;
- offered a change that is not the one it asked for ("I'll book you with Dr. Chen ..." when it
  asked to move its appointment, or for Dr. Rodriguez, or for 2 PM), it says "No." and its request
  again, as a caller who listens does, instead of the script's "yes";

at most twice for the same words, and `call_simulator.MAX_ANSWERS_BACK` times a call. What the
caller knows is only its own script: its date of birth, the time it wants. Both runs are reported
side by side, so a repair shows as the difference between them.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time

from agents.keyed_names import keys_of
from agents.offline.birthdates import find_dob
from agents.offline.dates import find_time, find_when
from agents.offline.numbers import normalize
from gateway.clients.caller import CallerTurn, dtmf_turn
from gateway.evaluation.voices import CallerVoice

AGAIN_PACE = 0.8  # said again, a fifth slower
MAX_SAME = 2  # the same words said again at most this often

_NOT_CAUGHT = re.compile(
    r"didn't catch|did not catch|couldn't verify|could not verify|couldn't match|could not match"
    r"|say (?:that|it) again|repeat that|sorry, which would you like",
    re.IGNORECASE,
)
_KEYPAD_DOB = re.compile(r"keypad as eight digits", re.IGNORECASE)
_KEYPAD_DAY = re.compile(r"type the date on the keypad as four digits", re.IGNORECASE)
_KEYPAD_NAME = re.compile(r"type your last name on the keypad", re.IGNORECASE)
_KEYS = re.compile(r"\b(\d) for ([^,?.]+(?:[.:]\d\d)?(?: [AP]M)?)", re.IGNORECASE)
_WAS_THAT = re.compile(r"sorry, was that (.+?)\?", re.IGNORECASE)
_ASKS_REQUEST = re.compile(
    r"which doctor would you like|which day would you like|what day would you like|what day works"
    r"|would another day work",
    re.IGNORECASE,
)
_ASKS_NAME = re.compile(r"your (?:first and last|full) name", re.IGNORECASE)
_FULL_NAME = re.compile(r"(?=\b([A-Z][a-z'-]+) ([A-Z][a-z'-]+)\b)")  # overlapping: "It's Sophia Taylor"
_NOT_NAMES = frozenset({"It's", "My", "I'm", "This", "Hi", "Hello", "Yes", "No", "Good", "Doctor", "Dr"})
# "I'll book you with Dr. X on Monday, December 7th at 2 PM. Shall I go ahead?"
_PROPOSAL = re.compile(r"\bI'll (?:book|move|cancel)\b.*\bShall I go ahead\?", re.IGNORECASE | re.DOTALL)
_OFFER = re.compile(r"\bwhich (?:one )?would you like\?", re.IGNORECASE)
_CLOCK = re.compile(r"\b\d{1,2}(?::\d\d)? [AP]M\b")
_DOCTOR = re.compile(r"\b(?:doctor|dr\.?)\s+([A-Z][a-z'-]+)", re.IGNORECASE)
_DOCTOR_KEYS = re.compile(
    r"\b(\d) for Dr\. (?:[A-Z][a-z'-]+ )?([A-Z][a-z'-]+)"
)  # "1 for Dr. Elena Rodriguez"
_NAMES_A_VISIT = re.compile(
    r"\b(?:doctor|dr\.?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|"
    r"next week|morning|afternoon)\b",
    re.IGNORECASE,
)


class AnsweringCaller:
    """`answer_back` for `CallSimulator.run`: one scripted call's caller (see the module doc)."""

    def __init__(self, voice: CallerVoice, script: list[str], now: datetime) -> None:
        self.voice = voice
        self.script = script  # the texts of the scripted turns: what this caller knows
        self.now = now  # the scenario's clock: "next Tuesday" is a date
        self.today = now.date()
        # What it knows, read once from its script: its date of birth, the turn that gives its
        # name with it, the turn that asks for the visit, the time it last asks for.
        self.born = next(
            (d for t in script if (d := find_dob(normalize(t), self.today)[0]) is not None), None
        )
        self.identity = next(
            (
                t
                for t in script
                if find_dob(normalize(t), self.today)[0] is not None and _name_in(t) is not None
            ),
            None,
        )
        self.request = next((t for t in script if _NAMES_A_VISIT.search(t) or _time_in(t) is not None), None)
        self.time_asked = next((found for t in reversed(script) if (found := _time_in(t)) is not None), None)
        self._said_again: Counter[str] = Counter()
        self._typed_birth_date = False
        self.answers: list[str] = []  # what it said back, for the report

    async def __call__(self, reply: str, said: CallerTurn) -> CallerTurn | None:
        if (
            _PROPOSAL.search(reply)
            and (request := self.request) is not None
            and not self._fits(reply, request)
        ):
            return await self._again(f"No. {request}")
        if _OFFER.search(reply) and (request := self.request) is not None and (pick := _time_in(request)):
            offered = {_time_in(clock): clock for clock in _CLOCK.findall(reply)}
            if pick in offered and self._on_its_day(reply, request):
                return await self._again(f"{offered[pick]}, please.")
            return await self._again(f"No. {request}")
        born = self.born
        if _KEYPAD_NAME.search(reply) and self.identity and (name := _name_in(self.identity)):
            last_name_keys = keys_of(name.split()[-1])
            if self._said_again[last_name_keys] < MAX_SAME:
                self._said_again[last_name_keys] += 1
                return self._keyed(f"{last_name_keys}#")
        if _ASKS_NAME.search(reply) and (who := self.identity) is not None:
            if _KEYPAD_DOB.search(reply) and born is not None and not self._typed_birth_date:
                return self._keyed(f"{born:%m%d%Y}", birth_date=True)  # exact; the name comes next
            if self._typed_birth_date and (name := _name_in(who)) is not None:
                return await self._again(f"{name}.")  # the name alone: its date is in
            return await self._again(who)
        if _KEYPAD_DAY.search(reply) and (day := self._day_asked()) is not None:
            key = f"{day:%m%d}"
            if self._said_again[f"day {key}"] < MAX_SAME:
                self._said_again[f"day {key}"] += 1
                return self._keyed(key)  # exact: the day its request names
        if _ASKS_REQUEST.search(reply) and (request := self.request) is not None:
            return await self._again(request)  # asked which day (also right after keys): its request
        if said.dtmf is not None:
            return None  # keys are exact: nothing to say again
        text = said.label
        if _KEYPAD_DOB.search(reply) and born is not None:
            return self._keyed(f"{born:%m%d%Y}", birth_date=True)
        if (doctor := self._doctor_key(reply)) is not None:
            return self._keyed(doctor)  # "press 1 for Dr. Elena Rodriguez, ...": its doctor's key
        wanted = _time_in(text) or self.time_asked
        keys = {int(n): label for n, label in _KEYS.findall(reply)} if "press" in reply.lower() else {}
        if wanted is not None and keys:
            for n, label in keys.items():
                if _time_in(label) == wanted:
                    return self._keyed(str(n))
        if (guess := _WAS_THAT.search(reply)) is not None and wanted is not None:
            if _time_in(guess.group(1)) == wanted:
                return await self._spoken("Yes, that's right.")
            return await self._again(text)
        if _NOT_CAUGHT.search(reply):
            return await self._again(text)
        return None

    def _doctor_key(self, reply: str) -> str | None:
        """The key of the doctor its request names, when the bot offers keys for the doctors."""
        if "press" not in reply.lower() or self.request is None:
            return None
        asked = _DOCTOR.search(self.request)
        if asked is None:
            return None
        for key, surname in _DOCTOR_KEYS.findall(reply):
            if surname.lower() == asked.group(1).lower() and self._said_again[f"doctor {key}"] < MAX_SAME:
                self._said_again[f"doctor {key}"] += 1
                return key
        return None

    def _keyed(self, digits: str, *, birth_date: bool = False) -> CallerTurn:
        self._typed_birth_date |= birth_date
        self.answers.append(f"[keypad {digits}]")
        return dtmf_turn(digits)

    def _fits(self, proposal: str, request: str) -> bool:
        """Whether what the bot proposes is what the script asked for: the same kind of change (a
        booking is no move), the doctor it named, the day and the time it said (for a move, the
        new ones)."""
        words = request.lower()
        moves = any(w in words for w in ("move", "reschedule", "change my appointment", "push"))
        cancels = "cancel" in words
        kind = re.search(r"\bI'll (book|move|cancel)\b", proposal, re.IGNORECASE)
        proposed = kind.group(1).lower() if kind else ""
        if (
            (moves and proposed != "move")
            or (cancels and proposed != "cancel")
            or (not moves and not cancels and proposed != "book")
        ):
            return False
        if (doctor := _DOCTOR.search(request)) is not None and doctor.group(
            1
        ).lower() not in proposal.lower():
            return False
        if cancels:
            return True
        target = proposal.rsplit(" to ", 1)[-1] if moves else proposal  # a move names the old slot first
        if not self._on_its_day(target, request):
            return False
        wanted = _time_in(request)
        times = [_time_in(clock) for clock in _CLOCK.findall(target)]
        return wanted is None or (bool(times) and times[-1] == wanted)

    def _on_its_day(self, offer: str, request: str) -> bool:
        """The day the request names ("next Tuesday", "tomorrow") is the one in the offer
        ("Tuesday, December 8th"); a request that names no single day fits any."""
        when = find_when(normalize(request), self.now)
        if when.start is None or when.start != when.end:
            return True
        day = when.start
        return f"{day:%B} {day.day}" in re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", offer)

    def _day_asked(self) -> date | None:
        """The one day its request names ("next Tuesday"), or None."""
        if self.request is None:
            return None
        when = find_when(normalize(self.request), self.now)
        return when.start if when.start is not None and when.start == when.end else None

    async def _again(self, text: str) -> CallerTurn | None:
        if self._said_again[text] >= MAX_SAME:
            return None
        self._said_again[text] += 1
        return await self._spoken(text, AGAIN_PACE)

    async def _spoken(self, text: str, pace: float = 1.0) -> CallerTurn:
        self.answers.append(text)
        audio = await self.voice.say(text, pace=pace)
        return CallerTurn(label=text, audio=audio.audio)


def _name_in(text: str) -> str | None:
    """The first full name in a turn of its script ("It's Sophia Taylor, born ..." -> Sophia Taylor)."""
    for match in _FULL_NAME.finditer(text):
        first, last = match.group(1), match.group(2)
        if first not in _NOT_NAMES and last not in _NOT_NAMES:
            return f"{first} {last}"
    return None


def _time_in(text: str) -> time | None:
    found, _span = find_time(normalize(text))
    return found
