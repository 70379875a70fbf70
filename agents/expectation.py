"""What the agent expects the caller to say next, for the listener.

A receptionist on a bad line hears "nine thirty" better right after offering 9:30. After every
reply the gateway asks the agent for an `Expectation`: the kind of answer it just asked for, the
words that answer is likely to contain (the practice's doctors, the times just offered, names on
file for the calling number) and, where the keypad can give the answer exactly, how many digits
complete it. The voice edge uses it to bias recognition and to end a turn sooner when the words
already complete the answer. The vocabulary is only ever used inside recognition: it may hold
names of people on file for the calling number, so it is never spoken, logged or sent to a model.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agents.memory import AgentMemory
from agents.speakable import say_time
from connectors.base import Slot


class Expecting(StrEnum):
    REQUEST = "request"  # free words: "how can I help you?"
    IDENTITY = "identity"  # full name and date of birth
    DATE_OF_BIRTH = "date_of_birth"
    NAME = "name"
    WHEN = "when"  # a day and/or time
    SLOT_CHOICE = "slot_choice"  # one of the times just offered
    YES_NO = "yes_no"


@dataclass(frozen=True)
class Expectation:
    kind: Expecting = Expecting.REQUEST
    vocabulary: tuple[str, ...] = ()  # recognition hints, never spoken
    keypad_digits: int | None = None  # a keypad entry of this many digits completes the answer
    choices: tuple[str, ...] = field(default=())  # spoken forms of the offered options, in order


_WEEKDAYS = tuple(calendar.day_name)


def expectation_of(memory: AgentMemory, *, verified: bool) -> Expectation:
    """The expectation after the last reply, from the runtime's memory and the planner's scratch."""
    s: dict[str, Any] = memory.scratch
    names = tuple(memory.recognition_names)
    doctors = tuple(str(p.get("name", "")) for p in s.get("providers", []) if isinstance(p, dict)) or tuple(
        memory.recognition_doctors
    )
    if memory.pending is not None or memory.transfer_offered is not None:
        return Expectation(Expecting.YES_NO, ("yes", "no", *doctors))
    if not verified:
        asked = s.get("asked")
        if asked == "dob":
            return Expectation(Expecting.DATE_OF_BIRTH, tuple(calendar.month_name[1:]), keypad_digits=8)
        if asked == "name":
            return Expectation(Expecting.NAME, names)
        if asked == "identity":
            # a last name typed has as many keys as letters: it ends with # (or a pause)
            digits = None if s.get("name_keys_offered") else 8
            return Expectation(Expecting.IDENTITY, (*names, *calendar.month_name[1:]), keypad_digits=digits)
    offered = [Slot.model_validate(x) for x in s.get("offered", []) if isinstance(x, dict)]
    if offered:
        times = tuple(dict.fromkeys(say_time(x.start) for x in offered))
        days = tuple(dict.fromkeys(x.start.strftime("%A") for x in offered))
        return Expectation(
            Expecting.SLOT_CHOICE,
            (*times, *days, *doctors),
            keypad_digits=1 if len(offered) > 1 else None,
            choices=times,
        )
    if s.get("task") in ("book", "reschedule"):
        # the day's keys offered (`agents.offline.day_keys`): four digits, month then day
        return Expectation(
            Expecting.WHEN, (*_WEEKDAYS, *doctors), keypad_digits=4 if s.get("day_keys") else None
        )
    return Expectation(Expecting.REQUEST, doctors)


def holds_date_of_birth(text: str) -> bool:
    """Whether a transcript holds a whole date of birth (day, month and year, not in the future):
    the form of an answer to "what is your date of birth?", whatever the date."""
    from datetime import date

    from agents.offline.birthdates import find_dob
    from agents.offline.numbers import normalize

    return find_dob(normalize(text), date.today())[0] is not None
