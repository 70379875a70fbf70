"""Families of held-out sets #209 and #211 about who the caller is, in other names, dates and
wordings than the sets: a date of birth said digit by digit with a two-digit year ("one one one five
eighty nine" is 11/15/1989, "oh eight two oh sixty eight" 8/20/1968) identifies the caller; a name
spelled out to the question for the date of birth goes with the date said in the next turn; a parent
who names herself and then the child she is calling for, with the child's date of birth, has the
child checked."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Lucas Garcia sees Dr Rodriguez on Tuesday 8th at 9:30

NOT_ON_FILE = "+15035550199"  # a number nobody on file calls from: the name is needed with the date

MONTH_AND_DAY_DIGIT_BY_DIGIT = [
    (["Hello, Charlotte Clark here, date of birth one one one five eighty nine. I need Dr. Chen on Monday "
      "the 7th at 11.", "Yes."], "p-1017", {(CHEN, at(7, 11))}),
    (["hi this is ryan walker my birthday is one two one two ninety two and i'd like to see doctor patel "
      "wednesday the ninth at two", "yes please"], "p-1020", {(PATEL, at(9, 14))}),
    (["I'd like an appointment with Dr. Chen on Thursday the 10th at 9.", "Harper Young, oh eight two oh "
      "sixty eight.", "Yes."], "p-1021", {(CHEN, at(10, 9))}),
    (["sophia taylor, born one two oh five oh one. book me with dr patel monday the 7th at 3 please",
      "yes"], "p-1007", {(PATEL, at(7, 15))}),
]  # fmt: skip

NAME_SPELLED_THEN_THE_DATE = [
    (["I'd like to book with Dr. Patel.", "Mia White, W H I T E.", "January 25th 1996.",
      "Wednesday the 9th at 2.", "Yes."], "p-1015", {(PATEL, at(9, 14))}),
]  # fmt: skip

THE_CHILD_NAMED_FOR = [
    (["Maria Garcia here, phoning about Lucas. Lucas Garcia, 4/8/2015. Please cancel his appointment on "
      "Tuesday the 8th.", "Yes."], "p-1013", set()),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), MONTH_AND_DAY_DIGIT_BY_DIGIT + THE_CHILD_NAMED_FOR)
async def test_who_the_caller_is(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


@pytest.mark.parametrize(("turns", "person", "after"), NAME_SPELLED_THEN_THE_DATE)
async def test_a_name_spelled_then_the_date_on_a_call(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, NOT_ON_FILE)
