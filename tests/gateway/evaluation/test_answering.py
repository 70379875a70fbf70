"""The caller who answers back (`--caller answers`): what it says or keys after each kind of reply.
Real espeak-ng speech for what it says again; the replies are the offline agent's own wordings."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest

from gateway.clients.caller import CallerTurn
from gateway.evaluation.answering import AnsweringCaller
from gateway.evaluation.voices import CallerVoice

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by make system-deps",
)

SCRIPT = [
    "Could I see Doctor Rodriguez on Friday at half past two?",
    "It's Sophia Taylor, born the 5th of December 2001",
    "Yes, please.",
]


def caller() -> AnsweringCaller:
    return AnsweringCaller(CallerVoice("espeak:en-us"), SCRIPT, datetime(2026, 12, 1, 10, 0))


def spoken(text: str) -> CallerTurn:
    return CallerTurn(label=text, audio=None)


async def test_offered_the_keypad_it_types_the_date_of_birth_its_script_says() -> None:
    reply = (
        "Sorry, I didn't catch your date of birth. What is your date of birth, with the month, day and "
        "year? You can also type your date of birth on the keypad as eight digits: month, day, year."
    )
    turn = await caller()(reply, spoken(SCRIPT[1]))
    assert turn is not None and turn.dtmf == "12052001"
    # asked for the name too, a caller whose script never says its name types what it can
    nameless = AnsweringCaller(
        CallerVoice("espeak:en-us"),
        ["I need to cancel.", "My date of birth is July 23rd, 1990"],
        datetime(2026, 12, 1, 10, 0),
    )
    both = (
        "Thanks. I couldn't match that to the number you're calling from. Could you tell me your first "
        "and last name and your date of birth? You can also type your date of birth on the keypad as "
        "eight digits: month, day, year."
    )
    keyed = await nameless(both, spoken("My date of birth is July 23rd, 1990"))
    assert keyed is not None and keyed.dtmf == "07231990"


async def test_offered_keys_for_the_times_it_presses_the_one_it_asked_for() -> None:
    reply = "Sorry, which would you like: 2 PM, 2:30 PM or 3 PM? You can also press 1 for 2 PM, 2 for 2:30 PM, 3 for 3 PM."
    turn = await caller()(reply, spoken("Yes, please."))
    assert turn is not None and turn.dtmf == "2"


async def test_asked_whether_it_said_a_time_it_says_yes_or_says_it_again() -> None:
    answering = caller()
    right = await answering("Sorry, was that 2:30 PM?", spoken(SCRIPT[0]))
    assert right is not None and right.label == "Yes, that's right." and right.audio is not None
    wrong = await answering("Sorry, was that 3 PM?", spoken(SCRIPT[0]))
    assert wrong is not None and wrong.label == SCRIPT[0]


async def test_not_caught_it_says_the_same_words_again_more_slowly_twice_at_most() -> None:
    answering = caller()
    voice = CallerVoice("espeak:en-us")
    first = (await voice.say(SCRIPT[0])).audio
    reply = "Sorry, I didn't catch that. Could you say that again?"
    again = [await answering(reply, spoken(SCRIPT[0])) for _ in range(3)]
    assert [t.label if t else None for t in again] == [SCRIPT[0], SCRIPT[0], None]
    assert again[0] is not None and again[0].audio is not None
    assert len(again[0].audio) > 1.15 * len(first)  # a fifth slower
    assert answering.answers == [SCRIPT[0], SCRIPT[0]]


async def test_a_reply_that_moves_on_gets_the_next_scripted_turn() -> None:
    answering = caller()
    assert (
        await answering(
            "I have 2:30 PM on Friday with Dr. Sofia Rodriguez. Shall I book it?", spoken(SCRIPT[1])
        )
        is None
    )
    # keys are exact: a keyed answer is never said again
    assert (
        await answering("Sorry, I didn't catch that.", CallerTurn(label="dtmf:12052001", dtmf="12052001"))
        is None
    )


async def test_asked_which_day_or_doctor_it_says_its_request_again() -> None:
    answering = caller()
    turn = await answering(
        "Which doctor would you like to see: Dr. Priya Patel, Dr. Marcus Chen or Dr. Sofia Rodriguez?",
        spoken("Yes, please."),
    )
    assert turn is not None and turn.label == SCRIPT[0] and turn.audio is not None


async def test_offered_another_change_than_it_asked_for_it_says_no_and_its_request() -> None:
    answering = caller()
    wrong_doctor = "I'll book you with Dr. Marcus Chen on Friday, December 4th at 2:30 PM. Shall I go ahead?"
    turn = await answering(wrong_doctor, spoken(SCRIPT[1]))
    assert turn is not None and turn.label == f"No. {SCRIPT[0]}"
    right = "I'll book you with Dr. Elena Rodriguez on Friday, December 4th at 2:30 PM. Shall I go ahead?"
    assert await answering(right, spoken(SCRIPT[1])) is None
    mover = AnsweringCaller(
        CallerVoice("espeak:en-us"),
        ["Can I move my appointment to Monday at 3 PM?", "Yes."],
        datetime(2026, 12, 1, 10, 0),
    )
    booking = await mover(
        "I'll book you with Dr. Marcus Chen on Monday, December 7th at 3 PM. Shall I go ahead?", spoken("x")
    )
    assert booking is not None and booking.label.startswith("No.")
    move = (
        "I'll move your appointment with Dr. Marcus Chen on Friday, December 4th at 2:30 PM to Monday, "
        "December 7th at 3 PM with Dr. Marcus Chen. Shall I go ahead?"
    )
    assert await mover(move, spoken("x")) is None


async def test_asked_for_its_full_name_it_says_its_name_and_date_of_birth_again() -> None:
    reply = "Thanks. I couldn't match that to the number you're calling from. Could you tell me your first and last name and your date of birth?"
    turn = await caller()(reply, CallerTurn(label="dtmf:12052001", dtmf="12052001"))
    assert turn is not None and turn.label == SCRIPT[1]


async def test_offered_times_it_takes_its_own_or_asks_again() -> None:
    answering = caller()
    offer = "On Friday, December 4th, Dr. Elena Rodriguez has 2 PM, 2:30 PM, or 3 PM. Which would you like?"
    taken = await answering(offer, spoken(SCRIPT[1]))
    assert taken is not None and taken.label == "2:30 PM, please."
    other = "On Tuesday, December 1st, Dr. Elena Rodriguez has 10:30 AM, 11 AM, or 11:30 AM. Which one would you like?"
    again = await answering(other, spoken(SCRIPT[1]))
    assert again is not None and again.label == f"No. {SCRIPT[0]}"


async def test_its_time_on_another_day_is_not_taken() -> None:
    offer = "On Thursday, December 3rd, Dr. Elena Rodriguez has 2 PM, 2:30 PM, or 3 PM. Which would you like?"
    turn = await caller()(offer, spoken(SCRIPT[1]))
    assert turn is not None and turn.label == f"No. {SCRIPT[0]}"
    proposal = (
        "I'll book you with Dr. Elena Rodriguez on Thursday, December 3rd at 2:30 PM. Shall I go ahead?"
    )
    no = await caller()(proposal, spoken(SCRIPT[1]))
    assert no is not None and no.label.startswith("No.")


async def test_next_tuesday_is_not_this_tuesday() -> None:
    mover = AnsweringCaller(
        CallerVoice("espeak:en-us"),
        ["I'd like to see Doctor Rodriguez next Tuesday at 1 PM.", "Yes, please."],
        datetime(2026, 12, 1, 10, 0),  # a Tuesday
    )
    today = "I'll book you with Dr. Elena Rodriguez on Tuesday, December 1st at 1 PM. Shall I go ahead?"
    assert (await mover(today, spoken("x"))) is not None
    week_on = "I'll book you with Dr. Elena Rodriguez on Tuesday, December 8th at 1 PM. Shall I go ahead?"
    assert (await mover(week_on, spoken("x"))) is None


async def test_with_its_date_of_birth_typed_it_gives_its_name_alone() -> None:
    answering = caller()
    both = (
        "I'm sorry, I couldn't verify those details. Could you tell me your full name and date of birth "
        "again? You can also type your date of birth on the keypad as eight digits: month, day, year."
    )
    keyed = await answering(both, spoken(SCRIPT[1]))
    assert keyed is not None and keyed.dtmf == "12052001"
    name = await answering("Thank you. And what is your first and last name?", keyed)
    assert name is not None and name.label == "Sophia Taylor."


async def test_offered_the_keypad_for_its_last_name_it_types_it() -> None:
    reply = (
        "I'm sorry, I couldn't match that name with the date of birth you typed. Please type your last name "
        "on the keypad, pressing each letter's key once, then the pound key. For example, Lee is 5, 3, 3."
    )
    turn = await caller()(reply, CallerTurn(label="dtmf:12052001", dtmf="12052001"))
    assert turn is not None and turn.dtmf == "829567#"  # T-A-Y-L-O-R


async def test_asked_which_day_right_after_keys_it_says_its_request_again() -> None:
    reply = "Thank you, Sophia. Sorry, which day would you like at 2:30 PM?"
    turn = await caller()(reply, CallerTurn(label="dtmf:12052001", dtmf="12052001"))
    assert turn is not None and turn.label == SCRIPT[0]


async def test_offered_the_keypad_for_the_day_it_types_the_day_its_request_names() -> None:
    # "Friday" said on Tuesday 1 December 2026: Friday the 4th, typed month then day
    reply = "Okay. What other day or time would work for you? You can also type the date on the keypad as four digits, month then day."
    turn = await caller()(reply, spoken("No. " + SCRIPT[0]))
    assert turn is not None and turn.dtmf == "1204"
    # a request that names no one day has nothing to type: it says its request again
    vague = AnsweringCaller(
        CallerVoice("espeak:en-us"),
        ["I'd like to see Dr. Chen sometime next week."],
        datetime(2026, 12, 1, 10, 0),
    )
    asked = "Which day would you like at 2 PM? You can also type the date on the keypad as four digits, month then day."
    again = await vague(asked, spoken("I'd like to see Dr. Chen sometime next week."))
    assert (
        again is not None
        and again.dtmf is None
        and again.label == "I'd like to see Dr. Chen sometime next week."
    )
