"""Families of held-out sets #209, #211, #212 and #213 about a visit the caller has, wished at another
time without the word "move", in other dates and wordings than the sets: "I'm booked in Friday
afternoon with Dr. X and I'd rather come earlier", "I'm seeing her this Thursday but I'd like to go
later", "I have the follow-up with Dr. X on Friday at 2:30" then "could it be 10 that morning",
"his appointment on Tuesday with Dr. X - anything the week after?" are moves of that visit (never a
second booking beside it); "let me check my diary ... Wednesday, could I do 10:30?" picks a time, it
asks nothing about the caller's appointments."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia (Maria's son) Dr Rodriguez on Tuesday 8th at 9:30

THEIR_VISIT_WISHED_EARLIER_OR_LATER = [
    (["James Wilson, 1/30/1965. I'm booked in this Friday afternoon with Dr. Chen and I'd rather come a bit "
      "earlier, 11 in the morning on Friday if possible.", "Yes."], "p-1004", {(CHEN, at(4, 11))}),
    (["Emily Davis, 7/23/1990. Does Dr. Patel work on Thursdays?", "Good, I'm seeing her this Thursday but "
      "I'd like to go later, 2:30 in the afternoon on Thursday if she's free.", "Yes."], "p-1003",
     {(PATEL, at(3, 14, 30))}),
    (["Emily Davis 7/23/1990. We're booked in Thursday morning with Dr. Patel but we'd prefer it a little later, 3pm "
      "that day.", "Yes."], "p-1003", {(PATEL, at(3, 15))}),
]  # fmt: skip

THEIR_VISIT_TOLD_THEN_ANOTHER_TIME = [
    (["this is james wilson, 1/30/1965, i have the follow-up with doctor chen on friday the 4th at 2:30",
      "could it be the morning same day at 10 o'clock", "Yes."], "p-1004", {(CHEN, at(4, 10))}),
]  # fmt: skip

FREE_TIMES_FROM_THEIR_VISIT = [
    (["Maria Garcia calling for my son Lucas Garcia, 4/8/2015. His appointment on Tuesday the 8th with Dr. "
      "Rodriguez - anything the week after?", "Tuesday the 15th at 2pm.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(15, 14))}),
    (["Emily Davis, 7/23/1990. My appointment on Thursday with Dr. Patel - what's available the day after?",
      "11am on Friday the 4th.", "Yes."], "p-1003", {(PATEL, at(4, 11))}),
]  # fmt: skip

THEIR_OWN_DIARY_CHECKED = [
    (["I'd like to book with Dr. Chen please", "Sophia Taylor, 12/5/2001", "one moment, let me check my "
      "diary... right. Wednesday the 9th, could I do 10:30?", "Yes."], "p-1007", {(CHEN, at(9, 10, 30))}),
]  # fmt: skip

ALL_FAMILIES = [
    *THEIR_VISIT_WISHED_EARLIER_OR_LATER,
    *THEIR_VISIT_TOLD_THEN_ANOTHER_TIME,
    *FREE_TIMES_FROM_THEIR_VISIT,
    *THEIR_OWN_DIARY_CHECKED,
]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_a_visit_they_have_at_another_time(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
