"""Families of held-out set #196 in other names, dates and wordings: weekdays ruled out of a week
("any day but the Tuesday", "not the Monday or Wednesday"), kept across turns and on a move to "the
following week"; "not before 2" / "nothing before 10" that lets 2 / 10 itself be had; the day's very
last time asked after a short list; and a place in the list that names another time than the one
said with it ("the third one, the 10:30"), asked back, never guessed."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import (
    CHEN,
    EMILY_SEEDED,
    PATEL,
    RODRIGUEZ,
    assert_written_as_said,
    at,
    booked,
    converse,
)

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM

WEEKDAYS_RULED_OUT = [
    (["Sophia Taylor, 12/5/2001. Dr. Chen the week of the 7th please. Any day except the Monday, and nothing "
      "before 2, I have lectures.", "The earliest of those.", "Yes."], "p-1007", {(CHEN, at(8, 14))}),
    (["Andrew Harris, 3/6/1961. I'd like Dr. Patel the week of the 14th, first thing in the morning, any day but "
      "the Monday or the Tuesday.", "Yes."], "p-1016", {(PATEL, at(16, 9))}),
    (["Daniel Thomas, 4/21/1979. Could I see Dr. Rodriguez the week of the 7th?",
      "Not the Monday though, and not before 10.", "The first of those.", "Yes."], "p-1008",
     {(RODRIGUEZ, at(8, 10))}),
    (["Emily Davis, 7/23/1990. Please move my Thursday appointment with Dr Patel to a morning the following week. "
      "Any day except Monday.", "Whichever's earliest.", "Yes."], "p-1003", {(PATEL, at(8, 9))}),
]  # fmt: skip

NOT_BEFORE_LETS_THAT_TIME_IN = [
    (["Andrew Harris, 3/6/1961. Anything with Dr. Chen on Wednesday the 9th? Not before 3 o'clock though.",
      "The first one, please.", "Yes."], "p-1016", {(CHEN, at(9, 15))}),
    (["Sophia Taylor, 12/5/2001. I finish work at 12, so nothing before 1, Thursday the 10th with Dr. Patel.",
      "The earliest of those.", "Yes."], "p-1007", {(PATEL, at(10, 13))}),
]  # fmt: skip

THE_DAYS_LAST_TIME = [
    (["Daniel Thomas, 4/21/1979. Is there something late afternoon with Dr. Patel on Friday the 11th? The later "
      "the better.", "The very last one she has that day, please.", "Yes."], "p-1008", {(PATEL, at(11, 16, 30))}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after"), [*WEEKDAYS_RULED_OUT, *NOT_BEFORE_LETS_THAT_TIME_IN, *THE_DAYS_LAST_TIME]
)
async def test_limits_of_set_196_are_kept(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


@pytest.mark.parametrize(
    "turns",
    [
        ["Emily Davis, 7/23/1990. I'd like Dr. Chen on Wednesday the 9th, not before 10.", "The third one, the 10:30."],
        ["Emily Davis, 7/23/1990. I'd like Dr. Chen on Wednesday the 9th, not before 10.", "The first one, the 11."],
    ],
)  # fmt: skip
async def test_a_place_and_a_time_that_disagree_are_asked_back(
    turns: list[str], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1003") == EMILY_SEEDED, transcript
    assert "which would you like" in transcript.rsplit(">", 1)[-1].lower(), transcript
