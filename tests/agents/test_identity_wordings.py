"""Identity, intent and yes/no wordings from callers the tables were not written for (held-out
set #4's failure families), each with other names, dates and phrasings than that set uses."""

from __future__ import annotations

from datetime import date

import pytest

from agents.offline.birthdates import corrected_year, find_dob
from agents.offline.choices import find_provider
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import corrected_name, find_name, introduces_self
from agents.offline.numbers import normalize
from agents.policy import classify_confirmation
from connectors.base import Provider
from tests.agents.conftest import TODAY
from tests.agents.test_phrasings import converse


@pytest.mark.parametrize(
    "said",
    ["Too easy, pencil it in", "kk", "ok cool", "yes that's grand", "righto, lock that in", "brilliant, ta",
     "please do the needful", "haan ji", "go on then", "spot on thanks mate", "I'll take it", "sweet as"],
)  # fmt: skip
def test_regional_and_informal_yes(said: str) -> None:
    assert classify_confirmation(said) == "yes"


@pytest.mark.parametrize(
    "said", ["no, lock in thursday instead", "take it to friday", "not that one", "hold on", "cool, but at 4"]
)
def test_not_a_yes(said: str) -> None:
    assert classify_confirmation(said) != "yes"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("noah kim 3 mar 88", date(1988, 3, 3)),
        ("the 9th of october 71", date(1971, 10, 9)),
        ("zoe park, 12/11/2001... sorry, 2002", date(2002, 12, 11)),  # US order
        ("born june 4 1975, no wait, june 14 1975", date(1975, 6, 14)),
        ("born 1962-08-30, oops i mean 1963", date(1963, 8, 30)),
        ("4 dec 10:30", None),  # a day and a time, not a birth date
    ],
)
def test_dates_of_birth_with_short_years_and_corrections(said: str, expected: date | None) -> None:
    assert find_dob(normalize(said), TODAY)[0] == expected


def test_a_year_said_again_after_a_failed_check() -> None:
    assert corrected_year("ah sorry, 1979", date(1978, 2, 11), TODAY) == date(1979, 2, 11)
    assert corrected_year("it's 1980", date(1978, 2, 11), TODAY) == date(1980, 2, 11)
    assert corrected_year("at 1980 hours", date(1978, 2, 11), TODAY) is None


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("I'm calling on behalf of my grandmother, Rose Baker", ("Rose", "Baker")),
        ("this is tom baker, father of Lily Baker, born 2019-02-02", ("Lily", "Baker")),
        ("can you move my daughter's checkup. she's Nina Ortiz", ("Nina", "Ortiz")),
        ("about my son Leo Grant's flu shot", ("Leo", "Grant")),
        ("my wife's name is Ana Silva", ("Ana", "Silva")),
    ],
)
def test_the_patient_someone_calls_for(said: str, name: tuple[str, str]) -> None:
    assert find_name(normalize(said), whole_answer=True) == name


def test_a_spelling_fixed() -> None:
    assert corrected_name("oh it's katherine with a k", "Catherine", "Moss") == ("Katherine", "Moss")
    assert corrected_name("mosse, with an e", "Catherine", "Moss") == ("Catherine", "Mosse")
    assert corrected_name("yes friday please", "Catherine", "Moss") is None


def test_who_is_speaking_is_no_request() -> None:
    assert introduces_self(normalize("I'm her dad, Paul Reyes"))
    assert not introduces_self(normalize("can we do friday instead"))


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("I can't make that after all, please cancel it", Intent.CANCEL),
        ("make that a cancellation please", Intent.CANCEL),
        ("can you make that 3pm instead", Intent.RESCHEDULE),
    ],
)
def test_cancel_is_not_a_move(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


DOCTORS = [
    Provider(id="dr-a", name="Dr. Ann Lee", specialty="Family medicine"),
    Provider(id="dr-b", name="Dr. Bo Park", specialty="Pediatrics"),
]


@pytest.mark.parametrize(
    ("said", "doctor"),
    [("the paediatrician please", "dr-b"), ("our family doctor", "dr-a"), ("the kids' doctor", "dr-b"),
     ("it's for my family", None), ("my GP", "dr-a")],
)  # fmt: skip
def test_specialties_in_everyday_words(said: str, doctor: str | None) -> None:
    found = find_provider(normalize(said), DOCTORS)
    assert (found.id if found else None) == doctor


async def test_a_year_corrected_after_a_failed_check_verifies(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat, ["I want to cancel my appointment", "Emily Davis, 23 July 1989", "sorry, 1990"], None
    )
    assert "couldn't verify" in transcript
    assert "I'll cancel your appointment with Dr. Priya Patel" in transcript, transcript


async def test_a_name_spelling_fixed_verifies(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["I'd like to see what appointments I have", "Emilie Davis", "sorry it's Emily. 7/23/1990"],
        None,
    )
    assert "You have" in transcript, transcript


async def test_a_parent_booking_for_a_child_is_checked_on_the_child(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat, ["Hi, Maria Garcia here, mother of Lucas Garcia, 4/8/2015. When is his next appointment?"], None
    )
    assert "couldn't verify" not in transcript and "appointment" in transcript, transcript


async def test_a_symptom_with_a_booking_books(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Which times does Dr Patel have on Friday? Olivia Martinez, 5/9/1998. I've had a rash for days."],
        None,
    )
    assert "connect you" not in transcript, transcript
    assert "Dr. Priya Patel" in transcript, transcript


async def test_a_certificate_goes_to_staff(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(chat, ["I need a sick certificate for my employer"], None)
    assert chat.handoff is not None, transcript


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("is she booked in for anything?", Intent.LIST),
        ("do we have anything booked for my husband", Intent.LIST),
        ("have you got something scheduled for me", Intent.LIST),
        ("I'd like to organise a consult with dr chen", Intent.BOOK),
        ("need to see a doc asap", Intent.BOOK),
    ],
)
def test_more_ways_to_ask(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


@pytest.mark.parametrize(
    "said", ["yes that suits me", "that will do nicely, cheers", "perfectly fine thanks"]
)
def test_more_yeses(said: str) -> None:
    assert classify_confirmation(said) == "yes"


async def test_a_visit_for_a_symptom_is_booked_not_handed_over(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["My son's had an earache since Sunday, could Dr Rodriguez have a look at him Friday at 10? "
         "He's Lucas Garcia, 04/08/2015."],
        None,
    )  # fmt: skip
    assert chat.handoff is None, transcript


async def test_a_complaint_goes_to_the_manager(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat, ["I wish to lodge a complaint about how I was treated on Monday"], None
    )
    assert chat.handoff is not None and "complaint" in chat.handoff.reason.lower(), transcript
