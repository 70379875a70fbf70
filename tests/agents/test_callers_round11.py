"""Round 11: the dates beside a date of birth given when asked for one are identity material, not
a day to book (a garbled phone answer "my name is october, may 9, 2017, november 28"), unless the
caller plainly asks for a day; "Would another day work for you?" answered yes asks which day, no
declines."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, JAMES_SEEDED, PATEL, at, booked, converse

OLIVIA_PHONE = "+15035550105"


@pytest.mark.parametrize(
    ("turns", "phone"),
    [
        (["I'd like to book with Dr Chen", "Olivia Martinez", "My name is October, May 9, 1998, November 28."], None),
        (["I need an appointment with Dr Patel please", "Andrew Harris", "march 6 1961 december 19"], None),
        (["Book me with Dr Chen", "Mia White", "uh January 25th, 1996, the 30th of December."], None),
        (["Could I see Dr Patel?", "May 9th 1998, June 2nd"], OLIVIA_PHONE),
    ],
)  # fmt: skip
async def test_other_dates_in_an_answer_to_the_date_of_birth_question_are_no_wanted_day(
    turns: list[str], phone: str | None, chat: Chat
) -> None:
    _, transcript = await converse(chat, turns, phone)
    last = transcript.rsplit("\n", 1)[-1]
    assert "free times" not in last and "Which would you like?" in last, transcript
    for month in ("November", "December 19", "December 30", "June"):
        assert month not in last, transcript


@pytest.mark.parametrize(
    ("turns", "phone", "person", "now_booked"),
    [
        (["I'd like to book with Dr Chen", "Olivia Martinez", "May 9 1998, and can it be Friday at 10 instead"],
         None, "p-1005", {(CHEN, at(4, 10))}),
        (["Could I see Dr Patel?", "May 9th 1998. Could it be on December 11 at 2?"],
         OLIVIA_PHONE, "p-1005", {(PATEL, at(11, 14))}),
        (["Book me with Dr Chen please", "Andrew Harris", "3/6/1961, tomorrow at 3 pm if you can"],
         None, "p-1016", {(CHEN, at(2, 15))}),
    ],
)  # fmt: skip
async def test_a_day_plainly_asked_for_beside_the_date_of_birth_is_read(
    turns: list[str], phone: str | None, person: str, now_booked: set[tuple[str, datetime]], chat: Chat,
    demo: DemoConnector,
) -> None:  # fmt: skip
    talk, transcript = await converse(chat, turns, phone)
    await talk.say("yes")
    assert await booked(demo, person) == now_booked, transcript


@pytest.mark.parametrize(
    ("turns", "person", "now_booked"),
    [
        (["Olivia Martinez, born May 9 1998. Could Dr Chen see me Sunday at 10?", "yes", "Friday then", "yes"],
         "p-1005", {(CHEN, at(4, 10))}),
        (["Mia White, 1/25/1996. Dr Patel on Saturday morning please", "sure", "how about monday at 11", "yep"],
         "p-1015", {(PATEL, at(7, 11))}),
        (["James Wilson, 1/30/1965. Can you move my appointment to Sunday?", "yes please", "Tuesday at 10",
          "yes"], "p-1004", {(CHEN, at(8, 10))}),
    ],
)  # fmt: skip
async def test_yes_to_another_day_asks_which_day(
    turns: list[str], person: str, now_booked: set[tuple[str, datetime]], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    asked = transcript.split("\n")[3]
    assert asked.startswith("Which day would you like"), transcript
    assert await booked(demo, person) == now_booked, transcript


@pytest.mark.parametrize(
    ("first", "person", "before"),
    [
        ("Olivia Martinez, born May 9 1998. Could Dr Chen see me Sunday at 10?", "p-1005", set()),
        ("James Wilson, 1/30/1965. Can you move my appointment to Sunday?", "p-1004", JAMES_SEEDED),
    ],
)
@pytest.mark.parametrize("no", ["no", "no thanks", "nah, that's ok"])
async def test_no_to_another_day_declines(
    first: str, person: str, before: set[tuple[str, datetime]], no: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [first, no], None)
    assert "anything else" in transcript.rsplit("\n", 1)[-1], transcript
    assert "Would another day" not in transcript.rsplit("\n", 1)[-1], transcript
    assert await booked(demo, person) == before, transcript


async def test_sorry_is_said_once_when_the_time_asked_is_taken(chat: Chat) -> None:
    _, transcript = await converse(chat, ["Mia White, 1/25/1996. Dr Patel on Sunday at 9 please"], None)
    assert transcript.count("sorry") == 1, transcript
