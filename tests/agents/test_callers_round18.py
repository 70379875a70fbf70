"""Held-out set #16's failure families, in other names, dates and wordings than that set: a parent
who gives their own name and date of birth, then the child's name with the child's ("my boy Lucas
Garcia, born 4/8/2015", "(born April 8 2015)", "his birthday is ..."): the child is checked with the
child's date of birth (it was the child's name with the parent's: a failed check); "take my son
Lucas Garcia off the schedule" cancels; two visits asked without a verb for the first ("I'd like Dr
Patel on Tuesday at 9, and then Dr Chen the same day at 4": Dr Chen was booked at 9, a wrong write)."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

LUCAS_SEEDED = {(RODRIGUEZ, at(8, 9, 30))}


@pytest.mark.parametrize(
    "said",
    [
        "hi its maria garcia 10/19/1982. my boy lucas garcia, born 4/8/2015, has his shots with dr rodriguez on "
        "tuesday, can we make it thursday at 3:30pm instead",
        "This is Maria Garcia, born October 19 1982. My son Lucas Garcia (born April 8 2015) is booked with Dr. "
        "Rodriguez on Tuesday. Please move him to Thursday at 3:30 pm.",
    ],
)
async def test_a_parents_details_then_the_childs_checks_the_child(
    said: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [said, "yes"], None)
    assert "couldn't verify" not in transcript, transcript
    assert await booked(demo, "p-1013") == {(RODRIGUEZ, at(3, 15, 30))}, transcript


async def test_take_my_son_off_the_schedule_cancels_his(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "hi, maria garcia, october 19 1982. please take my son lucas garcia off the schedule for tuesday with dr "
            "rodriguez. his birthday is april 8 2015",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1013") == set(), transcript


async def test_two_visits_without_a_verb_for_the_first(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Sarah Johnson, DOB March 14 1985. Two things: I'd like Dr. Patel on Monday at 9 am, and then Dr. Chen "
            "the same day at 4 pm.",
            "yes",
            "yes",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1001") == {(PATEL, at(7, 9)), (CHEN, at(7, 16))}, transcript
