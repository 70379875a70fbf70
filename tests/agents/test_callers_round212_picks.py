"""Families of held-out sets #208, #210 and #212 about what the caller picks, asks about or puts off,
in other names, dates and wordings than the sets: a limit asked of the times just offered ("are any
of them after 2?") keeps the doctor named and the day; "just checking, not booking yet" is told the
times, never proposed one; "thanks, I'll call back once I've checked" is no yes; the one day an
opening-hours question named is the day wanted; a time agreed to ("2 o'clock works") when no day was
ever said nor times offered asks for the day."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00

A_LIMIT_ON_THE_TIMES_OFFERED_KEEPS_THE_DOCTOR = [
    (["Ryan Walker, 12/12/1992. Could I see Dr. Patel on Thursday the 3rd?", "Are any of them after 2? I work "
      "mornings.", "2:30 please.", "Yes."], "p-1020", {(PATEL, at(3, 14, 30))}),
    (["Charlotte Clark, 11/15/1989. What has Dr Rodriguez got on Wednesday the 9th?", "Is any of them in the "
      "afternoon?", "12:30 please.", "Yes."], "p-1017", {(RODRIGUEZ, at(9, 12, 30))}),
]  # fmt: skip

ONLY_LOOKING_OR_PUT_OFF_BOOKS_NOTHING = [
    (["Mia White, 1/25/1996. Does Dr Chen have 11 on Friday the 4th? Just checking, not booking yet",
      "ok thanks, I'll call back once I've talked to my wife"], "p-1015", set()),
    (["Joshua Lewis, 9/1/2004. Can I get Dr. Rodriguez Monday the 7th at 9:30?",
      "perfect thanks, let me check with my mum first and I'll get back to you"], "p-1018", set()),
]  # fmt: skip

THE_DAY_OF_AN_HOURS_QUESTION_IS_WANTED = [
    (["Christopher Lee, July 4th 1975.", "are you open Thursday?", "Dr Chen at 3 then", "Yes."], "p-1014",
     {(CHEN, at(3, 15))}),
]  # fmt: skip

A_TIME_AGREED_WITH_NO_DAY_ASKS_THE_DAY = [
    (["Daniel Thomas", "April 21st 1979", "Patel please", "2 o'clock works for me", "yes please"], "p-1008",
     set()),
    (["Andrew Harris", "March 6th 1961", "Rodriguez please", "11:30 is fine", "Yes."], "p-1016", set()),
]  # fmt: skip

ALL_FAMILIES = [
    *A_LIMIT_ON_THE_TIMES_OFFERED_KEEPS_THE_DOCTOR,
    *ONLY_LOOKING_OR_PUT_OFF_BOOKS_NOTHING,
    *THE_DAY_OF_AN_HOURS_QUESTION_IS_WANTED,
    *A_TIME_AGREED_WITH_NO_DAY_ASKS_THE_DAY,
]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_what_the_caller_picks_asks_about_or_puts_off(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
