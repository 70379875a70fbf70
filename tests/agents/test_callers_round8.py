"""Held-out set #6's failure families, in other names, dates and wordings than that set: the name
someone goes by or says surname first (checked exactly against the records' other readings), a
numeric date of birth said to be day first, a correction after a question, a yes that repeats the
day offered, "take me off" with days the caller can't make, a child's date of birth that is no day
to book, "the Friday" of the appointment's week."""

from __future__ import annotations

from datetime import date

import pytest

from agents.name_forms import full_forms, other_readings
from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.intents import Intent, intents, task_of
from agents.offline.introductions import explained_dob
from agents.offline.numbers import normalize
from agents.offline.shifts import shift_of
from tests.agents.conftest import NOW, TODAY, Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse


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


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("born 06/03/1961 - that's day first", date(1961, 3, 6)),
        ("dob 04/07/75 (dd/mm/yy)", date(1975, 7, 4)),
        ("09/08/1993, UK format", date(1993, 8, 9)),
        ("11/10/1994 in the European way", date(1994, 10, 11)),
        ("05/01/1996, day then month", date(1996, 1, 5)),
    ],
)
def test_a_numeric_date_said_to_be_day_first(said: str, born: date | None) -> None:
    text = normalize(said)
    found, span = find_dob(text, TODAY)
    assert found is not None
    explained = explained_dob(text, found, span)
    assert (explained[0] if explained else None) == born


def test_a_numeric_date_without_such_words_stays_month_first() -> None:
    text = normalize("04/07/1975 at 10am")
    found, span = find_dob(text, TODAY)
    assert found == date(1975, 4, 7) and explained_dob(text, found, span) is None


@pytest.mark.parametrize(
    "said",
    [
        "I can't do Monday or Tuesday, please take me off the list",
        "can't make wednesday or thursday so scrap it",
        "we can't come thursday and friday, take us off the schedule",
    ],
)
def test_days_the_caller_cannot_make_with_take_me_off_is_a_cancellation(said: str) -> None:
    assert task_of(intents(normalize(said))) == Intent.CANCEL


async def test_take_me_off_cancels_the_appointment(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["James Wilson, 1/30/1965. I can't come Thursday or Friday, please take me off the schedule.", "yes"],
        None,
    )
    assert await booked(demo, "p-1004") == set(), transcript


async def test_a_move_corrected_after_a_question(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, July 23 1990. Can my appointment move to Monday at 2? Actually, sorry, Tuesday at 2.",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {(PATEL, at(8, 14))}, transcript


@pytest.mark.parametrize(
    ("answer", "done"),
    [
        ("Friday works, yes", True),
        ("yes, Friday with Dr Chen is perfect", True),
        ("yep, the 4th at 11", True),
        ("Thursday's fine, yes", False),  # not the day proposed
        ("yes, at 12", False),
    ],
)
async def test_a_yes_that_repeats_the_proposal(answer: str, done: bool, chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat, ["book dr chen friday at 11, andrew harris march 6 1961", answer], None
    )
    assert (await booked(demo, "p-1016") == {(CHEN, at(4, 11))}) == done, transcript


def test_a_date_with_a_past_year_is_no_day_to_book() -> None:
    now = NOW.replace(tzinfo=None)
    for said in ("she's June 3, 2019", "the 3rd of june 2019", "born june 3rd, '88"):
        assert find_when(normalize(said), now).start is None, said
    assert find_when(normalize("friday, january 8, 2027 at 3"), now).start == date(2027, 1, 8)


async def test_a_childs_birth_date_at_the_confirmation_books_nothing_that_day(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Maria Garcia, October 19 1982, Dr Patel Friday at 3 please", "she's January 9, 2016", "yes"],
        None,
    )
    assert all(start.month == 12 for _, start in await booked(demo, "p-1012")), transcript


@pytest.mark.parametrize(
    ("turns", "person", "moved"),
    [
        (
            ["Emily Davis, 7/23/1990. Could we do the Monday instead, same time?", "yes"],
            "p-1003",
            {(PATEL, at(7, 10))},
        ),
        (
            ["I'd like to move my son's appointment to the Thursday. Lucas Garcia, April 8 2015.", "yes"],
            "p-1013",
            {(RODRIGUEZ, at(10, 9, 30))},
        ),
    ],
)
async def test_the_weekday_of_a_move_follows_the_appointment(
    turns: list[str], person: str, moved: set, chat: Chat, demo
) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == moved, transcript


@pytest.mark.parametrize(
    ("said", "day", "hour"),
    [
        ("una cita el jueves a las 11 con Dr Chen", date(2026, 12, 3), 11),
        ("vendredi à 14h", date(2026, 12, 4), 14),
        ("el miércoles, 3pm", date(2026, 12, 2), 15),
        ("am Montag, 10 am", date(2026, 12, 7), 10),
        ("next martes at 9", date(2026, 12, 8), 9),
    ],
)
def test_weekdays_of_other_languages(said: str, day: date, hour: int) -> None:
    when = find_when(normalize(said), NOW.replace(tzinfo=None))
    assert when.start == day and when.at is not None and when.at.hour == hour


def test_a_given_name_that_is_a_weekday_elsewhere_stays_a_name() -> None:
    assert normalize("Domingo Perez here") == "domingo perez here"
    assert "monday" not in normalize("lunesta refill")


@pytest.mark.parametrize(
    ("said", "shift"),
    [
        ("can you push it back 1.5 hours", (0, 90)),
        ("bring my appointment forward 2.5 hrs", (0, -150)),
        ("half hour later please", (0, 30)),
    ],
)
def test_a_move_by_part_of_an_hour(said: str, shift: tuple[int, int]) -> None:
    assert shift_of(normalize(said)) == shift


@pytest.mark.parametrize(
    ("said", "start", "end"),
    [
        ("next week, any afternoon except Monday", date(2026, 12, 8), date(2026, 12, 13)),
        ("dr patel next week but not monday or tuesday", date(2026, 12, 9), date(2026, 12, 13)),
        ("I can't do Mondays, so some time next week", date(2026, 12, 8), date(2026, 12, 13)),
        ("thursday, not friday", date(2026, 12, 3), date(2026, 12, 3)),
        ("not wednesday", None, None),  # no day asked for: never the day ruled out
    ],
)
def test_days_ruled_out(said: str, start: date | None, end: date | None) -> None:
    when = find_when(normalize(said), NOW.replace(tzinfo=None))
    assert (when.start, when.end) == (start, end)


async def test_a_day_ruled_out_is_not_offered(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Mia White, 1/25/1996. Dr Chen next week, any morning, just not Monday.", "the first one", "yes"],
        None,
    )
    days = {start.date() for _, start in await booked(demo, "p-1015")}
    assert days and date(2026, 12, 7) not in days, transcript


@pytest.mark.parametrize(
    "request_for_them",
    [
        "great, and I also need one for my daughter with Dr Rodriguez the same day",
        "can you book my husband in with Dr Chen on Friday at 2 as well?",
        "oh and my son Lucas needs a check up too, Friday at 9",
    ],
)
async def test_a_relative_after_the_caller_was_verified_is_never_booked_as_the_caller(
    request_for_them: str, chat: Chat, demo
) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Maria Garcia, October 19 1982. Dr Patel Monday at 3 please.", "yes", request_for_them, "yes"],
        None,
    )
    assert await booked(demo, "p-1012") == {(PATEL, at(7, 15))}, transcript
    # the relative is served as themselves (agents.next_person): their own details are asked for
    assert "full name and date of birth?" in transcript.rsplit("\n", 1)[-1], transcript


async def test_a_parent_speaking_for_their_child_goes_on(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "I'm calling to book my son in with Dr Rodriguez. Lucas Garcia, April 8 2015. Friday at 10.",
            "yes",
            "and book my son with Dr Rodriguez the Monday after at 10 too",
            "yes",
        ],
        None,
    )
    assert "only help with appointments" not in transcript, transcript


@pytest.mark.parametrize(
    "first",
    [
        "James Wilson, 1/30/1965. Please cancel my Monday appointment.",
        "James Wilson, 1/30/1965. Cancel the one with Dr Rodriguez please.",
        "James Wilson, 1/30/1965. Can you move my appointment on the 9th to Thursday at 10?",
    ],
)
async def test_a_lone_appointment_the_words_do_not_fit_is_asked_about(first: str, chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, [first, "yes"], None)
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 14, 30))}, (
        transcript
    )  # James's Friday visit, untouched
    assert "I don't see that appointment" in transcript, transcript


async def test_the_appointment_asked_about_is_cancelled_after_a_yes(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["James Wilson, 1/30/1965. Please cancel my Monday appointment.", "oh right, yes that one", "yes"],
        None,
    )
    assert await booked(demo, "p-1004") == set(), transcript


@pytest.mark.parametrize(
    "said",
    ["cancel my appointment with Dr Chen", "cancel my Friday appointment", "cancel my doctor's appointment"],
)
async def test_words_that_fit_the_lone_appointment_go_on(said: str, chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, [f"James Wilson, 1/30/1965. {said}", "yes"], None)
    assert await booked(demo, "p-1004") == set(), transcript


async def test_the_new_day_of_a_move_is_not_taken_for_another_appointment(chat: Chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "I need to reschedule my appointment. James Wilson, 1/30/1965. Can it be Monday Dec 7 at 2 instead?",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1004") == {(CHEN, at(7, 14))}, transcript


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("zero eight one one nineteen ninety three", date(1993, 8, 11)),
        ("oh two oh three nineteen eighty seven", date(1987, 2, 3)),
        ("one two one two nineteen ninety two", date(1992, 12, 12)),
    ],
)
def test_a_date_of_birth_said_digit_by_digit(said: str, born: date) -> None:
    assert find_dob(normalize(said), TODAY)[0] == born
