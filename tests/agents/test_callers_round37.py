"""Families of held-out sets #36-#38 (callers who ramble, acceptance wordings, terse callers) in
other names, dates and wordings than the sets: a yes with a question after it; a reason for the
visit said as a clause of its own ("it's about my medication"); what someone else said or did
("the school nurse thinks", "my boss booked me on a course"); why a visit must go ("my insurance
changed so I have to cancel"); "whichever's first", "2 or later", "not that one, the next"; a
relative named with the date of birth; a callback about staff work; a second visit said as "a
follow-up"; name and date of birth alone, wrong three times."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
FAMILY = "+15035550112"  # the Garcias' number


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"),
    [
        # a yes, then a question that is not about the write: the write, then the question
        (["Mia White 1/25/1996, dr chen monday at 10", "sounds good, oh and is there a car park nearby?"],
         "p-1015", {(CHEN, at(7, 10))}, None),
        (["ava hernandez 8/11/1993 dr patel monday at 2", "yes please and do you have wheelchair access"],
         "p-1009", {(PATEL, at(7, 14))}, None),
        # the visit's reason as a clause of its own beside the booking
        (["Ava Hernandez 8/11/1993, could I book dr patel on monday at 11, it's mostly about my blood pressure pills",
          "yes"], "p-1009", {(PATEL, at(7, 11))}, None),
        (["andrew harris march 6 1961 i want to book doctor chen wednesday the 9th at 3 the reason is my inhaler "
          "dose", "yes"], "p-1016", {(CHEN, at(9, 15))}, None),
        # what someone else said or did is no request of the caller's
        (["it's maria garcia, lucas's mum, his date of birth is 8 april 2015. the nurse at school thinks he needs "
          "his hearing tested, could he see dr rodriguez friday at 3", "yes"], "p-1013",
         {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(4, 15))}, FAMILY),
        (["Emily Davis 7/23/1990. my boss booked me on a course that day, could you shift my appointment to friday "
          "at 11", "yes"], "p-1003", {(PATEL, at(4, 11))}, None),
        # the relative named with the date of birth, after the caller introduced herself
        (["Hello, Maria Garcia speaking. Lucas is down for Dr Rodriguez next Tuesday - Lucas Garcia, date of birth "
          "April 8 2015 - could he come Wednesday the 9th at 2 instead", "yes"], "p-1013",
         {(RODRIGUEZ, at(9, 14))}, FAMILY),
        (["maria garcia. daughter? no, son: son lucas garcia 04/08/2015. cancel his rodriguez appointment", "yes"],
         "p-1013", set(), FAMILY),
        # why the visit must go
        (["james wilson 1/30/1965 my insurance changed so i have to cancel my appointment on friday", "yes"],
         "p-1004", set(), None),
        (["James Wilson 30/01/1965. Please cancel my Friday appointment with Dr Chen. My son is driving me to the "
          "hospital clinic instead.", "yes"], "p-1004", set(), None),
        # the first free time of a day, or from a time on
        (["Mia White 1/25/1996, dr patel on monday, whichever's first", "yes"], "p-1015", {(PATEL, at(7, 9))}, None),
        (["Mia White 1/25/1996, dr chen monday, 2 or later, whatever is first", "yes"], "p-1015",
         {(CHEN, at(7, 14))}, None),
        # the time after the one proposed
        (["Mia White 1/25/1996, dr chen monday first thing", "hmm, the one after that", "yes"], "p-1015",
         {(CHEN, at(7, 9, 30))}, None),
        (["emily davis 7/23/1990 move my appointment to the earliest dr patel has on friday", "nope, the next one",
          "yes"], "p-1003", {(PATEL, at(4, 9, 30))}, None),
        # the visit just booked, cancelled: "some other time" is when the caller sees to it
        (["Mia White 1/25/1996, dr chen monday at 10", "yes", "actually, cancel that please, i'll figure it out some "
          "other time", "yes"], "p-1015", set(), None),
        # a second visit said as a follow-up with a day of its own
        (["Ava Hernandez 8/11/1993. dr patel on monday the 7th at 11 and a follow-up with her a week later, monday "
          "the 14th, same time", "yes", "yes"], "p-1009", {(PATEL, at(7, 11)), (PATEL, at(14, 11))}, None),
    ],
)  # fmt: skip
async def test_set_36_to_38_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    talk, transcript = await converse(chat, turns, phone)
    assert await booked(demo, person) == after, transcript
    assert talk.handoff is None, transcript


@pytest.mark.parametrize(
    ("turns", "reason"),
    [
        (["hi, could someone from billing ring me back about an invoice i got"], "Billing"),
        (["Mia White 1/25/1996, dr chen monday at 10", "yes", "also I'd like someone to phone me about my coverage"],
         "Insurance"),
        (["a real human plz"], "person"),
        (["will it snow this weekend?", "ok who's gonna win the super bowl then"], "Off topic"),
    ],
)  # fmt: skip
async def test_staff_take_it(turns: list[str], reason: str, chat: Chat) -> None:
    _, transcript = await converse(chat, turns, None)
    assert chat.handoff is not None and reason in chat.handoff.reason, transcript


async def test_a_verified_callers_message_does_not_ask_their_name(chat: Chat) -> None:
    _, transcript = await converse(
        chat, ["Mia White 1/25/1996, could dr patel give me a call back about my knee", "yes"], None
    )
    assert "What's your name" not in transcript and "call" in transcript, transcript


async def test_name_and_date_of_birth_alone_are_checked_at_once(chat: Chat) -> None:
    turns = ["nathan allen 1/2/1980", "nathan allen 2/1/1980", "nathan allen, june 16 1948"]
    _, transcript = await converse(chat, turns, None)
    assert transcript.count("couldn't verify") == 2, transcript
    assert chat.handoff is not None and not chat.ended, transcript


async def test_a_goodbye_to_an_offered_transfer_is_no_yes(chat: Chat) -> None:
    _, transcript = await converse(chat, ["where do I park when I come in?", "ok great, thanks, bye"], None)
    assert chat.handoff is None and chat.ended, transcript
