"""Families of held-out sets #203 and #205 about what the caller picks or asks for instead, in other
names, dates and wordings than the sets: "my 2:30 with Dr. X on Friday ... could we make it 11
instead?" is a move of the visit they have (never a new booking beside it); the time named
"ideally" inside a range is the one asked; a new day and two times said to the times offered are a
new request, "the earlier/later one" of those two; "none of those, can you do 2?" asks for 2 that day."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM

THEIR_VISIT_BY_ITS_TIME_MOVED = [
    (["James Wilson, 1/30/1965. My 2:30 with Dr. Chen on Friday is too late for me, could we make it 11 "
      "instead, same day?", "Yes."], "p-1004", {(CHEN, at(4, 11))}),
    (["Hi, Emily Davis, 7/23/1990. My 10 am with Dr. Patel on Thursday is a bit early. Could we make it 1:30 "
      "that afternoon instead?", "Yes."], "p-1003", {(PATEL, at(3, 13, 30))}),
]  # fmt: skip

THE_TIME_IDEALLY_IN_A_RANGE = [
    (["James Wilson, 1/30/1965. Can I move my Friday appointment with Dr Chen to Monday the 7th? Somewhere "
      "between 1 and 3, 2:30 ideally.", "Yes."], "p-1004", {(CHEN, at(7, 14, 30))}),
    (["Sophia Taylor, 12/5/2001. I'd like to see Dr. Patel on Wednesday the 9th. Anytime between 9 and 11, "
      "10:30 preferably.", "Yes."], "p-1007", {(PATEL, at(9, 10, 30))}),
]  # fmt: skip

A_NEW_REQUEST_TO_THE_TIMES_OFFERED = [
    (["Andrew Harris, 3/6/1961. I need to see Dr. Patel on Monday the 7th.", "Wednesday the 9th, 2 or 3, the "
      "later one's fine.", "Yes."], "p-1016", {(PATEL, at(9, 15))}),
    (["Charlotte Clark, 11/15/1989. Could I see Dr. Chen on Tuesday the 8th?", "Actually Thursday the 10th, "
      "11 or 2, the earlier one is fine.", "Yes."], "p-1017", {(CHEN, at(10, 11))}),
    (["Andrew Harris, 3/6/1961, need to see Dr. Patel Friday the 11th.", "None of those suit, can you do 11?",
      "Yes."], "p-1016", {(PATEL, at(11, 11))}),
    (["Sophia Taylor, 12/5/2001. Could I see Dr. Chen on Monday the 7th?", "No, none of those work. Could you "
      "do 2?", "Yes."], "p-1007", {(CHEN, at(7, 14))}),
]  # fmt: skip

ALL_FAMILIES = [
    *THEIR_VISIT_BY_ITS_TIME_MOVED,
    *THE_TIME_IDEALLY_IN_A_RANGE,
    *A_NEW_REQUEST_TO_THE_TIMES_OFFERED,
]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_what_the_caller_picks_or_asks_for_instead(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
