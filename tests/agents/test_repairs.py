"""Calls on a bad line: misheard names, choices and answers are repaired by asking back or by the
keypad, never by a guess, and the caller's task survives the repair. Voice channel, the demo
practice, fixed clock (Tuesday December 1st 2026, 10 AM). The system of record is checked."""

from __future__ import annotations

from datetime import datetime

import pytest

from agents.offline.phonetic import closest, ways_to_say_doctor, ways_to_say_time
from connectors.base import ListAppointments
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat, MemoryAuditSink, make_chat

SARAH_PHONE = "+15035550101"  # Sarah Johnson, born March 14th 1985
GARCIA_PHONE = "+15035550112"  # Maria Garcia (October 19th 1982) and her son Lucas (April 8th 2015)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NOW.tzinfo)


@pytest.fixture
def call(demo: DemoConnector, audit: MemoryAuditSink) -> Chat:
    return make_chat(demo, audit, channel="voice", caller_phone=SARAH_PHONE)


def phone_call(demo: DemoConnector, audit: MemoryAuditSink, phone: str) -> Chat:
    return make_chat(demo, audit, channel="voice", caller_phone=phone)


async def booked(demo: DemoConnector, person: str) -> set[tuple[str, datetime]]:
    found = await demo.list_appointments(ListAppointments(person_id=person))
    return {(a.provider_id, a.start) for a in found.appointments if a.status == "booked"}


# ---------------------------------------------------------------------------- phonetic matching

TIMES = [at(8, 9), at(8, 9, 30), at(8, 10)]
DOCTORS = ["Dr. Priya Patel", "Dr. Marcus Chen", "Dr. Elena Rodriguez"]


@pytest.mark.parametrize(
    ("heard", "index"),
    [("night thirty", 1), ("dine thirty", 1), ("i'll take the nine thirty", 1), ("nine please", 0),
     ("the nine o'clock one", 0), ("tin", 2), ("ten a m", 2), ("half past nine", 1)],
)  # fmt: skip
def test_a_misheard_time_is_read_as_the_offered_one(heard: str, index: int) -> None:
    guess = closest(heard, [ways_to_say_time(t) for t in TIMES])
    assert guess is not None and guess.index == index and guess.likely


@pytest.mark.parametrize("heard", ["mather one please", "never want to clean", "we knock her a regand"])
def test_words_like_no_option_are_not_sure(heard: str) -> None:
    guess = closest(heard, [ways_to_say_time(t) for t in TIMES])
    assert guess is not None and not guess.sure


@pytest.mark.parametrize(
    ("heard", "index"),
    [("doctor rodriquez", 2), ("with doctor rod regus", 2), ("doctor petals", 0), ("dr chin", 1)],
)
def test_a_misheard_doctor_sounds_like_one(heard: str, index: int) -> None:
    guess = closest(heard, [ways_to_say_doctor(d) for d in DOCTORS])
    assert guess is not None and guess.index == index and guess.sure


def test_a_word_between_two_doctors_is_not_sure() -> None:
    guess = closest("doctor for help", [ways_to_say_doctor(d) for d in DOCTORS])
    assert guess is not None and not guess.sure


# ---------------------------------------------------------------------------- identity


async def test_a_misheard_first_name_does_not_fail_the_number_and_date_of_birth(
    call: Chat, demo: DemoConnector
) -> None:
    await call.greet()
    await call.say("hi i want to book with doctor chen next thursday at ten")
    reply = await call.say("aaron johnson march fourteenth nineteen eighty five")
    assert "Shall I go ahead?" in reply and "December 10th at 10 AM" in reply
    await call.say("yes")
    assert await booked(demo, "p-1001") == {("dr-chen", at(10, 10))}
    assert [e["method"] for e in call.events("agent.identity_verified")] == ["phone_dob_name_heard"]


async def test_a_different_last_name_still_fails(call: Chat, demo: DemoConnector) -> None:
    await call.say("book with doctor chen next thursday at ten")
    reply = await call.say("sarah smith march fourteenth nineteen eighty five")
    assert "couldn't verify" in reply and not call.state.verified_person_id
    assert "keypad" in reply  # on the phone, a failed date of birth offers the keypad


async def test_another_family_members_first_name_still_fails(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = phone_call(demo, audit, GARCIA_PHONE)
    await call.say("i'd like to book an appointment")
    reply = await call.say("lucas garcia october nineteenth nineteen eighty two")  # Maria's birth date
    assert "couldn't verify" in reply and not call.state.verified_person_id


async def test_the_date_of_birth_on_the_keypad_verifies(call: Chat, demo: DemoConnector) -> None:
    await call.say("i need an appointment tomorrow morning")
    reply = await call.say("and very twentieth ninety ninety")  # Whisper's try at a date of birth
    assert "keypad" in reply
    reply = await call.press("03141985")
    assert call.state.verified_person_id == "p-1001"
    assert "December 2nd" in reply  # the task survived: tomorrow morning is offered at once


# ---------------------------------------------------------------------------- the task survives


async def test_a_failed_check_keeps_the_booking_request(call: Chat, demo: DemoConnector) -> None:
    await call.say("can i see doctor rodriguez next tuesday at ten thirty")
    await call.say("sarah johnson june first nineteen ninety")  # wrong date of birth
    reply = await call.say("sarah johnson march fourteenth nineteen eighty five")
    assert "Dr. Elena Rodriguez on Tuesday, December 8th at 10:30 AM. Shall I go ahead?" in reply
    await call.say("yes please")
    assert await booked(demo, "p-1001") == {("dr-rodriguez", at(8, 10, 30))}


async def test_a_day_said_instead_of_the_identity_is_kept(call: Chat, demo: DemoConnector) -> None:
    await call.say("i would like to see a doctor")
    reply = await call.say("next thursday in the morning")
    assert "didn't catch" not in reply and "date of birth" in reply
    reply = await call.say("sarah johnson march fourteenth nineteen eighty five")
    assert "Thursday, December 10th" in reply


async def test_doctor_for_help_is_not_a_name(call: Chat) -> None:
    reply = await call.say("i need a doctor for help")
    assert "Help" not in reply


# ---------------------------------------------------------------------------- slot choices


async def _offered(call: Chat) -> str:
    await call.say("book with doctor chen next tuesday morning")
    reply = await call.say("sarah johnson march fourteenth nineteen eighty five")
    assert "9 AM, 9:30 AM, or 10 AM" in reply
    return reply


async def test_an_unclear_choice_names_the_options_and_offers_the_keypad(
    call: Chat, demo: DemoConnector
) -> None:
    await _offered(call)
    reply = await call.say("mather one please")
    assert "press 1 for 9 AM, 2 for 9:30 AM" in reply
    reply = await call.press("2")
    assert "9:30 AM. Shall I go ahead?" in reply
    await call.say("yes")
    assert await booked(demo, "p-1001") == {("dr-chen", at(8, 9, 30))}


async def test_a_misheard_time_sure_enough_is_proposed_not_booked(call: Chat, demo: DemoConnector) -> None:
    await _offered(call)
    reply = await call.say("dine thirty")
    assert "9:30 AM. Shall I go ahead?" in reply  # the caller still has to agree
    assert await booked(demo, "p-1001") == set()


async def test_a_likely_time_is_asked_back(call: Chat, demo: DemoConnector) -> None:
    await _offered(call)
    reply = await call.say("the knight thirsty")
    assert "was that 9:30 AM?" in reply
    reply = await call.say("yes")
    assert "9:30 AM. Shall I go ahead?" in reply


async def test_three_failed_choices_hand_over_and_book_nothing(call: Chat, demo: DemoConnector) -> None:
    await _offered(call)
    for heard in ("mather one please", "blorp", "never want to clean"):
        await call.say(heard)
    assert call.handoff is not None and "time" in call.handoff.reason
    assert await booked(demo, "p-1001") == set()
