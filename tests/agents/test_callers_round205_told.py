"""Families of held-out sets #203, #205 and #206 in other names, dates and wordings than the sets:
a date said with its year ("Monday January 4th 2027"), a month abbreviation and its day before the
time ("wed dec 9, 10:30": the 9th, not 9 o'clock), and the caller's own time on a day before "so"
("I finish at half past one on Thursday the 10th, so 2:30 that day", "he's out at 2:45, so 4pm")."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00


def next_year(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=NOW.tzinfo)


A_DATE_WITH_ITS_YEAR = [
    (["Sophia Taylor, 12/5/2001. Could I get Dr Patel on Monday January 4th 2027 at 11am?", "Yes."], "p-1007",
     {(PATEL, next_year(1, 4, 11))}, None),
    (["Daniel Thomas, 4/21/1979. Dr Chen please, the 5th of January, 2027, at 2:30pm.", "Yes."], "p-1008",
     {(CHEN, next_year(1, 5, 14, 30))}, None),
    (["Andrew Harris, 3/6/1961. I'd like Dr Patel on Wednesday December 9th, 2026 at 10am.", "Yes."], "p-1016",
     {(PATEL, at(9, 10))}, None),
]  # fmt: skip

A_MONTH_ABBREVIATION_AND_ITS_DAY = [
    (["Sophia Taylor, 12/5/2001.", "dr chen, wed dec 9, 10:30", "yes"], "p-1007", {(CHEN, at(9, 10, 30))}, None),
    (["Daniel Thomas, 4/21/1979. Patel, thursday dec 10, 11:30 pls", "yes"], "p-1008", {(PATEL, at(10, 11, 30))},
     None),
]  # fmt: skip

THE_CALLERS_OWN_TIME_BEFORE_SO = [
    (["Sophia Taylor, 12/5/2001. I finish at half past one on Thursday the 10th, so Dr Patel at 2:30 that day "
      "would be perfect.", "Yes."], "p-1007", {(PATEL, at(10, 14, 30))}, None),
    (["Daniel Thomas, 4/21/1979. I'm done at 11 on Wednesday the 9th, so could Dr Chen see me at noon the same "
      "day?", "Yes."], "p-1008", {(CHEN, at(9, 12))}, None),
    (["Andrew Harris, 3/6/1961. I'm out at 2:45, so 4pm on Friday the 11th with Dr Rodriguez?", "Yes."], "p-1016",
     {(RODRIGUEZ, at(11, 16))}, None),
    (["Sophia Taylor, 12/5/2001. I'm free at 1 on Monday the 7th, so Dr Chen at 2?", "Yes."], "p-1007",
     {(CHEN, at(7, 14))}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"),
    [*A_DATE_WITH_ITS_YEAR, *A_MONTH_ABBREVIATION_AND_ITS_DAY, *THE_CALLERS_OWN_TIME_BEFORE_SO],
)
async def test_days_and_times_read_from_the_words_that_ask(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)
