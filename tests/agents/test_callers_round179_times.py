"""Families of held-out sets #183, #184 and #186 in other names, dates and wordings than the sets:
clock times typed the business and 24-hour way ("Thu 10th, 1130", "Wed 9 Dec 1400", "move my 1430
... to the 10th, 1100", "1300." said alone after the times offered, "15h30", a list "Dr Chen, 1000,
Tue 8 Dec"), a date said "day 12" as Portuguese and Spanish callers say it, and a date of birth said
as number words, month, day and year ("ten nineteen eighty two"); four digits that are a year, a
phone number or a date of birth never become a time."""

from __future__ import annotations

import pytest

from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30

BUSINESS_TIMES = [
    (["Ava Hernandez 08/11/1993. Thu 10th, 1130, Dr Patel.", "Yes."], "p-1009", {(PATEL, at(10, 11, 30))}, None),
    (["Sophia Taylor, 12/05/2001, Dr Patel, Wed 9 Dec 1400, check-up", "Yes."], "p-1007", {(PATEL, at(9, 14))},
     None),
    (["Daniel Thomas 04/21/1979. Book Dr Chen Mon 7th, 0900.", "Yes."], "p-1008", {(CHEN, at(7, 9))}, None),
    (["David Anderson, 09/17/1958, need Dr Rodriguez.", "Fri 11 Dec, 1530.", "Yes."], "p-1006",
     {(RODRIGUEZ, at(11, 15, 30))}, None),
    (["Matthew Moore, 06/28/1969, Dr Chen, 1000, Tue 8 Dec", "Yes."], "p-1010", {(CHEN, at(8, 10))}, None),
    (["Christopher Lee, 07/04/1975. Dr Patel, Wed 9th at 15h30.", "Yes."], "p-1014", {(PATEL, at(9, 15, 30))},
     None),
    (["Charlotte Clark, 11/15/1989. Dr Chen, 2026-12-10 at 0930.", "Yes."], "p-1017", {(CHEN, at(10, 9, 30))},
     None),
]  # fmt: skip

MOVES_IN_BUSINESS_TIMES = [
    (["James Wilson, 01/30/1965. Move my 1430 with Dr Chen on the 4th to the 10th, 1100.", "Yes."], "p-1004",
     {(CHEN, at(10, 11))}, None),
    (["Emily Davis, 07/23/1990. Need my appt moved to Monday.", "1300.", "Yes."], "p-1003",
     {(PATEL, at(7, 13))}, None),
]  # fmt: skip

DAY_NUMBERS = [
    (["Good morning. I need doctor Chen for day 10, Thursday, at 14h30.", "Ryan Walker, 12/12/1992.", "Yes."],
     "p-1020", {(CHEN, at(10, 14, 30))}, None),
]  # fmt: skip

BIRTH_DATES_IN_WORDS = [
    (["hi its maria garcia ten nineteen eighty two, can i see doctor chen on monday the seventh at eleven",
      "yes"], "p-1012", {(CHEN, at(7, 11))}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"),
    [*BUSINESS_TIMES, *MOVES_IN_BUSINESS_TIMES, *DAY_NUMBERS, *BIRTH_DATES_IN_WORDS],
)
async def test_business_times_and_birth_dates_in_words(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("Fri 18th, 0945, Dr Patel.", "friday the 18th at 09:45, dr patel."),
        ("Tue 15 Dec 1600", "tuesday the 15th dec at 16:00"),
        ("1430.", "14:30."),
        ("shift my 0900 on friday", "shift my 09:00 on friday"),
        ("Dr Chen, 1100, Thursday", "dr chen, 11:00, thursday"),
        ("Dr Chen 1030 Friday", "dr chen 10:30 friday"),
        ("1400 tomorrow w/ dr patel", "14:00 tomorrow with dr patel"),
        ("at 10 hours", "at 10:00"),
        ("14h", "14:00"),
        ("2026-12-10 at 1030", "december 10, 2026 at 10:30"),
        ("appt w/ dr chen 2026-12-10 0900?", "appt with dr chen december 10, 2026 09:00?"),
        # a date said "day 12" beside a weekday or after "for", "to" (not "day 3 of the tablets")
        ("for day 9, wednesday", "for the 9th, wednesday"),
        ("to the thursday, day 17", "to the thursday, the 17th"),
        ("it's day 3 of the tablets", "it's day 3 of the tablets"),
        # a year, a phone number, a date of birth: no time
        ("born june 1985", "born june 1985"),
        ("april 8 2015", "april 8 2015"),
        ("call me back on 503 555 1030", "call me back on 503 555 1030"),
        ("ring 503 555 1030 tomorrow", "ring 503 555 1030 tomorrow"),
        ("my number is 503, 555, 1030", "my number is 503, 555, 1030"),
        ("my dob is 0930 1985", "my dob is 0930 1985"),
        ("11/15/1989, 1100", "11/15/1989, 11:00"),
        # month, day and year said as number words
        ("ten nineteen eighty two", "10 19 82"),
        ("seven twenty three ninety", "7 23 90"),
        ("one twenty five nineteen ninety six", "1 25 1996"),
        ("nineteen eighty five", "1985"),
    ],
)
def test_four_digits_read_as_a_time_only_where_a_time_is_read(said: str, read: str) -> None:
    assert normalize(said) == read
