"""Held-out set #12's failure families, in other names, dates and wordings than that set: a part of
the day then the time in a sentence of its own ("bring it forward to the morning? 9:30 same day"),
"no, don't cancel it, can you move it to Monday instead" at the cancellation's question (a move,
not nothing), a person asked for as a question ("is there a real human I could talk to?"), and a
parent asking "what day and time is it" of a child's visit (a look-up, not a booking)."""

from __future__ import annotations

import pytest

from agents.offline.intents import Intent, intents, task_of
from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse


@pytest.mark.parametrize(
    "said",
    [
        "is there a real human I could talk to?",
        "am I chatting with an actual person?",
        "is this a person or a bot",
    ],
)
def test_a_person_asked_for_as_a_question(said: str) -> None:
    assert Intent.HUMAN in intents(normalize(said))


def test_what_day_and_time_is_it_looks_up() -> None:
    said = "my daughter has a check-up coming up with Dr Rodriguez, what day and time is it?"
    assert task_of(intents(normalize(said))) == Intent.LIST


async def test_a_part_of_the_day_then_the_time_on_its_own(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "james wilson 1/30/1965. my chen appt on fri, could it go earlier, to the morning? 9:30 same day",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 9, 30))}, transcript


async def test_no_to_a_cancellation_with_a_move_asked_instead_moves(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, July 23 1990. I want to cancel my appointment.",
            "no wait, don't cancel it - can you move it to Monday instead, same time?",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {(PATEL, at(7, 10))}, transcript


async def test_a_parent_asking_when_a_childs_visit_is_hears_it(chat: Chat) -> None:
    _, transcript = await converse(
        chat,
        [
            "this is Maria Garcia, my son Lucas Garcia, born 4/8/2015, has a vaccination coming up, what day and time is it?"
        ],
        None,
    )
    assert "9:30 AM" in transcript and "Tuesday, December 8th" in transcript, transcript
