"""Round 11: the dates beside a date of birth given when asked for one are identity material, not
a day to book (a garbled phone answer "my name is october, may 9, 2017, november 28"), unless the
caller plainly asks for a day; "Would another day work for you?" answered yes asks which day, no
declines."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from agents.offline.choices import unknown_doctor
from agents.offline.dates import find_when
from agents.offline.moments import only_a_change_of_mind
from agents.offline.names import someone_elses_name
from agents.offline.numbers import normalize
from connectors.base import Provider
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import CHEN, JAMES_SEEDED, PATEL, RODRIGUEZ, at, booked, converse

OLIVIA_PHONE = "+15035550105"
FAMILY_PHONE = "+15035550112"  # Maria Garcia's and her son Lucas's


@pytest.mark.parametrize(
    ("turns", "phone"),
    [
        (["I'd like to book with Dr Chen", "Olivia Martinez", "My name is October, May 9, 1998, November 28."], None),
        (["I need an appointment with Dr Patel please", "Andrew Harris", "march 6 1961 december 19"], None),
        (["Book me with Dr Chen", "Mia White", "uh January 25th, 1996, the 30th of December."], None),
        (["Could I see Dr Patel?", "May 9th 1998, June 2nd"], OLIVIA_PHONE),
    ],
)  # fmt: skip
async def test_other_dates_in_an_answer_to_the_date_of_birth_question_are_no_wanted_day(
    turns: list[str], phone: str | None, chat: Chat
) -> None:
    _, transcript = await converse(chat, turns, phone)
    last = transcript.rsplit("\n", 1)[-1]
    assert "free times" not in last and "Which would you like?" in last, transcript
    for month in ("November", "December 19", "December 30", "June"):
        assert month not in last, transcript


@pytest.mark.parametrize(
    ("turns", "phone", "person", "now_booked"),
    [
        (["I'd like to book with Dr Chen", "Olivia Martinez", "May 9 1998, and can it be Friday at 10 instead"],
         None, "p-1005", {(CHEN, at(4, 10))}),
        (["Could I see Dr Patel?", "May 9th 1998. Could it be on December 11 at 2?"],
         OLIVIA_PHONE, "p-1005", {(PATEL, at(11, 14))}),
        (["Book me with Dr Chen please", "Andrew Harris", "3/6/1961, tomorrow at 3 pm if you can"],
         None, "p-1016", {(CHEN, at(2, 15))}),
    ],
)  # fmt: skip
async def test_a_day_plainly_asked_for_beside_the_date_of_birth_is_read(
    turns: list[str], phone: str | None, person: str, now_booked: set[tuple[str, datetime]], chat: Chat,
    demo: DemoConnector,
) -> None:  # fmt: skip
    talk, transcript = await converse(chat, turns, phone)
    await talk.say("yes")
    assert await booked(demo, person) == now_booked, transcript


@pytest.mark.parametrize(
    ("turns", "person", "now_booked"),
    [
        (["Olivia Martinez, born May 9 1998. Could Dr Chen see me Sunday at 10?", "yes", "Friday then", "yes"],
         "p-1005", {(CHEN, at(4, 10))}),
        (["Mia White, 1/25/1996. Dr Patel on Saturday morning please", "sure", "how about monday at 11", "yep"],
         "p-1015", {(PATEL, at(7, 11))}),
        (["James Wilson, 1/30/1965. Can you move my appointment to Sunday?", "yes please", "Tuesday at 10",
          "yes"], "p-1004", {(CHEN, at(8, 10))}),
    ],
)  # fmt: skip
async def test_yes_to_another_day_asks_which_day(
    turns: list[str], person: str, now_booked: set[tuple[str, datetime]], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    asked = transcript.split("\n")[3]
    assert asked.startswith("Which day would you like"), transcript
    assert await booked(demo, person) == now_booked, transcript


@pytest.mark.parametrize(
    ("first", "person", "before"),
    [
        ("Olivia Martinez, born May 9 1998. Could Dr Chen see me Sunday at 10?", "p-1005", set()),
        ("James Wilson, 1/30/1965. Can you move my appointment to Sunday?", "p-1004", JAMES_SEEDED),
    ],
)
@pytest.mark.parametrize("no", ["no", "no thanks", "nah, that's ok"])
async def test_no_to_another_day_declines(
    first: str, person: str, before: set[tuple[str, datetime]], no: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [first, no], None)
    assert "anything else" in transcript.rsplit("\n", 1)[-1], transcript
    assert "Would another day" not in transcript.rsplit("\n", 1)[-1], transcript
    assert await booked(demo, person) == before, transcript


async def test_sorry_is_said_once_when_the_time_asked_is_taken(chat: Chat) -> None:
    _, transcript = await converse(chat, ["Mia White, 1/25/1996. Dr Patel on Sunday at 9 please"], None)
    assert transcript.count("sorry") == 1, transcript


# ---------------------------------------------------------------- held-out set 9's families


@pytest.mark.parametrize(
    ("said", "hour", "minute"),
    [
        ("could dr chen do friday at like 10 30", 10, 30),
        ("the 5th of march, say 3 45", 15, 45),
        ("ok um 11 15 then", 11, 15),
        ("next week monday 1 30 works", 13, 30),
        ("the 4 30 one", 16, 30),
    ],
)
def test_an_hour_and_its_quarter_said_apart_is_a_clock_time(said: str, hour: int, minute: int) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at == time(hour, minute)


@pytest.mark.parametrize(
    "said", ["dob 8 15 1979", "born 4 30 1988", "march 3 15", "i've had 2 30 minute calls", "4 45 years"]
)
def test_numbers_of_a_date_or_a_count_are_no_clock_time(said: str) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at is None


@pytest.mark.parametrize(
    ("said", "doctor"),
    [
        ("i don't mind which doctor whoever has friday at 10", None),
        ("any doctor really, thursday at 2", None),
        ("book with doctor smith on friday", "Smith"),
    ],
)
def test_the_word_doctor_after_which_or_any_names_no_doctor(said: str, doctor: str | None) -> None:
    providers = [
        Provider(id="dr-chen", name="Dr. Marcus Chen"),
        Provider(id="dr-patel", name="Dr. Priya Patel"),
    ]
    assert unknown_doctor(normalize(said), providers) == doctor


async def test_a_doctor_named_with_whichever_day_is_open_is_still_that_doctor(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat, ["Mia White, 25 January 1996. Dr Patel, Friday or Monday at 3, whichever's open.", "yes"], None
    )
    assert {doctor for doctor, _ in await booked(demo, "p-1015")} == {PATEL}, transcript


@pytest.mark.parametrize(
    ("said", "relative"),
    [
        ("maria garcia here i need to move my sons appointment lucas garcia", ("Lucas", "Garcia")),
        ("hi its nathan allen, cancelling my daughters checkup, ava allen", ("Ava", "Allen")),
        ("my wife's appointment, emily davis, can it go to friday", ("Emily", "Davis")),
    ],
)
def test_a_relative_named_after_their_appointment(said: str, relative: tuple[str, str]) -> None:
    assert someone_elses_name(normalize(said)) == relative


@pytest.mark.parametrize(
    "said",
    [
        "i have the thing with dr chen thursday, can i make it earlier like 10 same day",
        "I've got my one with Dr Patel on Friday - make it 3 instead?",
    ],
)
def test_a_visit_they_have_with_a_doctor_is_no_booking_changed_while_asked(said: str) -> None:
    assert not only_a_change_of_mind(normalize(said))


def test_a_booking_changed_while_asking_is_still_one() -> None:
    assert only_a_change_of_mind(normalize("can i have the slot with dr chen friday, no make it 3"))


@pytest.mark.parametrize(
    ("said", "hour"), [("can it be 3 instead", 15), ("could that be 10 please", 10), ("would it be 11?", 11)]
)
def test_an_hour_after_can_it_be_is_the_time(said: str, hour: int) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at == time(hour, 0)


@pytest.mark.parametrize("said", ["can it be 2 weeks later", "could it be 2 of us", "would it be 3 days"])
def test_a_count_after_can_it_be_is_no_time(said: str) -> None:
    assert find_when(normalize(said), NOW.replace(tzinfo=None)).at is None


async def test_a_visit_just_booked_moved_to_a_bare_hour_the_same_day(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "ryan walker 12/12/1992 can i book dr rodriguez for friday at 10",
            "yes",
            "oh wait actually can you move that new one to 3 instead same day friday",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1020") == {(RODRIGUEZ, at(4, 15))}, transcript


@pytest.mark.parametrize(
    ("turns", "person", "phone", "now_booked"),
    [
        (  # the quarter hour said apart, the day before it
            ["hi this is andrew harris born march 6 1961 can i get dr patel this friday at like 11 30", "yep"],
            "p-1016", None, {(PATEL, at(4, 11, 30))},
        ),
        (  # offered the afternoon's first times, another one said as "3 30"
            ["ryan walker 12/12/1992 what does dr chen have friday afternoon", "ok um 3 30 then", "yes"],
            "p-1020", None, {(CHEN, at(4, 15, 30))},
        ),
        (  # a change asked at the proposal, the time said apart
            ["mia white dob january 25 1996 i need dr rodriguez friday at 9 am", "no wait can it be 9 30 instead",
             "yes"],
            "p-1015", None, {(RODRIGUEZ, at(4, 9, 30))},
        ),
        (  # anyone, with "which doctor" said
            ["daniel thomas born april 21 1979 doesn't matter which doctor whoever is free friday at 3", "yes"],
            "p-1008", None, None,
        ),
        (  # the visit called "the thing": a move, never a second booking
            ["hey its james wilson born january 30 1965 i have the thing with dr chen friday can i make it "
             "earlier like 11 same day", "yes"],
            "p-1004", None, {(CHEN, at(4, 11))},
        ),
        (  # the son named after "my sons appointment", his birthday in its own message
            ["maria garcia here i need to cancel my sons appointment lucas garcia", "his birthday is april 8th 2015",
             "yes"],
            "p-1013", FAMILY_PHONE, set(),
        ),
    ],
)  # fmt: skip
async def test_held_out_set_9_families(
    turns: list[str],
    person: str,
    phone: str | None,
    now_booked: set[tuple[str, datetime]] | None,
    chat: Chat,
    demo: DemoConnector,
) -> None:
    _, transcript = await converse(chat, turns, phone)
    found = await booked(demo, person)
    if now_booked is None:  # any doctor: one visit at that time
        assert {start for _, start in found} == {at(4, 15)} and len(found) == 1, transcript
    else:
        assert found == now_booked, transcript
    assert await booked(demo, "p-1012") == set(), transcript  # nothing for the parent


@pytest.mark.parametrize(
    "change",
    [
        "no wait can it be a little after that instead",
        "hmm actually could it be the quarter after instead",
        "wait, make it a tad later",
    ],
)
async def test_a_change_not_understood_at_the_proposal_is_never_the_same_proposal_again(
    change: str, chat: Chat, demo: DemoConnector
) -> None:
    first = "isabella jackson dob february 3 1987 i need dr rodriguez friday at 9 am"
    _, transcript = await converse(chat, [first, change, "yes"], None)
    assert "Shall I go ahead?" not in transcript.split("\n")[3], transcript
    assert await booked(demo, "p-1011") == set(), transcript  # the 9 AM she changed is not written
    await chat.say("friday at 9:30 please")
    await chat.say("yes")
    assert await booked(demo, "p-1011") == {(RODRIGUEZ, at(4, 9, 30))}, transcript
