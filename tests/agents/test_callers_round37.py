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
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
FAMILY = "+15035550112"  # the Garcias' number


SETS_36_TO_38 = [
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
    ]  # fmt: skip


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


@pytest.mark.parametrize(
    "answer",
    [
        "yes. by the way, where are you located?",
        "that's fine \u2014 do you have parking?",
        "great, go ahead. how long will the visit take?",
        "sure thing, and what should I bring with me?",
    ],
)
async def test_a_yes_then_a_question_books_and_answers(answer: str, chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(chat, ["Mia White 1/25/1996, dr chen monday at 10", answer], None)
    assert await booked(demo, "p-1015") == {(CHEN, at(7, 10))}, transcript
    assert "As for your question: I don't have that information here" in transcript, transcript


@pytest.mark.parametrize(
    "answer",
    ["yes, and can it be at 11 instead?", "ok but is there nothing in the afternoon?", "yes, with dr patel?"],
)
async def test_a_yes_then_a_question_about_the_write_is_no_yes(
    answer: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, ["Mia White 1/25/1996, dr chen monday at 10", answer], None)
    assert await booked(demo, "p-1015") == set(), transcript


# the families of sets #39 (accented phone transcripts) and #40 (a receptionist's week)
SETS_39_AND_40 = [
        # a yes with a word of address after it
        (["Mia White 1/25/1996, dr chen monday at 10", "yes man go ahead"], "p-1015", {(CHEN, at(7, 10))}, None),
        (["Mia White 1/25/1996, dr chen monday at 10", "yeah my friend, sounds good"], "p-1015",
         {(CHEN, at(7, 10))}, None),
        (["Mia White 1/25/1996, dr chen monday at 10", "yes ma"], "p-1015", {(CHEN, at(7, 10))}, None),
        # "o" for "of"; a day number before a time; "eight two thousand fifteen" (not 10015)
        (["andrew harris sixth o march nineteen sixty one, dr chen monday at 9", "yes"], "p-1016",
         {(CHEN, at(7, 9))}, None),
        (["mia white 1/25/1996 i want doctor patel thursday 3 at 11", "yes"], "p-1015", {(PATEL, at(3, 11))}, None),
        (["this is maria garcia for my son lucas garcia he born april eight two thousand fifteen cancel his "
          "appointment please", "yes"], "p-1013", set(), FAMILY),
        # "reschedule" and "move" as a speech recogniser hears them
        (["james wilson thirty january nineteen sixty five ah need tae real schedule ma appointment tae monday at "
          "eleven", "aye"], "p-1004", {(CHEN, at(7, 11))}, None),
        (["emily davis 7/23/1990 i want to mood the appointment to friday at 9", "yes"], "p-1003",
         {(PATEL, at(4, 9))}, None),
        # "half one" among the times offered
        (["Mia White 1/25/1996, what does dr chen have monday afternoon?", "half one please", "yes"], "p-1015",
         {(CHEN, at(7, 13, 30))}, None),
        # two visits, the second "the follow-up two weeks after that": the same doctor
        (["ava hernandez 8/11/1993. i need to book two with dr patel, one on monday the 7th at 9 and the follow up "
          "two weeks after that, same time", "yes", "yes"], "p-1009", {(PATEL, at(7, 9)), (PATEL, at(21, 9))}, None),
        # a change of mind after a day said from the appointment
        (["James Wilson 1/30/1965. move my appointment to the thursday of next week, no wait, I'm away then, the "
          "wednesday then, the 9th, at 3", "yes"], "p-1004", {(CHEN, at(9, 15))}, None),
        (["Mia White 1/25/1996, dr chen on monday the 7th, no, scratch that, tuesday the 8th at 2", "yes"],
         "p-1015", {(CHEN, at(8, 14))}, None),
        # the child named with "his birthday is"; "he's already seeing ... the Friday after that"
        (["it's maria garcia, calling about my boy lucas, lucas garcia, his birthday is april 8th 2015, please "
          "cancel his appointment", "yes"], "p-1013", set(), FAMILY),
        (["hi it's maria garcia for my son lucas garcia born 8 april 2015. he's already seeing dr rodriguez on "
          "tuesday the 8th, could she also see him the friday after that at 11", "yes"], "p-1013",
         {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(11, 11))}, FAMILY),
        # a story with someone's advice before the one request
        (["so I twisted my ankle on Sunday and my brother says I should get it looked at before the weekend. Mia "
          "White 1/25/1996. could I see Dr Patel on monday at 11", "yes"], "p-1015", {(PATEL, at(7, 11))}, None),
        # why the visit goes: another doctor instead, not a move
        (["james wilson 1/30/1965. i'm going to cancel my friday one, my son is taking me to his own doctor "
          "instead", "yes"], "p-1004", set(), None),
        # the pending cancellation asked for again after a grumble
        (["Emily Davis 7/23/1990, cancel my thursday appointment", "hmm, do I lose my place? okay, cancel it anyway"],
         "p-1003", set(), None),
    ]  # fmt: skip


async def test_none_of_those_and_a_think_is_no_message(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Mia White 1/25/1996, what does dr chen have monday?", "none of those really suit, I'll have a think and "
             "call back"]  # fmt: skip
    _, transcript = await converse(chat, turns, None)
    assert "message" not in transcript and "What other day" not in transcript, transcript
    assert await booked(demo, "p-1015") == set() and chat.handoff is None, transcript


async def test_a_verb_said_again_with_a_new_time_is_no_yes(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "Emily Davis 7/23/1990, move my appointment to friday at 9",
        "ok, move it to 11 on friday instead",
        "yes",
    ]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1003") == {(PATEL, at(4, 11))}, transcript


# the families of set #42 (chat negotiation and changes of mind)
SETS_42 = [
        # a short weekday typed after the doctor or after "free"
        (["mia white 1/25/1996. need an appt w dr patel fri pls", "anything at 2?", "yes"], "p-1015",
         {(PATEL, at(4, 14))}),
        (["AVA HERNANDEZ 8/11/1993. IS 10 OR 10:30 FREE MON W/ DR PATEL", "THE LATER ONE", "YES"], "p-1009",
         {(PATEL, at(7, 10, 30))}),
        # the middle one of the caller's three; the day's last slot
        (["Mia White 1/25/1996, dr chen monday, 9 or 9:30 or 10?", "the middle one", "yes"], "p-1015",
         {(CHEN, at(7, 9, 30))}),
        (["Mia White 1/25/1996, dr patel monday pls", "too early, what's her last slot that day?", "yes"], "p-1015",
         {(PATEL, at(7, 16, 30))}),
        # an hour given as an example after a question; an hour after the doctor's name
        (["Mia White 1/25/1996, dr patel on the 9th, afternoon if possible", "hmm anything earlier in the day? like "
          "10?", "yes"], "p-1015", {(PATEL, at(9, 10))}),
        (["Mia White 1/25/1996, what does dr chen have monday morning?", "hmm, dr patel 11 pls", "yes"], "p-1015",
         {(PATEL, at(7, 11))}),
        # booking again after a cancellation, with that doctor
        (["James Wilson 1/30/1965, cancel my appointment", "yes", "could i book again with him on monday at 3", "yes"],
         "p-1004", {(CHEN, at(7, 15))}),
        # the weekday of the day offered is that day
        (["Mia White 1/25/1996, what does dr chen have on thursday the 10th?", "3pm on thurs then", "yes"], "p-1015",
         {(CHEN, at(10, 15))}),
]  # fmt: skip


async def test_a_doctors_name_heard_with_a_voiced_consonant(chat: Chat, demo: DemoConnector) -> None:
    turns = ["emily davis 7/23/1990 kindly cancel the appointment with doctor battle", "yes please cancel it"]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1003") == set(), transcript


# the families of sets #43 (an ordinary fortnight) and #44 (who is calling and for whom)
SETS_43_AND_44 = [
        # a name said surname first, and said so
        (["harris, andrew - harris is my last name. born 3/6/1961. dr chen monday at 9 please", "yes"], "p-1016",
         {(CHEN, at(7, 9))}, None),
        (["white, mia - surname first. 01/25/1996. dr patel on monday at 2", "yes"], "p-1015",
         {(PATEL, at(7, 14))}, None),
        (["wilson james, that's wilson as in the surname, born 1/30/1965, cancel my appointment", "yes"], "p-1004",
         set(), None),
        # a greeting, then the name alone; a date of birth in digit pairs or as eight digits in a sentence
        (["hello, mia white, i'd like dr chen on monday at 11. my birthday is january 25 1996", "yes"], "p-1015",
         {(CHEN, at(7, 11))}, None),
        (["mia white, dob zero one, two five, one nine nine six. dr chen monday at 10", "yes"], "p-1015",
         {(CHEN, at(7, 10))}, None),
        (["emily davis. dob zero seven two three one nine nine zero. cancel my appointment please.", "yes"],
         "p-1003", set(), None),
        # the child by first name alone after "my son"
        (["hi, this is maria garcia. i'm calling for my son lucas, not me. his date of birth is april 8th 2015. "
          "please cancel his appointment", "yes"], "p-1013", set(), FAMILY),
        # a date of birth corrected alone after a failed check, with "i meant the ..."
        (["mia white, 01/15/1996. dr chen on monday at 9", "oops, typo - 01/25/1996", "yes"], "p-1015",
         {(CHEN, at(7, 9))}, None),
        (["james wilson, dob 1/13/1965. move my appointment to tuesday the 8th at 4", "sorry, i meant the 30th. "
          "january 30, 1965. move it to tuesday the 8th at 4.", "yes"], "p-1004", {(CHEN, at(8, 16))}, None),
        # a move asked without a verb of moving (were new bookings: wrong writes)
        (["james wilson 1/30/1965. i have a follow-up with dr chen, can it go to monday at 9:30?", "yes"], "p-1004",
         {(CHEN, at(7, 9, 30))}, None),
        (["hi it's maria garcia for my son lucas garcia born 8 april 2015. his check-up appointment, he's got a "
          "cold, they said wait a few days. could we do wednesday the 9th, ten thirty?", "yes"], "p-1013",
         {(RODRIGUEZ, at(9, 10, 30))}, FAMILY),
]  # fmt: skip


# the families of sets #45 (phone transcripts, the list) and #46 (chat visitors in a hurry)
SETS_45_AND_46 = [
        # a month and day with a slash, then the time
        (["mia white 1/25/1996 need an appt w/ dr patel mon 12/7 1:30pm pls", "yes"], "p-1015",
         {(PATEL, at(7, 13, 30))}),
        (["mia white 1/25/1996 need dr chen wed 12/9 11am asap", "ya"], "p-1015", {(CHEN, at(9, 11))}),
        # a hedged yes
        (["Mia White 1/25/1996, dr chen monday at 10", "sure why not"], "p-1015", {(CHEN, at(7, 10))}),
        # "this friday but I'm away, so the monday after": the first Monday after that Friday
        (["mia white 1/25/1996 i was gonna say this friday but i'm away so the monday after with doctor patel at "
          "eleven", "yes"], "p-1015", {(PATEL, at(7, 11))}),
        # the doctor of a visit the caller already has, then the one asked for, misheard
        (["emily davis 7/23/1990 i know i already have one with doctor patel this is a separate one i need doctor "
          "chin on friday at nine", "yes"], "p-1003", {(PATEL, at(3, 10)), (CHEN, at(4, 9))}),
        # a shift at work is no move
        (["Mia White 1/25/1996, dr chen monday at 10", "yes", "wait sorry i need to cancel that one i just booked my "
          "boss changed my shift", "yes"], "p-1015", set()),
        # cancel and book a new one in one turn: the new one with the same doctor
        (["James Wilson 1/30/1965. cancel my appointment with dr chen and book me a new one on tuesday the 8th at "
          "3", "yes", "yes"], "p-1004", {(CHEN, at(8, 15))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), SETS_42 + SETS_45_AND_46)
async def test_set_42_45_and_46_families(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == after, transcript


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"), SETS_36_TO_38 + SETS_39_AND_40 + SETS_43_AND_44
)
async def test_families_said_on_a_call_or_in_chat(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)
