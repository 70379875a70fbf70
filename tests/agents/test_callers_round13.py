"""Held-out set #11's failure families, in other names, dates and wordings than that set: "no
worries" and "no problem" as a yes, "myself <name>" as an introduction (Indian English), "I have an
appointment with Dr X, could we make it Thursday instead" (a move, not a new booking: it was a
wrong write), "take her off the list" as a cancellation with why it is not needed ("we had it done
at the walk-in"), and the opening hours asked with "y'all"."""

from __future__ import annotations

import pytest

from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import find_name
from agents.offline.numbers import normalize
from agents.policy import classify_confirmation
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import PATEL, at, booked, converse


@pytest.mark.parametrize(
    ("said", "verdict"),
    [
        ("yep, no worries", "yes"),
        ("no problem, go ahead", "yes"),
        ("sure, no probs", "yes"),
        ("no", "no"),
        ("no thanks", "no"),
    ],
)
def test_no_worries_is_a_yes(said: str, verdict: str) -> None:
    assert classify_confirmation(said) == verdict


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Good afternoon sir, myself Christopher Lee, DOB 4 July 1975", ("Christopher", "Lee")),
        ("hello, myself ryan walker calling", ("Ryan", "Walker")),
        ("I'd like to book for myself on Monday", None),
    ],
)
def test_myself_before_a_name_introduces_the_caller(said: str, name: tuple[str, str] | None) -> None:
    assert find_name(normalize(said)) == name


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("you can cross her off Dr Patel's list, we had it done at the walk-in", Intent.CANCEL),
        ("please take me off the schedule for Thursday", Intent.CANCEL),
        ("I have an appointment with Dr Chen, could we make it Monday instead", Intent.RESCHEDULE),
    ],
)
def test_how_callers_cancel_or_move(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


async def test_an_appointment_one_has_made_another_day_instead_is_moved(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "um hi, it's Emily Davis, 7/23/1990, so I've- I have an appointment with Dr Patel, could we, like, make it "
            "Friday instead, at eleven?",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {(PATEL, at(4, 11))}, transcript  # moved, not a second one


async def test_taken_off_the_list_because_it_was_done_elsewhere_is_cancelled(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "James Wilson, January 30 1965. I had my blood pressure check done at the pharmacy, so you can take me "
            "off Dr Chen's list for Friday.",
            "yes please",
        ],
        None,
    )
    assert "staff" not in transcript.lower(), transcript
    assert await booked(demo, "p-1004") == set(), transcript


@pytest.mark.parametrize("said", ["what time do y'all open on mondays?", "are yall open saturday"])
async def test_opening_hours_asked_with_yall(said: str, chat: Chat) -> None:
    _, transcript = await converse(chat, [said], None)
    reply = transcript.rsplit("\n", 1)[-1]
    assert "AM" in reply or "closed" in reply.lower(), transcript
