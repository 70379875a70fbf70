"""Held-out set #7's failure families, in other names, dates and wordings than that set: a day the
caller is busy ("I've got work Friday") inside a change of mind, a doctor changed after a question
("... actually is Dr X free then instead?"), French-written times ("10h30"), "3-ish", dates of birth
as "the 12th of the 12th '92" / "14 of February of 1959" / "Jan 30 '65", greetings of English
varieties that are no first name ("G'day", "Mornin'"), a move said as "a week later, same hour" after
"I can't come", a move abandoned for a cancellation, and "<full name> will not make it"."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import find_name, someone_elses_name
from agents.offline.numbers import normalize
from tests.agents.conftest import NOW, TODAY, Chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("born the 3rd of the 11th, 2001", date(2001, 11, 3)),
        ("it's the 28th of the 6th '69", date(1969, 6, 28)),
        ("my birthday is 25 of january of 1996", date(1996, 1, 25)),
        ("born oct 31 '94", date(1994, 10, 31)),
    ],
)
def test_dates_of_birth_in_more_forms(said: str, born: date) -> None:
    assert find_dob(normalize(said), TODAY)[0] == born


@pytest.mark.parametrize(
    ("said", "hour", "minute"),
    [("at 14h30 please", 14, 30), ("9h15 would suit", 9, 15), ("say 4-ish", 16, 0), ("around 11ish", 11, 0)],
)
def test_times_written_other_ways(said: str, hour: int, minute: int) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at == time(hour, minute)


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("G'day, Nathan Allen here, born 16 June 84", ("Nathan", "Allen")),
        ("Howdy, this is Harper Young", ("Harper", "Young")),
        ("Mornin'. Mia White, born Jan 25 '96", ("Mia", "White")),
    ],
)
def test_greetings_are_no_first_name(said: str, name: tuple[str, str]) -> None:
    text = normalize(said)
    assert find_name(text) == name or find_name(text, whole_answer=True) == name


def test_a_full_name_then_will_is_the_name_without_the_verb() -> None:
    text = normalize("my daughter Mia White will not be able to come on Monday")
    assert someone_elses_name(text) == ("Mia", "White")
    assert find_name(normalize("Will Harris here")) == ("Will", "Harris")


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("I can't make Thursday, could you put it a week later, same time?", Intent.RESCHEDULE),
        ("I won't be able to come on Friday, push my appointment 2 days later", Intent.RESCHEDULE),
        ("Could it go a bit later in the day, like 4?", Intent.RESCHEDULE),
        ("I was going to reschedule, but on second thought, just cancel it please", Intent.CANCEL),
        ("move it to... you know what, scrap it, cancel the appointment", Intent.CANCEL),
        ("I'd like to cancel... actually no, can we move it to Monday instead?", Intent.RESCHEDULE),
    ],
)
def test_moves_and_cancellations_said_along_the_way(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


async def test_a_busy_day_inside_a_change_of_mind_books_the_later_day(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "Hi, Andrew Harris, 6 March 1961. Could Dr Chen do Thursday? hang on, I'm working Thursday, "
            "what about Friday instead, 11?",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1016") == {(CHEN, at(4, 11))}, transcript


async def test_a_doctor_changed_after_a_question_books_the_second_doctor(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "charlotte clark, nov 15 1989. dr chen on friday at 11? actually, is dr patel free then instead, "
            "i'd prefer her",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1017") == {(PATEL, at(4, 11))}, transcript


async def test_a_french_written_time_is_booked_to_the_minute(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Bonjour, Harper Young, born 20 August 1968. Dr Patel Friday at 15h30 please.", "oui, yes"],
        None,
    )
    assert await booked(demo, "p-1021") == {(PATEL, at(4, 15, 30))}, transcript


async def test_cannot_come_then_a_week_later_same_hour_moves_it(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    # Emily's seeded visit: Dr. Patel, Thursday December 3rd at 10 AM
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, 07/23/1990. I cannot come Thursday, please make my appointment one week later, same hour.",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {(PATEL, datetime(2026, 12, 10, 10, 0, tzinfo=NOW.tzinfo))}, (
        transcript
    )
    assert "cancel" not in transcript.split("\n")[1].lower(), transcript


async def test_a_move_abandoned_for_a_cancellation_cancels(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "James Wilson, born 1/30/1965. I need to move my Friday one to... on second thought, just cancel it.",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1004") == set(), transcript
    assert "cancelled" in transcript, transcript


@pytest.mark.parametrize(
    "said",
    [
        "Hi, it's Maria Garcia. My son Lucas Garcia will not make it to his appointment on Tuesday with Dr "
        "Rodriguez, we'll be away. Please cancel it. He was born April 8th 2015.",
        "My boy Lucas Garcia won't make his Tuesday appointment, please cancel. His birthday is 8 April 2015.",
    ],
)
async def test_a_parent_cancels_for_a_child_on_the_shared_number(said: str, chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, [said, "yes"], "+15035550112")
    assert await booked(demo, "p-1013") == set(), transcript
    assert await booked(demo, "p-1012") == set(), transcript
