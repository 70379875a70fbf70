"""The last name typed on the keypad after a name check failed on the phone (`agents.keyed_names`).

Offered only when the date of birth tried was itself typed (exact): then what failed is the name as
heard, and the keys settle it. A spoken answer is read as usual; digits 2-9 are the keys."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.keyed_names import typed_name_keys
from agents.offline.steps import call
from agents.planner import PlanContext, PlanStep

KEYPAD_NAME = (
    "Please type your last name on the keypad, pressing each letter's key once, then the pound key. "
    "For example, Lee is 5, 3, 3."
)

_TYPED_DATE = re.compile(
    r"^\s*(\d\d)/?(\d\d)/?(\d{4})\s*#?\s*$"
)  # a keypad entry of MMDDYYYY, as digits or read as a date


def note_typed_date(ctx: PlanContext, s: dict[str, Any], raw: str) -> None:
    """Remember a date of birth typed on the keypad: it is exact, so a check that fails with it
    failed on the name."""
    if ctx.channel != "voice" or (m := _TYPED_DATE.match(raw)) is None:
        return
    try:
        s["dob_typed"] = date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
    except ValueError:
        return


def offers_name_keys(ctx: PlanContext, s: dict[str, Any], tried: dict[str, Any]) -> bool:
    """After a failed check by name: the keys are offered when the date tried was typed."""
    if not ctx.caller.name_keys or not tried.get("dob") or tried.get("dob") != s.get("dob_typed"):
        return False
    s["name_keys_offered"] = True
    return True


def keyed_check(s: dict[str, Any], raw: str) -> PlanStep | None:
    """The check with the keys typed, the date of birth typed and the first name as heard; None
    when the keys were not offered or this turn is not keys."""
    tried = s.get("tried") or {}
    if not s.get("name_keys_offered") or (keys := typed_name_keys(raw)) is None or not tried.get("dob"):
        return None
    s.pop("name_keys_offered")
    s["dob"], s["first_name"] = tried["dob"], tried.get("first_name")
    arguments: dict[str, Any] = {"last_name_keys": keys, "date_of_birth": tried["dob"]}
    if tried.get("first_name"):
        arguments["first_name"] = tried["first_name"]
    return call("verify_identity", **arguments)
