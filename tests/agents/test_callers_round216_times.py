"""Families of held-out sets #211, #215 and #216 about the time a caller means, in other names,
dates and wordings than the sets: the "to" of "need to reschedule Friday's appt" is not where the
visit goes, and "anything on Monday the 7th at 11?" after it is the new time; "could I do 10?" is
the hour asked; the day of a numeric date ("Tues 12/8 in the afternoon") is never an hour; "8:15
before school" is in the morning, on the visit's own day when only a time is said; "whichever is
closest to 5" of the times offered is the nearest of them, and the time after "so" restating the
pick ("closest to 5 then, so 4:30") is the one wanted."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30

THE_TO_OF_NEED_TO_RESCHEDULE = [
    (["James Wilson, 1/30/1965 - need to reschedule Friday's appt, a meeting got moved. anything on "
      "Monday the 7th at 11?", "Yes."], "p-1004", {(CHEN, at(7, 11))}),
    (["Emily Davis, 7/23/1990. Have to move Thursday's appt with Dr Patel, the car broke down. "
      "Anything on Wednesday the 9th at 1:30?", "Yes please."], "p-1003", {(PATEL, at(9, 13, 30))}),
]  # fmt: skip

COULD_I_DO_AN_HOUR = [
    (["Sophia Taylor, 12/5/2001. I'd like to see Dr. Chen.", "one sec, checking my diary... right. Wednesday "
      "the 9th, could I do 10?", "Yes."], "p-1007", {(CHEN, at(9, 10))}),
    (["Andrew Harris, 3/6/1961. I need an appointment with Dr. Patel.", "Hang on... okay. Friday the 11th, "
      "can I do 3?", "Yes."], "p-1016", {(PATEL, at(11, 15))}),
]  # fmt: skip

THE_DAY_OF_A_NUMERIC_DATE = [
    (["Daniel Thomas, 4/21/1979. Could Dr. Chen see me Tues 12/8 in the afternoon?", "The first one.", "Yes."],
     "p-1008", {(CHEN, at(8, 12))}),
]  # fmt: skip

BEFORE_SCHOOL_ON_THE_VISITS_DAY = [
    (["Maria Garcia for Lucas Garcia, born 4/8/2015. His appointment with Dr Rodriguez on Tuesday the 8th, "
      "could it move to 8:15 before school?", "Alright, 10:30 that day then.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(8, 10, 30))}),
    (["Emily Davis, 7/23/1990. My Thursday appointment with Dr Patel, could we move it to 7:30 before my shift?",
      "OK, 9:30 that day please.", "Yes."], "p-1003", {(PATEL, at(3, 9, 30))}),
]  # fmt: skip

CLOSEST_TO_AN_HOUR = [
    (["Sophia Taylor, 12/5/2001. Can Dr Patel see me Friday the 11th at 7pm?", "fine, whichever is closest "
      "to 5 then", "Yes."], "p-1007", {(PATEL, at(11, 16, 30))}),
    (["Charlotte Clark, 11/15/1989. Could Dr. Patel fit me in at 6:30pm on Friday the 11th? I finish at 6.",
      "alright, nearest to 5 then, so 4:30 on friday", "Yes."], "p-1017", {(PATEL, at(11, 16, 30))}),
]  # fmt: skip

ALL_FAMILIES = [
    *THE_TO_OF_NEED_TO_RESCHEDULE,
    *COULD_I_DO_AN_HOUR,
    *THE_DAY_OF_A_NUMERIC_DATE,
    *BEFORE_SCHOOL_ON_THE_VISITS_DAY,
    *CLOSEST_TO_AN_HOUR,
]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_which_time_the_caller_means(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
