"""Held-out set #10's failure families, in other names, dates and wordings than that set: a letter
whose visit is "for a review of my medication" (a booking, not a prescription question), a date
of birth with the year first ("born in '79 on April 21st"), "I need doctor for my cough ... 3 hour"
(a booking by a caller whose English is not their first; "3 hour" is 3 o'clock), a name given only
in a letter's sign-off, "I will call to rebook later" with a cancellation (no move), "switch it to
Dr Patel" of an appointment with another doctor, and a date to come before the date of birth."""

from __future__ import annotations

from datetime import date

import pytest

from agents.offline.birthdates import find_dob
from agents.offline.choices import find_provider
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import find_name
from agents.offline.numbers import normalize
from connectors.base import Provider
from connectors.demo import DemoConnector
from tests.agents.conftest import TODAY, Chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse

PROVIDERS = [
    Provider(id=PATEL, name="Dr. Priya Patel"),
    Provider(id=CHEN, name="Dr. Marcus Chen"),
    Provider(id="dr-rodriguez", name="Dr. Elena Rodriguez"),
]


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("hi, daniel thomas, born in '79 on April 21st", date(1979, 4, 21)),
        ("born in 1979, on the 21st of April", date(1979, 4, 21)),
        ("i was born in 96 on jan 25", date(1996, 1, 25)),
        # a date to come said first: the visit, not the birth
        ("can I come on 4 December 2026? date of birth 25 January 1996", date(1996, 1, 25)),
    ],
)
def test_a_date_of_birth_with_the_year_first_or_after_a_date_to_come(said: str, born: date) -> None:
    assert find_dob(normalize(said), TODAY)[0] == born


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Please cancel my Friday visit. Kind regards, Mia White (DOB 1/25/1996)", ("Mia", "White")),
        ("I can't come on Thursday, sorry. Yours sincerely, Andrew Harris", ("Andrew", "Harris")),
        ("Could I book Dr Chen? Best wishes, Charlotte Clark, 15 November 1989", ("Charlotte", "Clark")),
        # what a visit is for is nobody's name
        ("an appointment on Monday for a routine review of my tablets", None),
    ],
)
def test_a_name_in_a_letters_sign_off(said: str, name: tuple[str, str] | None) -> None:
    assert find_name(normalize(said)) == name


@pytest.mark.parametrize(
    ("said", "clock"),
    [
        ("can be thursday, 10 hour?", "10:00"),
        ("i come 3 hour afternoon", "3:00"),
        ("at 14 hours please", "14:00"),
    ],
)
def test_an_hour_said_as_hour_is_a_clock_time(said: str, clock: str) -> None:
    assert clock in normalize(said)


@pytest.mark.parametrize(
    "said",
    ["in 2 hours", "a 2 hour wait", "push it back 1 hour", "the 24 hour pharmacy", "move it 2 hour later"],
)
def test_a_length_of_time_stays_one(said: str) -> None:
    assert ":00" not in normalize(said)


@pytest.mark.parametrize(
    ("said", "task"),
    [
        (
            "Please cancel my Friday appointment; I'll call you to rebook when I'm back from my trip.",
            Intent.CANCEL,
        ),
        ("cancel it please, we will reschedule at a later date", Intent.CANCEL),
        ("I need to cancel my Friday appointment and rebook for Monday at 10", Intent.RESCHEDULE),
    ],
)
def test_booking_again_some_other_time_is_no_move(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


@pytest.mark.parametrize(
    ("said", "doctor"),
    [
        (
            "I've got an appointment with Dr Chen on Friday, could you switch it to Dr Patel, same time?",
            PATEL,
        ),
        ("my visit with doctor patel is thursday, can we change it over to doctor chen", CHEN),
        ("move me to Dr Rodriguez please, my booking with Dr Chen is on Monday", "dr-rodriguez"),
    ],
)
def test_switching_to_another_doctor_is_that_doctor(said: str, doctor: str) -> None:
    found = find_provider(normalize(said), PROVIDERS)
    assert found is not None and found.id == doctor


@pytest.mark.parametrize(
    ("turns", "person", "visit"),
    [
        (  # a letter: what the visit is for, then who is writing
            [
                "Good afternoon, I would like to request an appointment with Dr Patel on Wednesday 9 December at "
                "3:30 pm for a follow-up on my prescription. Daniel Thomas, date of birth 21 April 1979. Best "
                "regards, Daniel Thomas",
                "Yes, please go ahead.",
            ],
            "p-1008",
            (PATEL, at(9, 15, 30)),
        ),
        (  # "need doctor for my cough", any doctor, "3 hour"
            [
                "Hello. I need doctor for my cough please, any doctor good. Thursday afternoon 3 hour. Mia White, "
                "born 25 January 1996.",
                "yes good",
            ],
            "p-1015",
            None,
        ),
    ],
)
async def test_a_visit_asked_with_its_reason_is_booked(
    turns: list[str], person: str, visit: tuple[str, object] | None, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    got = await booked(demo, person)
    if visit is not None:
        assert got == {visit}, transcript
    else:  # any doctor, Thursday at 3 PM
        assert len(got) == 1 and next(iter(got))[1] == at(3, 15), transcript


async def test_a_refill_asked_with_a_booking_still_goes_to_staff(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["Mia White, 1/25/1996. Can you refill my inhaler, and could I see Dr Chen on Friday at 9?", "yes"],
        None,
    )
    assert "clinical staff" in transcript.lower(), transcript
    assert await booked(demo, "p-1015") == set(), transcript


async def test_a_letter_cancelling_with_a_rebooking_later_cancels(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Hello, I can no longer attend my appointment with Dr Chen on Friday. Kindly cancel it. I will contact "
            "you to reschedule when I know my plans. Yours sincerely, James Wilson, DOB 01/30/1965",
            "Yes, cancel it.",
        ],
        None,
    )
    assert await booked(demo, "p-1004") == set(), transcript  # the seeded Friday visit gone, none new
    assert "move" not in transcript.rsplit("\n", 1)[-1].lower(), transcript


async def test_a_move_to_another_doctor_at_the_same_time(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "James Wilson, January 30th 1965. My appointment with Dr Chen on Friday - can you switch it to Dr Patel, "
            "same day and time?",
            "yes please",
        ],
        None,
    )
    assert await booked(demo, "p-1004") == {(PATEL, at(4, 14, 30))}, transcript


async def test_an_hour_alone_said_instead_moves_to_that_hour_the_same_day(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        ["James Wilson, 1/30/1965. Could my Friday appointment be moved, 4 instead if you can?", "yes"],
        None,
    )
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 16))}, transcript


async def test_another_doctor_also_the_same_day_as_a_visit_one_has_is_a_new_visit(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, 23 July 1990. I've got my annual check-up on Thursday with Dr Patel - could Dr Chen see me "
            "as well that same day, at 3?",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {(PATEL, at(3, 10)), (CHEN, at(3, 15))}, transcript


async def test_a_second_booking_the_same_day_is_on_the_first_ones_day(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Sarah Johnson, March 14 1985. Please book me with Dr Patel on Monday at 9, and another with Dr Chen at "
            "11 that same day.",
            "yes",
            "yes",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1001") == {(PATEL, at(7, 9)), (CHEN, at(7, 11))}, transcript
