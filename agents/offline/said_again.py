"""Words a caller says again that ask for nothing new: their date of birth repeated after the check
("sarah johnson, for march 14 ..." at a read-back), and "same time" to the times offered for a move
(the appointment's own time)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from agents.offline.dates import day_phrases, find_when
from agents.offline.intents import Intent
from agents.offline.names import find_name
from connectors.base import Slot

_SAME_TIME_ONLY = re.compile(
    r"^\W*(?:(?:at )?the same time|same time)"
    r"(?: (?:as before|please|pls|then|works|is fine|is good|would be good|if possible|if you can))*\W*$"
)


def at_the_same_time(s: dict[str, Any], text: str, offered: list[Slot]) -> Slot | None:
    """ "Same time" to the times offered for a move: the one at the appointment's own time."""
    if s.get("task") != Intent.RESCHEDULE or not _SAME_TIME_ONLY.match(text):
        return None
    moving = next((a for a in s.get("appointments", []) if a.get("id") == s.get("target")), None)
    if moving is None:
        return None
    at = datetime.fromisoformat(str(moving["start"])).time()
    return next((x for x in offered if x.start.time() == at), None)


def same_time_not_offered(s: dict[str, Any], text: str, offered: list[Slot]) -> bool:
    """ "Same time works" to times offered for a move that leave out the appointment's own time:
    that time on the day offered is asked for (the planner looks it up)."""
    return (
        s.get("task") == Intent.RESCHEDULE
        and s.get("target") is not None
        and _SAME_TIME_ONLY.match(text) is not None
        and at_the_same_time(s, text, offered) is None
    )


def own_birthday(s: dict[str, Any], text: str, today: date, first_name: str | None) -> bool:
    """The turn names the month and day of the date of birth just checked ("sarah johnson, for
    march 14, i think ..."): identity said again, no day to come in."""
    born = s.get("dob") or (s.get("tried") or {}).get("dob")
    if not born:
        return False
    day = date.fromisoformat(born)
    named = bool(first_name) and re.search(rf"\b{re.escape((first_name or '').lower())}\b", text) is not None
    if not named and find_name(text) is None and str(day.year) not in text:
        return False  # "could I come on March 14th?" is a day asked for, birthday or not
    return any(
        (when := find_when(m.group(0), datetime.combine(today, datetime.min.time()))).start is not None
        and (when.start.month, when.start.day) == (day.month, day.day)
        for m in day_phrases(text)
    )
