"""Held-out sets #6-#8's failure families, in other names, dates and wordings than those sets: a
move to another time the same day given as an example ("earlier in the day, like 9", "later,
maybe 3") or with no time at all ("could it go earlier in the day?": that day's times before the
appointment), "I'm booked Thursday" (an appointment, not a busy day), and a child's appointment
the parent says they "will not make it" to, with the cancellation in a sentence of its own."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.followups import split_followup
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import dob_of_another, find_name, subject_names
from agents.offline.numbers import normalize
from agents.offline.shifts import side_of
from agents.policy import classify_confirmation
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, TODAY, Chat
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


# ---------------------------------------------------------------- held-out set 8's families


@pytest.mark.parametrize(
    ("said", "day", "hour", "minute"),
    [
        ("tomorrow week at 10", 9, 10, 0),  # a week from tomorrow (Wednesday the 2nd + 7)
        ("could I come today week, 2 o'clock?", 8, 14, 0),
        ("at the 10 and half in the morning on friday", 4, 10, 30),
        ("thursday, 2 and a half", 3, 14, 30),
    ],
)
def test_british_and_non_native_day_and_time_forms(said: str, day: int, hour: int, minute: int) -> None:
    when = find_when(normalize(said), NOW.replace(tzinfo=None))
    assert (when.start, when.at) == (at(day, 0).date(), time(hour, minute))


@pytest.mark.parametrize(
    "said", ["2 and a half hours later", "my son is 9 and a half", "for 2 and a half weeks"]
)
def test_and_a_half_of_a_count_or_an_age_is_no_clock_time(said: str) -> None:
    assert ":30" not in normalize(said)


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("born on Christmas Eve 1990", date(1990, 12, 24)),
        ("my birthday is Valentine's Day, 1987", date(1987, 2, 14)),
        ("dob new year's day of 2001", date(2001, 1, 1)),
        ("born st patrick's day 1975", date(1975, 3, 17)),
    ],
)
def test_a_date_of_birth_said_as_a_holiday(said: str, born: date) -> None:
    assert find_dob(normalize(said), TODAY)[0] == born


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("D.O.B. 03/14/1985, name Sarah Johnson. book dr chen", ("Sarah", "Johnson")),
        ("name: Mia White, dob 1/25/96", ("Mia", "White")),
        ("born 9 sept 2004 - full name Joshua Lewis", ("Joshua", "Lewis")),
    ],
)
def test_a_name_given_as_on_a_form(said: str, name: tuple[str, str]) -> None:
    assert find_name(normalize(said)) == name


@pytest.mark.parametrize(
    "said",
    [
        "What date is my daughter's check-up?",
        "which day is his appointment again",
        "what time was my appointment on friday",
    ],
)
def test_what_day_is_an_appointment_is_a_listing(said: str) -> None:
    assert task_of(intents(normalize(said))) == Intent.LIST


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("I'm ringing about my daughter's check-up on Friday, can we do the same day but after work?", Intent.RESCHEDULE),
        ("my husband's physical on monday, could we do it a bit later instead, say 4?", Intent.RESCHEDULE),
        ("book my son an appointment, the same day but after school", Intent.BOOK),
        ("I'd like a new appointment the same day as my wife's, at 3", Intent.BOOK),
        ("my husband has his check-up friday, can I get one the same day but after his?", Intent.BOOK),
        ("could my appointment be a bit later?", Intent.RESCHEDULE),
        ("can lucas's check-up go earlier", Intent.RESCHEDULE),
    ],
)  # fmt: skip
def test_another_time_for_an_appointment_they_have_is_a_move(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


@pytest.mark.parametrize("said", ["That'd be great, go ahead.", "it'd be lovely, thanks", "Yes, is good."])
def test_agreement_said_with_a_conditional_is_a_yes(said: str) -> None:
    assert classify_confirmation(said) == "yes"


@pytest.mark.parametrize(
    ("turns", "person", "phone", "now_booked"),
    [
        (  # a doctor corrected, then the first named again in an explanation
            ["Olivia Martinez, born May 9 1998. Thursday at 2 with Dr Chen - no, sorry, Dr Rodriguez, Chen is my "
             "husband's doctor.", "sounds good"],
            "p-1005", None, {(RODRIGUEZ, at(3, 14))},
        ),
        (  # a correction that leaves two doctors: which one is asked, never guessed
            ["Olivia Martinez, born May 9 1998. Friday at 11 with Dr Patel, hmm no, Dr Chen or Dr Rodriguez maybe",
             "Dr Rodriguez", "yes"],
            "p-1005", None, {(RODRIGUEZ, at(4, 11))},
        ),
        (  # "tomorrow week": a week from tomorrow, not tomorrow
            ["Hiya, Sarah Johnson here, 14/03/1985. Could Dr Patel see me tomorrow week at 10?", "lovely, yes"],
            "p-1001", None, {(PATEL, at(9, 10))},
        ),
        (  # two times asked for, the later one taken
            ["Daniel Thomas, April 21 1979. Is Dr Patel free Monday at 2 or 2:30?", "the later one", "yes"],
            "p-1008", None, {(PATEL, at(7, 14, 30))},
        ),
        (  # ... and the earlier one
            ["Daniel Thomas, April 21 1979. Dr Chen on Monday, 3:30 or 3?", "earlier one please", "yes"],
            "p-1008", None, {(CHEN, at(7, 15))},
        ),
        (  # a non-native speaker's half hour; "yes, is good"
            ["Good afternoon. I am Ava Hernandez, birth 11 August 1993. I want the doctor Chen the Thursday, at "
             "the 10 and half in the morning.", "Yes, is good."],
            "p-1009", None, {(CHEN, at(3, 10, 30))},
        ),
        (  # a holiday for a birthday, "that'd be grand"
            ["Siobhan O'Connor, my birthday is Halloween, 1994. Would Dr Chen have Monday at 11?",
             "That'd be grand so."],
            "p-1024", None, {(CHEN, at(7, 11))},
        ),
        (  # the visit named by what it is for, then a move by an amount: not a medical question
            ["Morning, James Wilson here, I've got my diabetes check-up on Friday with Dr Chen and my lift can't "
             "come till later, could we make it half an hour later? My birthday's 30 January 1965.", "yes"],
            "p-1004", None, {(CHEN, at(4, 15))},
        ),
        (  # another time for a child's visit, no verb of moving it
            ["Hi, I'm calling about my son Lucas Garcia's check-up - he was born April 8th 2015. Could we do the "
             "same day but later, like 2:30?", "yes please"],
            "p-1013", FAMILY_PHONE, {(RODRIGUEZ, at(8, 14, 30))},
        ),
        (  # the relative named beside the date of birth after the caller's own name (typed)
            ["hey its daniel thomas, need to move my wife's appt. emily davis, dob 7/23/1990. can it be the day "
             "after instead, same time", "go for it"],
            "p-1003", None, {(PATEL, at(4, 10))},
        ),
    ],
)  # fmt: skip
async def test_held_out_set_8_families(
    turns: list[str],
    person: str,
    phone: str | None,
    now_booked: set[tuple[str, datetime]],
    chat: Chat,
    demo: DemoConnector,
) -> None:
    _, transcript = await converse(chat, turns, phone)
    assert await booked(demo, person) == now_booked, transcript


async def test_a_possessive_name_before_a_kind_of_visit_is_the_patient(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat, ["hi need 2 cancel emily davis's checkup appt, dob 07/23/1990, all sorted now", "yep"], None
    )
    assert await booked(demo, "p-1003") == set(), transcript


async def test_what_day_is_a_childs_appointment_after_the_parent_named_herself(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Hello, this is Maria Garcia. Which day is my boy's vaccination appointment? Lucas Garcia, born 8 April 2015."
        ],
        FAMILY_PHONE,
    )
    assert "Tuesday, December 8th at 9:30 AM" in transcript, transcript
    assert await booked(demo, "p-1013") == LUCAS_SEEDED


@pytest.mark.parametrize(
    "turns",
    [
        ["Olivia Martinez, born May 9 1998. Could Dr Patel or Dr Rodriguez see me Thursday at 10?", "yes"],
        ["Olivia Martinez, born May 9 1998.", "Dr Patel or Dr Rodriguez, Thursday at 10?", "yes"],
    ],
)
async def test_either_of_two_doctors_is_never_a_third(
    turns: list[str], chat: Chat, demo: DemoConnector
) -> None:
    # Thursday at 10 Dr Patel is taken (Emily's visit) and Dr Chen is free: only Dr Rodriguez was asked for
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1005") == {(RODRIGUEZ, at(3, 10))}, transcript


async def test_a_visit_of_ones_own_beside_someone_elses_moves_nothing(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, 7/23/1990. My husband has his appointment on Thursday with Dr Chen, can I get one "
            "the same day but after his, at 3?",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == EMILY_SEEDED | {(CHEN, at(3, 15))}, transcript


async def test_could_my_appointment_be_later_offers_that_days_later_times(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat, ["James Wilson, 1/30/1965. Could my appointment be a bit later?", "the first one", "yes"], None
    )
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 15))}, transcript


@pytest.mark.parametrize(
    ("said", "doctor"),
    [
        (
            "Sarah Johnson, March 14 1985. I normally see Dr Chen but this time Dr Rodriguez, Monday at 10.",
            RODRIGUEZ,
        ),
        (
            "Sarah Johnson, March 14 1985. My daughter sees Dr Rodriguez; I'd need Dr Patel on Monday at 10.",
            PATEL,
        ),
        ("Sarah Johnson, March 14 1985. Monday at 10 with Chen - Patel is my husband's doctor.", CHEN),
    ],
)
async def test_a_doctor_named_as_the_usual_or_someone_elses_is_not_booked(
    said: str, doctor: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [said, "yes"], None)
    assert await booked(demo, "p-1001") == {(doctor, at(7, 10))}, transcript


@pytest.mark.parametrize(
    "said", ["sorry, I won't make it on time, I'll be 10 minutes late", "he won't be there by 9"]
)
def test_running_late_is_no_cancellation(said: str) -> None:
    assert task_of(intents(normalize(said))) != Intent.CANCEL


async def test_a_symptom_given_as_why_a_visit_is_cancelled_is_no_medical_question(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "James Wilson, 1/30/1965. I won't make my appointment on Friday, I've come down with a nasty cough.",
            "yes",
        ],
        None,
    )
    assert chat.handoff is None, transcript
    assert await booked(demo, "p-1004") == set(), transcript


async def test_a_medical_question_with_a_cancellation_still_goes_to_staff(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        ["Emily Davis, 7/23/1990. I need to cancel Thursday, I've got flu. Is it normal to feel dizzy?"],
        None,
    )
    assert chat.handoff is not None, transcript
    assert await booked(demo, "p-1003") == EMILY_SEEDED


@pytest.mark.parametrize(
    "turns",
    [
        ["Maria Garcia, October 19 1982. My son needs a check-up Friday at 10 with Dr Rodriguez.", "yes"],
        ["Hi, this is Maria Garcia, DOB 10/19/1982. I'd like to book my daughter in with Dr Rodriguez Friday at 10.",
         "yes"],
        ["Hi, this is Maria Garcia, DOB 10/19/1982. Can you cancel my boy's appointment on Tuesday?", "yes"],
    ],
)  # fmt: skip
async def test_a_caller_verified_as_themselves_in_the_turn_that_asks_for_a_relative_writes_nothing(
    turns: list[str], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    # the relative is served as themselves (agents.next_person): their own details are asked for
    assert "full name and date of birth?" in transcript, transcript
    assert await booked(demo, "p-1012") == set(), transcript
    assert await booked(demo, "p-1013") == LUCAS_SEEDED, transcript


@pytest.mark.parametrize(
    "turns",
    [
        ["Hi, I'm ringing to cancel my son's check-up.", "Lucas Garcia, April 8th 2015", "yes"],
        ["My wife asked me to cancel hers. Her name is Emily Davis, date of birth 7/23/1990.", "yes"],
    ],
)
async def test_a_relatives_own_details_verify_them_for_their_request(
    turns: list[str], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert "cancelled" in transcript, transcript


@pytest.mark.parametrize(
    ("said", "person", "doctor"),
    [
        ("Hi, I'm Emily Davis, 7/23/1990. My husband said I should book a check-up with Dr Patel Friday at 11.",
         "p-1003", PATEL),
        ("Sarah Johnson, March 14 1985. My wife wants me to see Dr Chen, Friday at 10 if possible.", "p-1001", CHEN),
    ],
)  # fmt: skip
async def test_a_relative_spoken_of_in_ones_own_request_blocks_nothing(
    said: str, person: str, doctor: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [said, "yes"], None)
    assert (doctor, at(4, 11 if doctor == PATEL else 10)) in await booked(demo, person), transcript
