"""Held-out sets #6-#8's failure families, in other names, dates and wordings than those sets: a
move to another time the same day given as an example ("earlier in the day, like 9", "later,
maybe 3") or with no time at all ("could it go earlier in the day?": that day's times before the
appointment), "I'm booked Thursday" (an appointment, not a busy day), and a child's appointment
the parent says they "will not make it" to, with the cancellation in a sentence of its own."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from agents.offline.dates import find_when
from agents.offline.followups import split_followup
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import dob_of_another, subject_names
from agents.offline.numbers import normalize
from agents.offline.shifts import side_of
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import (
    CHEN,
    EMILY_SEEDED,
    JAMES_SEEDED,
    PATEL,
    RODRIGUEZ,
    at,
    booked,
    converse,
)

LUCAS_SEEDED = {(RODRIGUEZ, at(8, 9, 30))}
FAMILY_PHONE = "+15035550112"  # Maria Garcia's and her son Lucas's


@pytest.mark.parametrize(
    ("said", "hour"),
    [
        ("could it be a bit later that day, something like 4?", 16),
        ("any chance of earlier, maybe 10?", 10),
        ("thursday, ideally 11", 11),
        ("later in the afternoon, perhaps 3", 15),
    ],
)
def test_an_hour_given_as_an_example_is_the_time(said: str, hour: int) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at == time(hour, 0)


@pytest.mark.parametrize(
    "said", ["I'd like 2 appointments", "we would like 3 of them", "maybe 2 weeks later"]
)
def test_a_count_after_like_or_maybe_is_no_time(said: str) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at is None


@pytest.mark.parametrize(
    ("said", "side"),
    [
        ("could it go earlier in the day?", "before"),
        ("can we do it a bit later?", "after"),
        ("anything later that day?", "after"),
        ("could you push it an hour later?", None),  # an amount: `shift_of`
        ("is there anything earlier than 3?", None),  # a bound said with its time
    ],
)
def test_earlier_or_later_with_no_amount_is_a_side_of_the_appointment(said: str, side: str | None) -> None:
    assert side_of(normalize(said)) == side


@pytest.mark.parametrize(
    "said",
    [
        "Our daughter won't make it to her appointment on Friday",
        "he isn't going to make it to the appointment tomorrow",
        "I will not be able to come on Monday",
        "we're not going to be able to make her check-up",
        "she'll have to miss her appointment next week",
        "we wont make it thursday",
    ],
)
def test_not_making_it_to_an_appointment_is_a_cancellation(said: str) -> None:
    assert task_of(intents(normalize(said))) == Intent.CANCEL


@pytest.mark.parametrize(
    "said",
    [
        "my daughter has her check-up with dr patel on friday. we will be abroad. please cancel.",
        "I've got a visit with Dr Chen next Monday, something came up, so cancel, thanks",
        "his appointment is on tuesday with dr rodriguez. could you move?",
    ],
)
def test_a_change_said_after_the_appointment_it_is_about_is_one_request(said: str) -> None:
    assert split_followup(normalize(said), NOW.replace(tzinfo=None)) is None


def test_a_cancellation_and_a_new_booking_are_still_two_requests() -> None:
    split = split_followup(
        normalize("cancel my friday appointment and book a new one for monday at 10"),
        NOW.replace(tzinfo=None),
    )
    assert split is not None and "monday" in split[1]


@pytest.mark.parametrize(
    ("said", "subjects"),
    [
        ("hello, tom lee speaking. mia white has a check-up on friday.", [("Mia", "White")]),
        ("it's her dad, nathan allen. ava hernandez won't be coming.", [("Ava", "Hernandez")]),
        ("nathan allen, calling for my daughter", []),  # the caller, no verb after the name
    ],
)
def test_a_full_name_that_begins_a_clause_is_its_subject(said: str, subjects: list[tuple[str, str]]) -> None:
    assert subject_names(normalize(said)) == subjects


@pytest.mark.parametrize(
    ("before", "theirs"),
    [("she was born on", True), ("her date of birth is", True), ("he's born", True), ("i was born", False),
     ("my date of birth is", False)],
)  # fmt: skip
def test_a_date_of_birth_given_as_someone_elses(before: str, theirs: bool) -> None:
    assert dob_of_another(before + " ") is theirs


@pytest.mark.parametrize(
    ("turns", "person", "phone", "now_booked"),
    [
        (  # the day said with the appointment, the new time as an example
            ["James Wilson, January 30 1965. My Friday appointment with Dr Chen, could it be a bit earlier "
             "that day, something like 10?", "yes please"],
            "p-1004", None, {(CHEN, at(4, 10))},
        ),
        (  # "I'm booked Thursday": her appointment, not a busy day; "maybe 3" later that day
            ["Emily Davis, 7/23/1990. I'm booked Thursday with Dr Patel, yeah? Can it be later in the day, "
             "maybe 3?", "sure, go ahead"],
            "p-1003", None, {(PATEL, at(3, 15))},
        ),
        (  # asked back ("right?"), then "yes, do that" to the proposal
            ["Hi, it's Emily Davis, born 23 July 1990. Thursday with Dr Patel, right? Could that be moved "
             "earlier, like 9?", "yes, do that"],
            "p-1003", None, {(PATEL, at(3, 9))},
        ),
        (  # a parent for a child on the family number, "say 11"
            ["Maria Garcia here, calling for my son Lucas Garcia, born April 8 2015. His appointment on "
             "Tuesday, can it go later in the morning, say 11?", "yes, do that"],
            "p-1013", FAMILY_PHONE, {(RODRIGUEZ, at(8, 11))},
        ),
        (  # no time said: that day's times before the appointment's, the first taken
            ["James Wilson, January 30 1965. I have something with Dr Chen on Friday. Could it go earlier "
             "in the day?", "the first one", "yes"],
            "p-1004", None, {(CHEN, at(4, 9))},
        ),
    ],
)  # fmt: skip
async def test_a_move_to_another_time_the_same_day(
    turns: list[str],
    person: str,
    phone: str | None,
    now_booked: set[tuple[str, datetime]],
    chat: Chat,
    demo: DemoConnector,
) -> None:
    _, transcript = await converse(chat, turns, phone)
    assert await booked(demo, person) == now_booked, transcript


async def test_later_in_the_day_offers_only_later_times(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat, ["Emily Davis, 07/23/1990. My appointment on Thursday, could we make it a bit later?"], None
    )
    offer = transcript.split("\n")[1]
    assert "Thursday, December 3rd" in offer and "9" not in offer.split("has", 1)[-1], transcript
    assert await booked(demo, "p-1003") == EMILY_SEEDED, transcript


@pytest.mark.parametrize(
    "said",
    [
        "Hello, Maria Garcia speaking. Lucas Garcia won't make it to his appointment on Tuesday with Dr "
        "Rodriguez, we're visiting family in Texas. Please cancel. His date of birth is April 8, 2015.",
        "Hi, it's his mum, Maria Garcia. Lucas Garcia has his appointment with Dr Rodriguez on Tuesday. We "
        "are going abroad. Cancel, please. He was born on the 8th of April 2015.",
    ],
)
async def test_a_parent_cancels_a_childs_visit_in_a_sentence_of_its_own(
    said: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [said, "yes"], FAMILY_PHONE)
    assert await booked(demo, "p-1013") == set(), transcript
    assert await booked(demo, "p-1012") == set(), transcript  # nothing booked for the parent either
    assert await booked(demo, "p-1004") == JAMES_SEEDED
