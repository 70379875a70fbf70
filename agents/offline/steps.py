"""The two kinds of step the offline planner returns: say something, or call one tool."""

from __future__ import annotations

import itertools
from typing import Any

from agents.planner import PlanStep, ToolCall

_ids = itertools.count(1)

HELP = "I can book, move or cancel an appointment, tell you about your upcoming appointments, or connect you with our staff."


def call(name: str, **arguments: Any) -> PlanStep:
    return PlanStep(tool_calls=[ToolCall(id=f"offline-{next(_ids)}", name=name, arguments=arguments)])


def say(text: str, *, offers_transfer: bool = False, transfer_reason: str | None = None) -> PlanStep:
    return PlanStep(say=text, offers_transfer=offers_transfer, transfer_reason=transfer_reason)


# On the phone, after a date of birth was not understood or did not match: keys are exact.
KEYPAD_DOB = "You can also type your date of birth on the keypad as eight digits: month, day, year."


def with_preface(s: dict[str, Any], step: PlanStep) -> PlanStep:
    """Words kept for the first thing said this turn ("We're closed on Saturdays.") go first."""
    if (preface := s.pop("preface", None)) is not None:
        step.say = f"{preface} {step.say or ''}".strip()
    return step
