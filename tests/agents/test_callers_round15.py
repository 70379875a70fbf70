"""Held-out set #13's failure families (phone callers as Whisper writes them), in other names,
dates and wordings than that set: an hour written as its homophone ("at for pm", "at to thirty",
"at won o'clock"), a birth year in two halves ("june 16th 19 84"), a weekday in the plural ("on
Tuesdays at 11"), a new time after a change of doctor with the date of birth right after it (the
time was dropped: a wrong write), and "yeah that's fine" to "which day would you like?" (it booked
today: a wrong write waiting for a yes)."""

from __future__ import annotations

from datetime import datetime

import pytest

from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, TODAY, Chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse


@pytest.mark.parametrize(
    ("said", "hour", "minute"),
    [
        ("dr chen on friday at for pm", 16, 0),
        ("monday at to thirty in the afternoon", 14, 30),
        ("the 9th at won o'clock?", 13, 0),
        ("wednesday at for o'clock please", 16, 0),
    ],
)
def test_an_hour_written_as_its_homophone(said: str, hour: int, minute: int) -> None:
    when = find_when(normalize(said), NOW.replace(tzinfo=None))
    assert when.at is not None and (when.at.hour, when.at.minute) == (hour, minute)


@pytest.mark.parametrize("said", ["I go to work at for hours", "look at for me", "i'll be there at for sure"])
def test_for_and_to_elsewhere_stay_words(said: str) -> None:
    assert normalize(said).split() == said.lower().split()


@pytest.mark.parametrize(
    ("said", "born"),
    [("christopher lee july 4th 19 75", (1975, 7, 4)), ("born on march 3rd, 19 85", (1985, 3, 3))],
)
def test_a_birth_year_in_two_halves(said: str, born: tuple[int, int, int]) -> None:
    found = find_dob(normalize(said), TODAY)[0]
    assert found is not None and (found.year, found.month, found.day) == born


def test_a_weekday_in_the_plural_before_a_time_is_that_weekday() -> None:
    when = find_when(normalize("with Dr Chan on Thursdays at 11"), NOW.replace(tzinfo=None))
    assert when.start == datetime(2026, 12, 3).date() and when.at is not None and when.at.hour == 11
    assert find_when(normalize("I work Mondays"), NOW.replace(tzinfo=None)).start is None


async def test_a_new_time_with_a_change_of_doctor_before_the_date_of_birth(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "hi i have an appointment with dr petal on thursday could i switch it to dr chen instead same day at 2 "
            "my name is emily davis my date of birth is 7/23/1990",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {(CHEN, at(3, 14))}, transcript


async def test_a_yes_to_which_day_is_no_day(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Sarah Johnson, March 14 1985. Can I see Dr Patel next when at 3pm",
            "yeah that's fine",
            "sure",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1001") == set(), transcript
    assert "which day" in transcript.lower(), transcript


async def test_the_day_given_after_asking_twice_is_booked(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["Sarah Johnson, March 14 1985. Can I see Dr Patel next when at 3pm", "ok", "thursday", "yes"],
        None,
    )
    assert await booked(demo, "p-1001") == {(PATEL, at(3, 15))}, transcript
