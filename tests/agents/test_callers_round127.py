"""Families of held-out sets #127-#131 in other names, dates and wordings than the sets: the hour
said again ("at ten, 10 am", "at 12, twelve noon"), the date of birth said twice in two forms,
dialect words beside a name ("dis", "the mam, not the young fella"), "scoot it up to twos day",
"yes, correct only", a read-back answered with another doctor, "the appointment on the 24th: he
can't make it", "I don't want to rebook", "the week after is out too. Please just cancel it", "I
don't need an appointment, it's about a charge", "I'm not calling to book ... results", "cancel
the one I just booked. I'll keep my follow-up with Dr. X", "push the one I just booked back by an
hour? Mornings are tight", "I'd like to see Dr. X sooner. Can I move my Thursday visit to ...", and
"I've got a ... appointment with Dr. X on Wednesday. Can we make it Thursday at the same time?"."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

SETS_127_TO_131 = [
    (["ava hernandez, born august 11th 1993. dr patel monday the 7th, at ten, 10 am", "yes"], "p-1009",
     {(PATEL, at(7, 10))}, None),
    (["siobhan o'connor, october 31st 1994. doctor chen on wednesday at 12, twelve noon", "yes"], "p-1024",
     {(CHEN, at(2, 12))}, None),
    (["howya, daniel thomas here, twenty first of april seventy nine, 21 4 1979. could i get in to doctor patel "
      "on thursday the tenth at half two", "yes"], "p-1008", {(PATEL, at(10, 14, 30))}, None),
    (["a olivia martinez dis, born 9th of may 1998, may nine ninety eight. doctor chen friday at 11", "yes"],
     "p-1005", {(CHEN, at(4, 11))}, "+15035550105"),
    (["maria garcia, the mam, not the young fella, october nineteenth 1982, 19 10 82. doctor patel wednesday at "
      "3", "yes"], "p-1012", {(PATEL, at(2, 15))}, MARIA),
    (["james wilson january thirty sixty five. can we scoot it up to twos day at 930", "yes"], "p-1004",
     {(CHEN, at(8, 9, 30))}, None),
    (["Jose Ramirez, 2/14/1959. Dr. Chen on Monday the 7th at 9 am.", "yes, correct only"], "p-1023",
     {(CHEN, at(7, 9))}, None),
    # a read-back answered with another doctor is no yes
    (["Sophia Taylor, December 5th, 2001. Any doctor, Thursday the 10th, at the very end of the day.",
      "Okay, Thursday the 10th at 4:30 with Dr. Patel.", "yes"], "p-1007", {(PATEL, at(10, 16, 30))}, None),
    (["Emily Davis, July 23rd, 1990. Please cancel my appointment on Thursday. I can't make it, and I don't want "
      "to rebook right now.", "yes"], "p-1003", set(), None),
    (["I'm calling for my son Lucas Garcia, born April 8th, 2015. He has an appointment with Dr. Rodriguez on the "
      "8th. Could it go later that week?", "Hmm, no, none of those work, and the week after is out too. Please "
      "just cancel it.", "yes"], "p-1013", set(), MARIA),
    (["Hi, calling for Lucas Garcia, my son, born April 8th, 2015. The appointment on the 8th: he can't make it. "
      "Not the 9th either. Could he come on the 10th at 2?", "yes"], "p-1013", {(RODRIGUEZ, at(10, 14))}, MARIA),
    # the one just booked
    (["James Wilson, January 30th 1965. Could you book me with Dr. Patel on Monday the 7th at 11?", "Yes.",
      "Hmm, on second thought, cancel the one I just booked. I'll keep my follow-up with Dr. Chen.", "Yes."],
     "p-1004", {(CHEN, at(4, 14, 30))}, None),
    (["Daniel Thomas, April 21st 1979. Please book me with Dr. Chen on Thursday the 10th at 10.", "Yes.",
      "Actually, could you push the one I just booked back by an hour? Mornings are tight for me.", "Yes."],
     "p-1008", {(CHEN, at(10, 11))}, None),
    # a move asked with its reason first
    (["Hi, James Wilson.", "1/30/1965. I'd like to see Dr. Chen sooner. Can I move my Friday visit to tomorrow "
      "at 3?", "Yes."], "p-1004", {(CHEN, at(2, 15))}, None),
    (["Jim Wilson, January 30 1965. I've got a blood pressure appointment with Dr. Chen on Friday. Can we make it "
      "Monday at the same time?", "Yes."], "p-1004", {(CHEN, at(7, 14, 30))}, None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_127_TO_131)
async def test_set_127_to_131_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    "said",
    [
        "Hi, this is Olivia Martinez. I don't need an appointment, it's about a charge on my last bill that looks "
        "wrong.",
        "David Anderson, September 17th, 1958. I'm not calling to book. I'm waiting on my blood test results from "
        "last week. Are they in?",
    ],
)
async def test_no_visit_wanted_and_a_staff_matter_goes_to_staff(
    said: str, chat: Chat, demo: DemoConnector
) -> None:
    await chat.say(said)
    assert chat.handoff is not None, chat.outputs
    assert await booked(demo, "p-1005") == set() and await booked(demo, "p-1006") == set()


async def test_a_name_not_ours_beside_one_of_ours_on_a_call_is_asked_never_guessed(
    chat: Chat, demo: DemoConnector
) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550119")
    for said in ["I need an appointment with Dr. Kit on the 1 PM.", "May 27th 1977", "Dr. Kit on the 1 PM."]:
        await call.say(said)
    await call.press("1203")  # the day, typed as offered
    asked = await call.say("I need an appointment with Dr. Kim and Dr. Priya, for one PM.")
    assert "which doctor" in asked.lower() and "2 for Dr. Marcus Chen" in asked, asked
    proposed = await call.press("2")  # the keys for the doctors, offered
    assert "Dr. Marcus Chen on Thursday, December 3rd at 1 PM" in proposed, proposed
    assert await booked(demo, "p-1019") == set()  # nothing written without a yes


async def test_words_that_end_in_hang_on_after_others_are_no_wait(chat: Chat) -> None:
    await chat.say("Olivia Martinez, May 9th 1998. Dr. Rodriguez tomorrow please.")
    reply = await chat.say("the land will hang on please.")  # "11 AM, please" misheard
    assert "take your time" not in reply.lower(), reply


SETS_132_TO_136 = [
    # a symptom said after the time asked for is the visit's reason
    (["Maria Garcia, October 19th 1982. Is Dr. Patel in on Friday the 4th?", "Could I come at 3:30 then? My "
      "allergies have been terrible.", "yes"], "p-1012", {(PATEL, at(4, 15, 30))}, MARIA),
    # "well call back to rebook" (we'll) beside a cancellation is no message
    (["hello its maria garcia calling for lucas garcia birthday april eighth twenty fifteen can you cancel the "
      "appointment on tuesday the eighth well call back to rebook", "yes"], "p-1013", set(), MARIA),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_132_TO_136)
async def test_set_132_to_136_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    ("said", "person"),
    [
        ("Hi, this is Ava Hernandez, 8/11/1993. I was billed twice for my visit about a week ago. Could someone "
         "check my statement?", "p-1009"),
        ("Hi, Sarah Johnson, 3/14/1985. I wanted to book a check-up, but first, I got a bill for my October visit "
         "and I think I was charged twice.", "p-1001"),
        ("Hi, this is Christopher Lee, born July 4th, 1975. I'm calling about an appointment, well, no, actually "
         "about the bill for my last appointment. I think I got charged twice.", "p-1014"),
        ("hello yes i got a bill in the mail for a charge i dont understand it says sixty five dollars for a visit "
         "in october who do i talk to about that", None),
    ],
)  # fmt: skip
async def test_a_bill_said_with_a_visit_goes_to_staff(
    said: str, person: str | None, chat: Chat, demo: DemoConnector
) -> None:
    """A visit named only as what was billed ("my visit about a week ago", "for a visit in October"), or
    a booking put off or taken back for the bill, is no booking: staff, with nothing written."""
    await chat.say(said)
    assert chat.handoff is not None and "bill" in chat.handoff.reason.lower(), chat.outputs
    if person is not None:
        assert await booked(demo, person) == set()


async def test_the_friday_one_earlier_is_a_move_never_a_new_booking(chat: Chat, demo: DemoConnector) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone=MARIA)
    await call.say("Lucas Garcia here, 04/08/2015. can we do the tuesday one earlier, like monday")
    await call.say("930")
    await call.say("yes")
    visits = await booked(demo, "p-1013")
    assert len(visits) == 1 and all(provider == RODRIGUEZ for provider, _ in visits), visits  # nothing new


async def test_a_name_not_ours_said_before_the_day_is_typed_is_still_asked(
    chat: Chat, demo: DemoConnector
) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550119")
    for said in [
        "I need an appointment with Dr. Kit on the 1 PM.",
        "My date of birth in May 23, 1975, and 1975.",
    ]:
        await call.say(said)
    await call.press("05271977")
    await call.say(
        "I need an appointment with Dr. Kim and Dr. Priya, for one PM."
    )  # "which day?" asked again
    after_day = await call.press("1203")
    assert "which doctor" in after_day.lower() and "I'll book" not in after_day, after_day
    assert await booked(demo, "p-1019") == set()


async def test_a_doctor_of_ours_as_a_recogniser_writes_it_is_no_name_unheard(
    chat: Chat, demo: DemoConnector
) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550111")
    await call.say(
        "isabel jackson here, date of birth february third nineteen eighty seven, i need to be seen tomorrow "
        "afternoon, whoever is free"
    )
    proposed = await call.say("i'd prefer doctor rod regas at three if she's free")
    assert "Dr. Elena Rodriguez on Wednesday, December 2nd at 3 PM" in proposed, proposed
    asked = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550109")
    await asked.say("hey y'all, it's ava hernandez, born august 11th 1993, 8 11 93")
    offered = await asked.say(
        "i wanna see doctor rod riguez, rodriguez, next monday, monday the 7th, at ten, 10 am"
    )
    assert "Dr. Elena Rodriguez on Monday, December 7th at 10 AM" in offered, offered


async def test_a_doctor_turned_down_at_the_read_back_on_a_call_is_not_booked(
    chat: Chat, demo: DemoConnector
) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550116")
    await call.say("good morning i'd like to book with doctor rodriguez on tuesday the eighth at eleven")
    await call.say("andrew harris march sixth nineteen sixty one")
    proposed = await call.say(
        "oh no not doctor rodriguez she's the kids doctor isn't she doctor chen please same time eleven"
    )
    assert "Dr. Marcus Chen on Tuesday, December 8th at 11 AM" in proposed, proposed
