"""Identity families of held-out sets #195-#202 in other names, dates and wordings than the sets: a
date of birth typed as six digits, month, day and two-digit year ("Olivia Martinez. 050998"); a name
and a date of birth inside a long story (a "then" that is a time already said, "before then", is no
second request; a name written as a sentence of its own beats small talk read as one, "funny story");
a parent's date of birth, then the child's said with "his birthday's"; and a relative who says who
they are to the patient is thanked without the patient's name."""

from __future__ import annotations

from datetime import date

import pytest

from agents.offline.birthdates import find_dob
from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"
LUCAS_SEEDED = (RODRIGUEZ, at(8, 9, 30))

SIX_DIGITS = [
    (["Olivia Martinez. 050998. Patel, Wed 9th, 9am.", "yes"], "p-1005", {(PATEL, at(9, 9))}, None),
    (["Dr. Chen, Monday the 7th at 2.", "Sarah Johnson 031485", "yes"], "p-1001", {(CHEN, at(7, 14))}, None),
    (["Cancel my Friday appointment with Dr. Chen please.", "James Wilson. 013065", "yes"], "p-1004", set(), None),
    (["Andrew Harris 030661 - need Dr Patel, Thursday 10th, 11am.", "yes"], "p-1016", {(PATEL, at(10, 11))},
     None),
    (["cancel my son's appt, Tue 8th. Lucas Garcia 040815", "yes"], "p-1013", set(), MARIA),
]  # fmt: skip

IN_A_LONG_STORY = [
    (["Morning. I'm off travelling for work at the end of the month, so I'd like a check-up before then or it "
      "won't happen till spring. My manager's been on at me about it. Name's Isabella Jackson, born February 3, "
      "1987. Dr. Patel, Wednesday December 9th, 11 in the morning, if she's free.",
      "yes"], "p-1011", {(PATEL, at(9, 11))}, None),
    (["Okay so, crazy week, I was born on August 20th, 1968, and my kids threw me a surprise party where I "
      "twisted my ankle dancing. It's still a bit swollen. Harper Young. My husband says get it checked. Could "
      "Dr. Patel see me Wednesday the 9th at 2 pm?", "yes"], "p-1021", {(PATEL, at(9, 14))}, None),
]  # fmt: skip

PARENT_THEN_CHILD = [
    (["Hello, it's Maria Garcia, born 10/19/1982, phoning to book my son Lucas Garcia in with Dr Rodriguez. His "
      "birthday's the 8th of April 2015. Wednesday the 9th at 3:30 if possible.", "yes"], "p-1013",
     {LUCAS_SEEDED, (RODRIGUEZ, at(9, 15, 30))}, MARIA),
    (["Hi, Maria Garcia, October 19th 1982, I need to book Lucas Garcia with Dr Rodriguez - his DOB's April 8, "
      "2015. Thursday the 10th at 2pm please.", "yes"], "p-1013", {LUCAS_SEEDED, (RODRIGUEZ, at(10, 14))}, MARIA),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"), SIX_DIGITS + IN_A_LONG_STORY + PARENT_THEN_CHILD
)
async def test_identity_families_of_sets_195_to_202(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    ("said", "today", "born"),
    [
        ("sarah johnson. 031485", date(2026, 12, 1), date(1985, 3, 14)),
        ("lucas garcia 040815", date(2059, 10, 8), date(2015, 4, 8)),  # the most recent past century
        ("james wilson 013065", date(2059, 10, 8), date(1965, 1, 30)),  # not 2065
        ("101059", date(2059, 10, 8), date(1959, 10, 10)),  # 2059-10-10 is still to come
        ("6/16/59", date(2059, 10, 8), date(2059, 6, 16)),
        ("chen at 0930 please", date(2026, 12, 1), None),  # a time
        ("call me back on 5035550101", date(2026, 12, 1), None),  # a phone number
        ("my number is 503-555-0101", date(2026, 12, 1), None),
        ("my member id is 051290", date(2026, 12, 1), None),  # named as something else
        ("123456", date(2026, 12, 1), None),  # no month 12 day 34
    ],
)
def test_six_digits_are_a_date_of_birth_only_standing_alone(
    said: str, today: date, born: date | None
) -> None:
    assert find_dob(normalize(said), today)[0] == born


@pytest.mark.parametrize(
    "first",
    [
        "Hi, I'm James Wilson's wife. He'd like to see Dr. Chen on Monday the 7th. James Wilson, born January "
        "30th, 1965.",
        "Hello, this is his daughter calling. James Wilson, date of birth 1/30/1965. He wants to know if Dr. Chen "
        "has anything on Wednesday the 9th.",
    ],
)
async def test_a_relative_who_says_so_is_not_thanked_by_the_patients_name(
    first: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [first], None)
    assert "Thank you, James" not in transcript, transcript
    assert "Thank you." in transcript, transcript


async def test_the_patient_introducing_himself_is_thanked_by_name(chat: Chat) -> None:
    reply = await chat.say(
        "Hi, I'm James Wilson, born January 30th, 1965. I'd like to see Dr. Chen on Monday the 7th."
    )
    assert "Thank you, James." in reply, reply
