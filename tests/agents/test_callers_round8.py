"""Held-out set #6's failure families, in other names, dates and wordings than that set: the name
someone goes by or says surname first (checked exactly against the records' other readings), a
numeric date of birth said to be day first, a correction after a question, a yes that repeats the
day offered, "take me off" with days the caller can't make, a child's date of birth that is no day
to book, "the Friday" of the appointment's week."""

from __future__ import annotations

import pytest

from agents.name_forms import full_forms, other_readings
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse


def test_short_forms_of_given_names() -> None:
    assert full_forms("Matt") == ("Matthew",)
    assert "Christopher" in full_forms("chris") and "Christine" in full_forms("chris")
    assert full_forms("Isabella") == ()  # a full name has no other form
    assert full_forms("Zorblax") == ()


def test_other_readings_of_a_name() -> None:
    assert other_readings("Allen", "Nathan") == [("Nathan", "Allen")]
    assert other_readings("Nate", "Allen")[:2] == [("Nathan", "Allen"), ("Nathaniel", "Allen")]
    # the last name is never changed into another: only swapped with the first
    assert all({f, last} & {"Nate", "Allen"} for f, last in other_readings("Nate", "Allen"))


@pytest.mark.parametrize(
    ("turns", "person"),
    [
        (["book dr chen friday at 11, it's andy harris, born march 6 1961", "yes"], "p-1016"),
        (["Josh Lewis here, 9/1/2004, can I see Dr Chen Friday at 11?", "yes please"], "p-1018"),
        (["I need Dr Chen on Friday at 11. Harris Andrew, 6th of March 1961.", "yes"], "p-1016"),
        (["robinson amelia, dob may 27 1977 - dr chen friday 11am", "yes"], "p-1019"),
    ],
)
async def test_a_short_first_name_or_the_surname_first_verifies(
    turns: list[str], person: str, chat: Chat, demo
) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == {(CHEN, at(4, 11))}, transcript


@pytest.mark.parametrize(
    "turns",
    [
        ["book dr chen friday at 11, it's andy harris, born march 7 1961", "yes"],  # not his birthday
        ["book dr chen friday at 11, it's matt harris, born march 6 1961", "yes"],  # not his name
        ["book dr chen friday at 11, harris wilson, born march 6 1961", "yes"],  # another surname
    ],
)
async def test_other_readings_stay_exact(turns: list[str], chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1016") == set(), transcript
    assert "couldn't verify" in transcript, transcript


async def test_a_short_name_on_a_call_from_the_patients_number(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat, ["Dr Patel Friday 2pm please", "Liv Martinez, May 9th 1998", "yes"], "+15035550105"
    )
    assert await booked(demo, "p-1005") == {(PATEL, at(4, 14))}, transcript
