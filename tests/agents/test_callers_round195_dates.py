"""Days and times of held-out sets #195-#202 in other names, dates and wordings than the sets: a date or
a month told in the caller's story beside the day asked ("my job starts on the 28th ... could I see Dr.
Chen on Wednesday, December 9th"), the n-th weekday of a month ("the second Tuesday in January, the
12th"), the caller's own day leading to the time asked ("busy until half past one, so 2:30"), a terse
hour ("Chen. Monday. 2."), and a weekday said after the caller named the days or the week ("the Tuesday
one", "any day that same week ... the Wednesday")."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at


def in_january(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=NOW.tzinfo)


# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30

# a date or a month told in the story is not the day asked for
STORY_DATES = [
    (["Sophia Taylor, 12/5/2001. My new job starts on the 28th and I'd like a check-up before then. Could "
      "Dr. Chen see me on Wednesday, December 9th at 2?", "Yes."], "p-1007", {(CHEN, at(9, 14))}, None),
    (["Daniel Thomas, 4/21/1979. My daughter is graduating in January, and there's a long flight, so I want a "
      "check-up first. Could I see Dr. Patel Thursday December 10 at 11?", "Yes."], "p-1008",
     {(PATEL, at(10, 11))}, None),
    (["Andrew Harris, 3/6/1961. Dr. Chen checked my blood pressure back in November and said to come back after "
      "a while. Could I have Monday December 14th at 9:30 with him?", "Yes."], "p-1016",
     {(CHEN, at(14, 9, 30))}, None),
    (["Olivia Martinez, 5/9/1998. My sister is getting married in Lisbon at the end of January. Before that I'd "
      "like a check-up with Dr. Patel. Would Friday, December 11 at 10 work?", "Yes."], "p-1005",
     {(PATEL, at(11, 10))}, None),
    # a change of mind with the story in it: the day said last
    (["Daniel Thomas, 4/21/1979. I'd like Dr Patel on Thursday the 10th, no, sorry, I've got a meeting that day, "
      "Friday the 11th, at 3.", "Yes."], "p-1008", {(PATEL, at(11, 15))}, None),
    # a month alone in the story, a weekday asked: that weekday from today
    (["Ava Hernandez, 8/11/1993. I'm off to Peru in the middle of January. Could Dr. Chen see me Friday at 3?",
      "Yes."], "p-1009", {(CHEN, at(4, 15))}, None),
]  # fmt: skip

# the n-th weekday of a month, its date said again
NTH_WEEKDAY_OF_A_MONTH = [
    (["Daniel Thomas, 4/21/1979. I'd like Dr. Chen on the second Tuesday in January, the 12th, at 10.", "Yes."],
     "p-1008", {(CHEN, in_january(12, 10))}, None),
    (["Sophia Taylor, 12/5/2001. The third Monday of this month at 11 with Dr. Patel, please.", "Yes."],
     "p-1007", {(PATEL, at(21, 11))}, None),
    (["Andrew Harris, 3/6/1961. Could I see Dr. Patel the first Wednesday of January, that's the 6th, at 2 pm?",
      "Yes."], "p-1016", {(PATEL, in_january(6, 14))}, None),
]  # fmt: skip

# the caller's own day leading to the time asked; a terse hour is in the afternoon
THE_TIME_ASKED = [
    (["Daniel Thomas, 4/21/1979. I'm free on Monday the 7th, but I'm busy with clients until half past one, so "
      "could Dr. Patel see me at 2:30?", "Yes."], "p-1008", {(PATEL, at(7, 14, 30))}, None),
    (["Ryan Walker 12/12/92. Chen. Monday. 2.", "Yes."], "p-1020", {(CHEN, at(7, 14))}, None),
    (["Olivia Martinez 5/9/98. Patel. Wednesday the 9th. 4.", "Yes."], "p-1005", {(PATEL, at(9, 16))}, None),
]  # fmt: skip

# a weekday said after the caller named the days or the week is a day of them
THE_WEEK_NAMED = [
    (["Sophia Taylor, 12/5/2001. Can I see Dr Patel on Monday the 14th or Tuesday the 15th, sometime after 1?",
      "The Tuesday one at 2:30, please.", "Yes."], "p-1007", {(PATEL, at(15, 14, 30))}, None),
    (["James Wilson, 1/30/1965. I have Dr Chen on Friday the 4th at 2:30. Could you move it to an afternoon, any "
      "day that same week?", "Let's do the Wednesday, at 3:30.", "Yes."], "p-1004", {(CHEN, at(2, 15, 30))},
     None),
    (["Emily Davis, 7/23/1990. My check-up with Dr Patel is Thursday the 3rd in the morning. Could it be later "
      "that same day? The latest she has.", "Yes."], "p-1003", {(PATEL, at(3, 16, 30))}, None),
]  # fmt: skip

ALL_FAMILIES = [*STORY_DATES, *NTH_WEEKDAY_OF_A_MONTH, *THE_TIME_ASKED, *THE_WEEK_NAMED]


@pytest.mark.parametrize(("turns", "person", "after", "phone"), ALL_FAMILIES)
async def test_days_and_times_of_sets_195_to_202(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)
