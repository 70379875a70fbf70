"""Families of held-out set #221 about a date of birth corrected in part, in other names, dates and
wordings than the set: after a date that failed the check (or was just given), "oh sorry, 61 not 62",
"hang on, sorry, 92", "no, sorry, the 23rd not the 22nd" or "my mistake, May, not June" is the date
said before with that part changed, checked as a new attempt; the "no" in it is no goodbye (it ended
the call) and no words missed."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10

NOT_ON_FILE = "+15035550199"  # a number nobody on file calls from: the name is needed with the date

THE_YEAR_CORRECTED = [
    (["Andrew Harris, 3/6/1962.", "oh sorry, 61 not 62.", "Dr Patel, Monday the 7th at 11.", "Yes."],
     "p-1016", {(PATEL, at(7, 11))}),
    (["Ryan Walker 12/12/1993", "hang on, sorry, 92", "dr chen wednesday the 9th at 2", "yes"],
     "p-1020", {(CHEN, at(9, 14))}),
    (["Nathan Allen, June 16th 1983.", "Sorry, it was 1984, not 83.", "Book me with Dr. Chen on Thursday the "
      "10th at 9.", "Yes."], "p-1022", {(CHEN, at(10, 9))}),
]  # fmt: skip

THE_DAY_OR_MONTH_CORRECTED = [
    # (the "no" opening the correction ended the call: read as a "no" to nothing, a goodbye)
    (["Emily Davis 7/22/1990", "no, sorry, the 23rd not the 22nd", "cancel my appointment on Thursday",
      "yes"], "p-1003", set()),
    (["Olivia Martinez, 6/9/1998.", "My mistake, May, not June.", "Could I see Dr. Chen on Thursday the 10th "
      "at 9?", "Yes."], "p-1005", {(CHEN, at(10, 9))}),
    (["Mia White 1/24/1996", "oops, it's the 25th", "patel friday the 11th at 3pm", "yes please"],
     "p-1015", {(PATEL, at(11, 15))}),
]  # fmt: skip

# the date just given, the name still asked for: the correction comes with the name
THE_DATE_JUST_GIVEN_CORRECTED = [
    (["I'd like to see Dr Patel on Monday the 7th at 3, I was born 8/20/1969.", "sorry, 68 not 69. Harper "
      "Young.", "Yes."], "p-1021", {(PATEL, at(7, 15))}),
]  # fmt: skip

ON_A_CALL = [
    (["Charlotte Clark, 11/15/1988.", "wait, sorry, 89.", "Dr. Chen, Monday the 7th at 11.", "Yes."],
     "p-1017", {(CHEN, at(7, 11))}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after"),
    THE_YEAR_CORRECTED + THE_DAY_OR_MONTH_CORRECTED + THE_DATE_JUST_GIVEN_CORRECTED,
)
async def test_a_part_of_the_date_of_birth_corrected(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


@pytest.mark.parametrize(("turns", "person", "after"), ON_A_CALL)
async def test_a_part_corrected_on_a_call(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, NOT_ON_FILE)


async def test_a_correction_that_does_not_fit_what_was_said_is_no_match(chat: Chat) -> None:
    """ "sorry, 1990 not 1992" after 7/23/1991 was said: not the date meant; asked again, never a
    date guessed from the record."""
    await chat.say("Emily Davis 7/23/1991")
    reply = await chat.say("sorry, 1990 not 1992")
    assert "Thank you" not in reply and chat.handoff is None, reply
