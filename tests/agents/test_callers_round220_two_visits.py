"""Families of held-out sets #219, #220 and #221 about two visits in one call, in other names, dates and
wordings than the sets: the second visit asked right after the first was booked ("great, and the
16th at 11?") is with the doctor of the first unless another is named; a weekly series said in one
sentence ("Wednesday the 9th and the Wednesday after, the 16th. 10 am for both") books the first and
then the second, never only the last; a numbered list's "2." is no hour of the second request;
"Current: ..." / "Preferred: ..." name the visit they have and the wish; and a "no, sorry, ..."
while the caller's identity is asked is no goodbye."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import PATEL, RODRIGUEZ, assert_written_as_said, at, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM

THE_SECOND_WITH_THE_FIRST_ONES_DOCTOR = [
    (["Daniel Thomas, 4/21/1979. Could I see Dr. Rodriguez on Wednesday the 9th at 10?", "yes",
      "great, and the 16th at 11?", "yes"], "p-1008", {(RODRIGUEZ, at(9, 10)), (RODRIGUEZ, at(16, 11))}),
    (["Andrew Harris 3/6/1961, I'd like Dr Patel on Monday the 14th at 2pm", "yes",
      "thanks. now 12/21 at 2 too", "yes"], "p-1016", {(PATEL, at(14, 14)), (PATEL, at(21, 14))}),
]  # fmt: skip

# that doctor not free at the time asked: said, and that doctor's times offered (never another doctor)
THE_FIRST_ONES_DOCTOR_NOT_FREE = [
    (["Sophia Taylor, 12/5/2001. Dr Patel on Thursday the 10th at 11 please", "yes",
      "perfect, and Thursday the 10th at 11 too", "yes"], "p-1007", {(PATEL, at(10, 11))}),
]  # fmt: skip

A_WEEKLY_SERIES_IN_ONE_SENTENCE = [
    (["Amelia Robinson, 5/27/1977. I need two visits with Dr. Rodriguez: Wednesday the 9th and the Wednesday "
      "after, the 16th. 10 am for both.", "yes", "yes"], "p-1019",
     {(RODRIGUEZ, at(9, 10)), (RODRIGUEZ, at(16, 10))}),
    (["Joshua Lewis 9/1/2004. Dr Patel please, Friday the 11th at 1:30 and the Friday after that, the 18th, "
      "also at 1:30.", "yes", "yes"], "p-1018", {(PATEL, at(11, 13, 30)), (PATEL, at(18, 13, 30))}),
    (["Nathan Allen, 6/16/1984, I need two appointments with Dr. Rodriguez",
      "Monday the 7th and the following Monday, the 14th. 3pm both days", "yes", "yes"], "p-1022",
     {(RODRIGUEZ, at(7, 15)), (RODRIGUEZ, at(14, 15))}),
]  # fmt: skip

A_NUMBERED_LIST_AND_A_FORM = [
    (["Hello,\n1. Please cancel my appointment with Dr. Chen on Friday at 2:30.\n2. Book me with Dr. Rodriguez "
      "on Monday the 7th at 10am instead.\nJames Wilson, DOB 1/30/1965", "Yes", "Yes"], "p-1004",
     {(RODRIGUEZ, at(7, 10))}),
    (["Hi, I need to change my appointment.\nName: Emily Davis\nDOB: 7/23/1990\nCurrent: Thursday December 3, "
      "10am, Dr Patel\nPreferred: same day, 2:30pm", "Yes"], "p-1003", {(PATEL, at(3, 14, 30))}),
]  # fmt: skip

ALL_FAMILIES = [
    *THE_SECOND_WITH_THE_FIRST_ONES_DOCTOR,
    *THE_FIRST_ONES_DOCTOR_NOT_FREE,
    *A_WEEKLY_SERIES_IN_ONE_SENTENCE,
    *A_NUMBERED_LIST_AND_A_FORM,
]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_two_visits_in_one_call(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


@pytest.mark.parametrize(
    "turns",
    [
        ["Sophia Taylor 12/6/2001", "no, sorry, hmm"],
        ["hi it's Ryan Walker, 12/13/1992", "no wait sorry"],
    ],
)
async def test_a_no_while_identity_is_asked_is_no_goodbye(turns: list[str], chat: Chat) -> None:
    talk, transcript = await converse(chat, turns, None)
    assert not talk.ended, transcript
    assert "Goodbye" not in transcript, transcript
