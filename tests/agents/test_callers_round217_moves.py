"""Families of held-out sets #208, #217 and #218 in other names, dates and wordings: a visit the
caller (or their child) has, named by its doctor or day ("I have one with Dr. X on Friday", "his visit
on Tuesday the 8th with Dr. X"), then another day or time wished without "book", "new", "another",
"also" or "second", is a move of that visit, never a second booking beside it. Where it is unclear
("I've got one with Dr. X Thursday. Could I get 3:30?") the caller is asked whether to move it or book
another, and the answer is done. "I need to see somebody" is a booking request."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia (Maria's son) Dr Rodriguez on Tuesday 8th at
# 9:30; Sophia Taylor has none

THEIR_VISIT_PLACED_THEN_ANOTHER_TIME = [
    (["James Wilson, 1/30/1965. I have one with Dr Chen on Friday afternoon and need it earlier, 11am Friday?",
      "Yes."], "p-1004", {(CHEN, at(4, 11))}),
    (["lucas garcia, 4/8/2015, I'm his mother", "his visit on Tuesday the 8th with Dr Rodriguez, we would "
      "prefer Wednesday the 9th at 11 am", "Yes."], "p-1013", {(RODRIGUEZ, at(9, 11))}),
    (["Emily Davis 7/23/1990. My check-up on Thursday with Dr Patel, we'd like Friday the 4th at 2pm.", "Yes."],
     "p-1003", {(PATEL, at(4, 14))}),
]  # fmt: skip

MOVE_OR_ANOTHER_ASKED = [
    (["Emily Davis, 7/23/1990. I've got one with Dr Patel Thursday. Could I get 3:30?", "move it please",
      "Yes."], "p-1003", {(PATEL, at(3, 15, 30))}),
    (["Emily Davis, 7/23/1990. I've got one with Dr Patel Thursday. Could I get 3:30?", "another one, keep both",
      "Yes."], "p-1003", {(PATEL, at(3, 10)), (PATEL, at(3, 15, 30))}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after"),
    [*THEIR_VISIT_PLACED_THEN_ANOTHER_TIME, *MOVE_OR_ANOTHER_ASKED],
)
async def test_written_as_said(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


@pytest.mark.parametrize("wish", ["I need to see somebody", "i'd like to see someone please"])
async def test_seeing_someone_is_a_booking(wish: str, chat: Chat, demo: DemoConnector) -> None:
    talk, transcript = await converse(chat, ["Sophia Taylor, 12/5/2001", wish], None)
    last = transcript.rsplit("\n", 1)[-1]
    assert "didn't understand" not in last, transcript
    assert "doctor" in last.lower(), transcript
    assert await booked(demo, "p-1007") == set(), transcript
    assert talk.handoff is None, transcript
