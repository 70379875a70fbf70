"""A last name typed on the keypad after a name check failed on the phone: keys are exact, so a
last name the speech model cannot hear ("Game's Wilton" for James Wilson) does not fail a caller
whose date of birth was typed too, while keys that spell nobody born that day still fail. Voice
channel, the demo practice, fixed clock (Tuesday December 1st 2026, 10 AM)."""

from __future__ import annotations

from datetime import datetime

import pytest

from agents.keyed_names import keys_of, typed_name_keys
from connectors.base import FindPeopleByDob, ListAppointments
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat, MemoryAuditSink, make_chat

OTHER_PHONE = "+15035550999"  # a number nobody on file has: name and date of birth are needed


@pytest.mark.parametrize(
    ("name", "keys"),
    [("Wilson", "945766"), ("O'Brien", "627436"), ("Ramírez", "7264739"), ("Van der Berg", "8263372374"),
     ("LEE", "533")],
)  # fmt: skip
def test_a_name_is_spelled_on_the_keypad(name: str, keys: str) -> None:
    assert keys_of(name) == keys


@pytest.mark.parametrize(
    ("typed", "keys"),
    [("945766#", "945766"), ("945766", "945766"), ("03141985", None), ("1", None), ("9", None),
     ("94a766", None), ("0", None), ("", None)],
)  # fmt: skip
def test_only_letter_keys_are_a_typed_name(typed: str, keys: str | None) -> None:
    assert typed_name_keys(typed) == keys


@pytest.fixture
def call(demo: DemoConnector, audit: MemoryAuditSink) -> Chat:
    return make_chat(demo, audit, channel="voice", caller_phone=OTHER_PHONE)


async def _name_misheard_after_typed_date(call: Chat) -> str:
    await call.say("i'd like to cancel my appointment with doctor chen")
    reply = await call.say("james wilton january thirtieth nineteen sixty five")  # James Wilson, misheard
    assert "keypad" in reply and not call.state.verified_person_id
    reply = await call.press("01301965")
    assert not call.state.verified_person_id
    return reply


async def test_the_last_name_typed_verifies_and_the_task_goes_on(call: Chat, demo: DemoConnector) -> None:
    reply = await _name_misheard_after_typed_date(call)
    assert "type your last name on the keypad" in reply
    reply = await call.press("945766#")
    assert call.state.verified_person_id == "p-1004"
    assert "I'll cancel your appointment with Dr. Marcus Chen" in reply  # not asked again
    before = await demo.list_appointments(ListAppointments(person_id="p-1004"))
    await call.say("yes")
    after = await demo.list_appointments(ListAppointments(person_id="p-1004"))
    assert [a.status for a in before.appointments] == ["booked"] and not after.appointments
    methods = [e["method"] for e in call.events("agent.identity_verified")]
    assert methods == ["dob_last_name_keys"]


async def test_keys_of_another_name_fail_and_are_counted(call: Chat) -> None:
    await _name_misheard_after_typed_date(call)
    await call.press("766#")  # "Son": nobody born that day
    assert not call.state.verified_person_id
    assert call.handoff is not None  # the third failed check: a person takes over
    assert [e["method"] for e in call.events("agent.identity_failed")][-1] == "dob_last_name_keys"


async def test_a_spoken_date_of_birth_is_not_followed_by_the_name_keys(call: Chat) -> None:
    await call.say("i'd like to cancel my appointment with doctor chen")
    reply = await call.say("james wilton january thirtieth nineteen sixty five")
    assert (
        "couldn't verify" in reply and "type your last name" not in reply
    )  # the date may be what was misheard


async def test_not_offered_in_chat(demo: DemoConnector, audit: MemoryAuditSink) -> None:
    chat = make_chat(demo, audit)
    await chat.say("i'd like to cancel my appointment")
    await chat.say("games wilton 01/30/1965")
    reply = await chat.say("01301965")
    assert "keypad" not in reply and not chat.state.verified_person_id


async def test_the_demo_practice_finds_everyone_born_on_a_day(demo: DemoConnector) -> None:
    found = await demo.find_people_by_dob(FindPeopleByDob(date_of_birth=datetime(1965, 1, 30).date()))
    assert [(p.first_name, p.last_name) for p in found.people] == [("James", "Wilson")]


async def test_a_name_not_caught_after_a_typed_date_of_birth_is_asked_for_on_the_keypad(
    call: Chat, demo: DemoConnector
) -> None:
    await call.say("i can't make it to my appointment please cancel it")
    reply = await call.press("07231990")  # Emily Davis, from a number not hers
    assert "first and last name" in reply
    reply = await call.say("family made with")  # Whisper's "Emily Davis"
    assert "type your last name on the keypad" in reply
    reply = await call.press("32847#")  # D-A-V-I-S
    assert call.state.verified_person_id == "p-1003"
    assert "I'll cancel your appointment with Dr. Priya Patel" in reply


async def test_words_not_caught_at_the_read_back_get_the_whole_read_back_again(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550121")  # Harper Young's number
    await call.say("can i make an appointment with dr patel on friday at 11 am")
    reply = await call.say("harper young august 20 1968")
    assert "Shall I go ahead?" in reply
    reply = await call.say("half a year more august when the 1968")  # the date of birth, garbled, again
    assert reply.startswith("Sorry, I didn't catch that. I'll book you with Dr. Priya Patel")
    await call.say("yes please")
    booked = await demo.list_appointments(ListAppointments(person_id="p-1021"))
    assert [(a.provider_id, a.start.hour) for a in booked.appointments] == [("dr-patel", 11)]


async def test_the_date_of_birth_said_again_at_the_read_back_is_no_day(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550101")  # Sarah Johnson's number
    await call.say("i'd like an appointment with dr patel next tuesday at 10 am")
    await call.say("sarah johnson march 14 1985")
    reply = await call.say("sarah johnson for march 14 i think")
    assert "I'll book you with Dr. Priya Patel on Tuesday, December 8th at 10 AM" in reply
    assert "March 14th" not in reply


def test_a_model_is_told_of_the_keys_only_where_they_can_be_used() -> None:
    from datetime import UTC, datetime

    from agents.llm.prompt import system_prompt
    from agents.planner import CallerFacts, PlanContext
    from agents.tools import ToolRegistry

    def prompt(name_keys: bool) -> str:
        ctx = PlanContext(
            conversation_id="c",
            channel="voice",
            business_name="Riverside Family Clinic",
            timezone="UTC",
            now=datetime(2026, 12, 1, 10, tzinfo=UTC),
            messages=[],
            tools=ToolRegistry([]),
            caller=CallerFacts(has_caller_phone=True, name_keys=name_keys),
        )
        return system_prompt(ctx)

    assert "last_name_keys" in prompt(True) and "last_name_keys" not in prompt(False)
