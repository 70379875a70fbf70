"""Families of held-out sets #137-#141 in other names, dates and wordings than the sets: a week
named first and its day in the next sentence ("the week after next? Wednesday works best"), "an
appointment ... that she can't make" then "the following week, same time" to the cancellation read
back, small talk before the name ("Haha, lovely. So ..."), an aside with the new day in the same
turn ("parking, by the way? Anyway, Monday the 7th at 3"), "Lucas's appointment ... He's my son",
and "Now for me: ..." after a relative's visit was moved."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

SETS_137_TO_141 = [
    (["James Wilson, 1/30/1965. My Friday appointment with Dr. Chen, could it go to the week after next? "
      "Wednesday works best, same time.", "yes"], "p-1004", {(CHEN, at(16, 14, 30))}, "+15035550104"),
    (["Hi, my wife Emily has an appointment with Dr. Patel on Thursday that she can't make.",
      "Emily Davis, July 23rd 1990.", "The following week, same time, please.", "yes"], "p-1003",
     {(PATEL, at(10, 10))}, "+15035550103"),
    (["Hi there, how are you today?", "Haha, lovely. So I'd like to book a check-up with Dr. Chen. Olivia "
      "Martinez, May 9th, 1998.", "Friday the 4th at 11 AM?", "Yep."], "p-1005", {(CHEN, at(4, 11))},
     "+15035550105"),
    (["Emily Davis, July 23rd 1990. I need to move my Thursday appointment with Dr. Patel.", "Do you have a "
      "parking garage, by the way? Anyway, Monday the 7th at 3 PM would be great.", "Yes."], "p-1003",
     {(PATEL, at(7, 15))}, "+15035550103"),
    (["Hello, Maria Garcia, October 19th 1982. I need to cancel Lucas's appointment next Tuesday. He's my "
      "son, his birthday is April 8th, 2015.", "Yes."], "p-1013", set(), MARIA),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_137_TO_141)
async def test_set_137_to_141_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_the_callers_own_visit_after_a_relatives_move_is_booked_for_the_caller(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Maria Garcia, 10/19/1982. I need to move my son Lucas's appointment with Dr. Rodriguez.",
        "Lucas Garcia, April 8th 2015. Could it be Wednesday the 9th at 2?",
        "Yes.",
        "Now for me: Dr. Chen on Friday the 11th at 10 AM, please.",
        "Yes.",
    ]
    _talk, transcript = await converse(chat, turns, MARIA)
    assert await booked(demo, "p-1013") == {(RODRIGUEZ, at(9, 14))}, transcript
    assert await booked(demo, "p-1012") == {(CHEN, at(11, 10))}, transcript


@pytest.mark.parametrize(
    "first",
    [
        "Hi, Maria Garcia, 10/19/1982. Two things: I need to move my son Lucas's appointment with Dr. Rodriguez, "
        "and I'd like to book myself in with Dr. Patel as well.",
        "Maria Garcia, born October 19th 1982. Could you move my son's appointment, and book me with Dr. Patel "
        "too?",
    ],
)
async def test_the_callers_own_request_said_after_a_relatives_is_served_next(
    first: str, chat: Chat, demo: DemoConnector
) -> None:
    turns = [first, "Lucas Garcia, April 8th 2015. Wednesday the 9th at 2, please.", "Yes.",
             "Friday the 11th at 10 AM.", "Yes."]  # fmt: skip
    _talk, transcript = await converse(chat, turns, MARIA)
    assert "Now for yours." in transcript, transcript
    assert await booked(demo, "p-1013") == {(RODRIGUEZ, at(9, 14))}, transcript
    assert await booked(demo, "p-1012") == {(PATEL, at(11, 10))}, transcript
