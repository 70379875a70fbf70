"""The offline planner through whole conversations against the demo practice; each scenario
checks the system of record afterwards, not just the words."""

from __future__ import annotations

from datetime import datetime

from agents.api import Handoff
from connectors.base import ListAppointments
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat


async def appointments(demo: DemoConnector, person_id: str) -> list:
    return [
        a
        for a in (await demo.list_appointments(ListAppointments(person_id=person_id))).appointments
        if a.status == "booked"
    ]


async def test_book_by_choice_from_offered_slots(chat: Chat, demo: DemoConnector) -> None:
    assert "How can I help" in await chat.greet()
    reply = await chat.say("Hi, I'd like to book an appointment with Dr. Patel")
    assert "date of birth" in reply
    reply = await chat.say("Sarah Johnson, March fourteenth nineteen eighty-five")
    assert "Dr. Priya Patel has" in reply and "Which would you like?" in reply
    assert chat.state.verified_person_id == "p-1001"
    reply = await chat.say("the second one")
    assert reply.startswith("I'll book you with Dr. Priya Patel on ") and reply.endswith("Shall I go ahead?")
    assert await appointments(demo, "p-1001") == []  # nothing written before the yes
    reply = await chat.say("yes")
    booked = await appointments(demo, "p-1001")
    assert len(booked) == 1 and booked[0].provider_id == "dr-patel"
    assert booked[0].start > NOW
    assert reply.startswith("Done. You're booked with Dr. Priya Patel")
    assert [p["ok"] for p in chat.events("agent.validation")] == [True]
    await chat.say("no that's all")
    assert chat.ended and chat.state.ended


async def test_book_exact_time_in_one_sentence_from_speech(chat: Chat, demo: DemoConnector) -> None:
    # lowercase, no punctuation, numbers as words: as Whisper may write it
    reply = await chat.say("i need to see doctor chen next tuesday at three pm")
    assert "date of birth" in reply
    reply = await chat.say(
        "my name is michael brown and i was born on the second of november nineteen seventy two"
    )
    assert reply == "I'll book you with Dr. Marcus Chen on Tuesday, December 8th at 3 PM. Shall I go ahead?"
    await chat.say("yeah go ahead")
    booked = await appointments(demo, "p-1002")
    assert [(a.provider_id, a.start) for a in booked] == [
        ("dr-chen", datetime(2026, 12, 8, 15, 0, tzinfo=NOW.tzinfo))
    ]


async def test_reschedule_the_only_appointment(chat: Chat, demo: DemoConnector) -> None:
    before = await appointments(demo, "p-1003")
    assert len(before) == 1
    await chat.say("I need to reschedule my appointment")
    reply = await chat.say("emily davis 07/23/1990")
    assert "What day would you like to move it to?" in reply and "Dr. Priya Patel" in reply
    reply = await chat.say("thursday afternoon")
    assert "Thursday, December 3rd" in reply
    reply = await chat.say("the 3 pm one")
    assert reply.startswith("I'll move your appointment") and "to Thursday, December 3rd at 3 PM" in reply
    reply = await chat.say("yes please")
    after = await appointments(demo, "p-1003")
    assert [a.start for a in after] == [datetime(2026, 12, 3, 15, 0, tzinfo=NOW.tzinfo)]
    assert "Thursday, December 3rd at 3 PM" in reply


async def test_cancel_with_caller_phone_and_date_of_birth(demo: DemoConnector, chat: Chat) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550104")
    reply = await call.say("hi i can't make it to my appointment i need to cancel it")
    assert "date of birth" in reply
    reply = await call.say("january thirtieth nineteen sixty five")
    assert reply.startswith("I'll cancel your appointment with Dr. Marcus Chen")
    assert call.events("agent.identity_verified")[0]["method"] == "phone_dob"
    await call.say("yes")
    assert await appointments(demo, "p-1004") == []


async def test_a_no_keeps_the_appointment(chat: Chat, demo: DemoConnector) -> None:
    await chat.say("cancel my appointment please. This is James Wilson, born 1965-01-30")
    reply = await chat.say("no, don't")
    assert "won't" in reply
    assert len(await appointments(demo, "p-1004")) == 1
    assert chat.events("agent.confirmation_declined")[0]["verdict"] == "no"


async def test_wrong_date_of_birth_discloses_nothing_and_hands_over(chat: Chat) -> None:
    await chat.say("what are my appointments")
    replies = [await chat.say("emily davis, january 1st 1980")]
    replies.append(await chat.say("my name is nobody atall born january 1st 1980"))
    # an existing name with a wrong date reads exactly like a name that doesn't exist
    assert replies[0] == replies[1]
    assert all("Dr." not in r and "December" not in r for r in replies)
    assert chat.state.verified_person_id is None
    await chat.say("Emily Davis, February 2nd 1991")
    assert chat.handoff is not None and "identity" in chat.handoff.reason
    assert [p["failures"] for p in chat.events("agent.identity_failed")] == [1, 2, 3]


async def test_three_turns_not_understood_hand_over(chat: Chat) -> None:
    # one clarifying question per misunderstanding; a person after the third failed repair
    reply = await chat.say("blorp the wibble")
    assert "didn't understand" in reply
    reply = await chat.say("zzz qqq")
    assert "didn't understand" in reply and chat.handoff is None
    await chat.say("wub wub")
    assert isinstance(chat.handoff, Handoff) and chat.state.handed_off


async def test_ambiguous_appointment_asks_which(chat: Chat, demo: DemoConnector) -> None:
    await chat.say("book me in please, Sarah Johnson march 14 1985")
    await chat.say("tomorrow at 10 with doctor patel")
    await chat.say("yes")
    await chat.say("and another one with dr chen on friday at 11")
    await chat.say("yes")
    assert len(await appointments(demo, "p-1001")) == 2
    reply = await chat.say("I want to cancel my appointment")
    assert "Which one would you like to cancel" in reply
    reply = await chat.say("the one on friday")
    assert reply.startswith(
        "I'll cancel your appointment with Dr. Marcus Chen on Friday, December 4th at 11 AM"
    )
    await chat.say("yes")
    assert [a.provider_id for a in await appointments(demo, "p-1001")] == ["dr-patel"]


async def test_speak_to_a_person(chat: Chat) -> None:
    reply = await chat.say("can I talk to a real person please")
    assert "member of our team" in reply
    assert chat.handoff is not None and chat.state.handed_off
    assert chat.events("handoff.requested")[0]["reason"]


async def test_list_appointments_and_refuse_someone_elses(chat: Chat) -> None:
    await chat.say("when is my appointment? I'm Emily Davis, July 23rd 1990")
    reply = chat.outputs and " ".join(o.text for o in chat.outputs if hasattr(o, "text"))
    assert "Dr. Priya Patel on Thursday, December 3rd at 10 AM" in reply
    reply = await chat.say("now show me James Wilson's appointments")
    assert "only help with your own" in reply and "Chen" not in reply
