"""Asking back instead of guessing, when an answer to "which would you like?" is unclear.

The answer must be one of the times just offered. A clear one is taken (`agents.offline.choices`
reads "the second", "the 3 PM one"; `phonetic.closest` reads "night thirty" as 9:30 when nothing
else is close); a likely one is asked back ("Was that 9:30 AM?"); otherwise the options are named
again and, on the phone, the keypad is offered ("press 1 for 9 AM, 2 for 9:30 AM"), whose digits
are exact. A wrong booking is worse than a question: nothing here picks a slot on a guess.
Three failed repairs of the same thing hand the caller to a person.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline.phonetic import Closest, closest, ways_to_say_time
from agents.offline.steps import call, say
from agents.planner import PlanContext, PlanStep
from agents.speakable import join_spoken, say_time
from connectors.base import Slot

MAX_REPAIRS = 3


def repairs(s: dict[str, Any], item: str) -> int:
    """One more failed try at `item` ("slot", "dob", ...); returns how many so far."""
    counts = s.setdefault("repairs", {})
    counts[item] = counts.get(item, 0) + 1
    return int(counts[item])


def repaired(s: dict[str, Any], item: str) -> None:
    s.get("repairs", {}).pop(item, None)


def offered_slots(s: dict[str, Any]) -> list[Slot]:
    return [Slot.model_validate(x) for x in s.get("offered", [])]


def keypad_pick(s: dict[str, Any], text: str, offered: list[Slot]) -> Slot | None:
    """A digit after "press 1 for …": the n-th option (typed or said, "2" / "two")."""
    if not s.get("keypad_choices"):
        return None
    m = re.fullmatch(r"\W*(?:press(?:ed)?\s+|number\s+)?(\d)\W*", text)
    if not m:
        return None
    index = int(m.group(1)) - 1
    return offered[index] if 0 <= index < len(offered) else None


def answer_to_check(s: dict[str, Any], verdict: str) -> tuple[Slot | None, bool]:
    """The answer to "Was that 9:30 AM?": (the slot on yes, whether the question was pending)."""
    asked = s.pop("confirm_slot", None)
    if asked is None:
        return None, False
    if verdict == "yes":
        slot = next((x for x in offered_slots(s) if x.id == asked), None)
        return slot, True
    return None, True


def ask_which(ctx: PlanContext, s: dict[str, Any], raw: str) -> PlanStep:
    """The answer to an offer was not clear: ask back about a likely time, or name them all."""
    offered = offered_slots(s)
    if repairs(s, "slot") >= MAX_REPAIRS:
        return call("transfer_to_person", reason="The caller's choice of time could not be understood.")
    guess = _sounds_like(raw, offered)
    if guess is not None and guess.likely and not s.get("checked_slot"):
        s["confirm_slot"] = offered[guess.index].id
        s["checked_slot"] = True
        return say(f"Sorry, was that {_label(offered[guess.index], offered)}?")
    s.pop("checked_slot", None)
    labels = [_label(x, offered) for x in offered]
    if len(offered) == 1:
        return say(f"Sorry, would {labels[0]} work for you, or would you like another time?")
    question = f"Sorry, which would you like: {join_spoken(labels)}?"
    if ctx.channel == "voice" and len(offered) > 1:
        s["keypad_choices"] = True
        keys = ", ".join(f"{i + 1} for {label}" for i, label in enumerate(labels))
        question += f" You can also press {keys}."
    return say(question)


def sure_pick(raw: str, offered: list[Slot]) -> Slot | None:
    """An offered time the words sound like, with no other close ("dine thirty" for 9:30)."""
    guess = _sounds_like(raw, offered)
    return offered[guess.index] if guess is not None and guess.sure else None


def _sounds_like(raw: str, offered: list[Slot]) -> Closest | None:
    """The offered time the words are most like; None when two options share a time (two
    doctors at 10): the time alone does not pick one."""
    if len({x.start for x in offered}) < len(offered):
        return None
    return closest(raw, [ways_to_say_time(x.start) for x in offered])


def _label(slot: Slot, offered: list[Slot]) -> str:
    """How to name one option: the time, with the day or doctor when the time alone is ambiguous."""
    label = say_time(slot.start)
    if len({x.start.date() for x in offered}) > 1:
        label = f"{slot.start.strftime('%A')} at {label}"
    if len({x.start for x in offered}) < len(offered):
        label = f"{label} with {slot.provider_name}"
    return label
