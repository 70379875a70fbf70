"""More whole conversations against the demo practice (fixed clock: Tuesday December 1st 2026,
10 AM), each typed and as speech recognition writes it (lowercase, no punctuation, numbers as
words): introductions in any order inside a longer request, requests that are staff work or not
about appointments at all, opening hours, changing what was just booked, and more ways of saying
when. Each case checks the system of record afterwards and, for a handoff, the reason staff see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest

from agents.events import MemoryAuditSink
from agents.factory import build_agent, fixed_clock
from agents.offline.hours import OpeningHours
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, TZ, Chat
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


@dataclass
class Case:
    turns: list[str]
    person: str  # whose appointments are checked afterwards
    booked: set[tuple[str, datetime]]
    handoff: str | None = None  # words the handoff reason must contain; None: no handoff
    phone: str | None = None
    ended: bool = False
    said: list[str] = field(default_factory=list)  # phrases some reply must contain
    not_said: list[str] = field(default_factory=list)
    replies: int | None = None  # the turn (1-based) whose reply must already be the proposal


CASES: dict[str, Case] = {
    # ---- introductions: any order, any form, inside a longer request (the request is kept)
    "name here, born, then the request": Case(
        ["Good morning. Olivia Martinez here, born May 9, 1998. Could I see a doctor next Thursday at 9:30 am?",
         "Yes please."],
        "p-1005", {(CHEN, at(10, 9, 30))}, said=["Thursday, December 10th at 9:30 AM. Shall I go ahead?"]),
    "name here, born, then the request (speech)": Case(
        ["good morning olivia martinez here born may ninth nineteen ninety eight could i see a doctor next "
         "thursday at nine thirty am", "yeah"],
        "p-1005", {(CHEN, at(10, 9, 30))}, said=["Thursday, December 10th at 9:30 AM. Shall I go ahead?"]),
    "it's, born, a doctor and a time": Case(
        ["Hi, it's Nathan Allen, born June 16th, 1984. Book me with Dr. Patel on Friday at 2, please.", "Sure."],
        "p-1022", {(PATEL, at(4, 14))}),
    "its without the apostrophe (speech)": Case(
        ["hi its nathan allen born june sixteenth nineteen eighty four book me with doctor patel on friday at two",
         "sure"],
        "p-1022", {(PATEL, at(4, 14))}),
    "date of birth before the name, then the request": Case(
        ["Born May 27, 1977, Amelia Robinson. I'd like to see Dr. Rodriguez tomorrow at 11.", "OK."],
        "p-1019", {(RODRIGUEZ, at(2, 11))}),
    "date of birth before the name (speech)": Case(
        ["born may twenty seventh nineteen seventy seven amelia robinson i'd like to see doctor rodriguez tomorrow "
         "at eleven", "okay"],
        "p-1019", {(RODRIGUEZ, at(2, 11))}),
    "date of birth, name, first available with a doctor": Case(
        ["June 16, 1984, Nathan Allen. I'd like the first available appointment with Dr. Rodriguez.", "Yes."],
        "p-1022", {(RODRIGUEZ, at(1, 10, 30))}),
    "you're speaking with, DOB": Case(
        ["Hello! You're speaking with Nathan Allen, DOB 06/16/1984. Can you book me with Dr. Patel next Wednesday "
         "at 3pm?", "Go ahead."],
        "p-1022", {(PATEL, at(9, 15))}, said=["Wednesday, December 9th at 3 PM"]),
    "name speaking, date of birth is (speech)": Case(
        ["hello nathan allen speaking my date of birth is june sixteenth nineteen eighty four i want to book with "
         "chen friday at eleven", "yes"],
        "p-1022", {(CHEN, at(4, 11))}),
    "my name's, a two-digit birth year (speech)": Case(
        ["um my name's nathan allen and uh my birthday is six sixteen eighty four", "dr chen friday at ten", "yes"],
        "p-1022", {(CHEN, at(4, 10))}),
    "name then three bare numbers, the request first (speech)": Case(
        ["hi there i'd like to book a physical for next friday around two this is daniel thomas four twenty one "
         "seventy nine", "yes"],
        "p-1008", {(CHEN, at(11, 14))}),
    "two-digit birth year with slashes": Case(
        ["Nathan Allen, 6/16/84. Dr. Chen on Friday at 10?", "Yes."], "p-1022", {(CHEN, at(4, 10))}),
    "first name with a cue, last name said apart": Case(
        ["This is Olivia calling, last name Martinez, born 5/9/1998. Dr. Chen on Friday at 9?", "Yes."],
        "p-1005", {(CHEN, at(4, 9))}),
    "the name after a longer request (speech)": Case(
        ["hello yes im calling to make an appointment my name is olivia martinez", "may ninth nineteen ninety eight",
         "doctor chen friday at nine", "yes"],
        "p-1005", {(CHEN, at(4, 9))}, said=["Thank you, Olivia. And what is your date of birth?"]),
    "born before the name, my name is after": Case(
        ["i was born on may ninth nineteen ninety eight my name is olivia martinez i want to book for thursday at "
         "eleven", "yep"],
        "p-1005", {(CHEN, at(3, 11))}),
    "two requests in one turn: cancel, then book": Case(
        ["Emily Davis, 07/23/1990. Please cancel my Thursday appointment, and then book me a new one for Friday at "
         "2.", "Yes.", "Yes please.", "Yes."],
        "p-1003", {(PATEL, at(4, 14))}),  # "a new one": the cancelled one's doctor (set #45)
    "two bookings in one turn (speech)": Case(
        ["book me with doctor chen tomorrow at ten and doctor patel on friday at eleven olivia martinez may ninth "
         "nineteen ninety eight", "yes", "yes", "yes"],
        "p-1005", {(CHEN, at(2, 10)), (PATEL, at(4, 11))}),
    # the second is proposed as soon as the first is done: declined, then the caller is done
    "the second request declined when it is proposed": Case(
        ["book me with dr chen tomorrow at 10 and dr patel on friday at 11, olivia martinez 5/9/1998", "yes",
         "no thanks", "no, that's all"],
        "p-1005", {(CHEN, at(2, 10))}, ended=True),
    "an hours question and a booking in one turn": Case(
        ["Hi, this is Charlotte Clark, 11/15/1989. What are your hours, and can I book with Dr. Chen tomorrow at 11?",
         "Yes."],
        "p-1017", {(CHEN, at(2, 11))}, said=["We're open Monday to Friday, 9 AM to 5 PM."]),
    "an hours question and a booking in one turn (speech)": Case(
        ["hi this is charlotte clark november fifteenth nineteen eighty nine are you open on saturdays if not can i "
         "see doctor chen tomorrow at eleven", "yes"],
        "p-1017", {(CHEN, at(2, 11))}, said=["We're closed on Saturdays."]),
    # ---- staff work: handed over at once, the reason for staff, nothing booked on the way
    "a charge on the bill": Case(
        ["Hi, this is Olivia Martinez, born May 9, 1998. I have a question about a charge on my bill."],
        "p-1005", set(), handoff="charge on a bill"),
    "a charge on the bill (speech)": Case(
        ["hi um this is olivia martinez may ninth nineteen ninety eight i have a question about a charge on my bill"],
        "p-1005", set(), handoff="charge on a bill"),
    "billing question mid-booking": Case(
        ["book doctor chen friday at ten, mia white january twenty fifth nineteen ninety six",
         "actually wait, first I need to ask about my last invoice"],
        "p-1015", set(), handoff="Billing"),
    "lab results": Case(["I'm calling about my blood test results."], "p-1005", set(), handoff="results"),
    "did my x-ray results come in": Case(
        ["hi this is olivia martinez may ninth nineteen ninety eight did my x ray results come in"], "p-1005", set(),
        handoff="results"),
    "lab results (speech)": Case(
        ["yeah hi i wanted to find out if my lab results came back"], "p-1005", set(), handoff="results"),
    "a prescription refill": Case(
        ["Hello, I need a refill on my blood pressure medication."], "p-1005", set(), handoff="refill"),
    "a prescription refill (speech)": Case(
        ["can i get my prescription refilled please"], "p-1005", set(), handoff="refill"),
    "a medical question": Case(
        ["I've had a fever since Sunday. Should I take ibuprofen?"], "p-1005", set(), handoff="Medical",
        said=["I can't give medical advice"]),
    "a medical question (speech)": Case(
        ["is it normal to still have a rash two weeks after starting antibiotics"], "p-1005", set(),
        handoff="Medical"),
    "a follow-up about blood pressure is a booking": Case(
        ["i need a follow up for my blood pressure next week with doctor chen",
         "olivia martinez may ninth nineteen ninety eight", "the first one", "yes"],
        "p-1005", {(CHEN, at(7, 9))}),
    "is it normal after a shot: a question for staff": Case(
        ["Is it normal to still feel sore three days after my tetanus shot?"], "p-1005", set(), handoff="Medical"),
    "a booking and a refill in one turn: staff": Case(
        ["Can I see Dr. Chen on Friday? I also need a refill on my inhaler."], "p-1005", set(), handoff="refill"),
    "insurance": Case(["Do you take Blue Cross insurance?"], "p-1005", set(), handoff="Insurance"),
    "insurance (speech)": Case(
        ["does my insurance cover a physical"], "p-1005", set(), handoff="Insurance"),
    "a visit about a symptom is a booking": Case(
        ["I'd like to come in about my cough tomorrow morning, Olivia Martinez, 5/9/1998", "the first one", "yes"],
        "p-1005", {(CHEN, at(2, 9))}),
    # ---- emergencies: call 911, and a person takes over
    "chest pain": Case(
        ["My husband has chest pain and can't breathe!"], "p-1005", set(), handoff="emergency",
        said=["hang up and call 911"]),
    "chest pain (speech)": Case(
        ["i think im having a heart attack"], "p-1005", set(), handoff="emergency", said=["call 911"]),
    "a head injury (speech)": Case(
        ["my dad fell and hit his head and hes confused"], "p-1005", set(), handoff="emergency",
        said=["call 911"]),
    "harming oneself: 988": Case(
        ["I've been having thoughts of hurting myself."], "p-1005", set(), handoff="emergency",
        said=["call or text 988"]),
    "an emergency mid-booking": Case(
        ["book with patel tomorrow at 3", "ryan walker december 12 1992", "oh no he's not breathing"],
        "p-1020", set(), handoff="emergency", said=["call 911"]),
    "not an emergency is not one": Case(
        ["It's not an emergency, I just need an appointment with Dr. Chen on Friday at 10.",
         "Mia White, January 25th 1996", "Yes."],
        "p-1015", {(CHEN, at(4, 10))}, not_said=["911"]),
    # ---- small talk: told what the assistant does; a second in a row goes to staff
    "the weather, then a booking": Case(
        ["What's the weather like today?", "ok then book with dr patel tomorrow at 3, ryan walker december 12 1992",
         "yes"],
        "p-1020", {(PATEL, at(2, 15))}, said=["I can help with appointments"]),
    "the weather, then a booking (speech)": Case(
        ["whats the weather going to be like tomorrow", "okay book me with doctor patel tomorrow at three",
         "ryan walker december twelfth nineteen ninety two", "yes"],
        "p-1020", {(PATEL, at(2, 15))}, said=["I can help with appointments"]),
    "who am I talking to, then a booking": Case(
        ["Hi, how are you?", "Wait, are you a real person?", "OK, book me with Dr. Patel tomorrow at 3, Ryan Walker "
         "12/12/1992", "Yes."],
        "p-1020", {(PATEL, at(2, 15))}, said=["I'm doing well, thank you.", "I'm the virtual assistant of"]),
    "two jokes in a row": Case(
        ["Can you tell me a joke?", "Who won the game last night?"], "p-1005", set(), handoff="Off topic"),
    "two jokes in a row (speech)": Case(
        ["tell me a joke", "what's the capital of france"], "p-1005", set(), handoff="Off topic"),
    # ---- opening hours, from the practice's settings
    "hours, saturday, closing time": Case(
        ["What are your hours?", "Are you open on Saturday?", "What time do you close on Friday?", "No thanks."],
        "p-1005", set(), ended=True,
        said=["We're open Monday to Friday, 9 AM to 5 PM.", "We're closed on Saturdays.",
              "On Fridays we close at 5 PM."]),
    "hours (speech)": Case(
        ["what time do you guys open tomorrow", "are you open now", "ok thanks bye"], "p-1005", set(), ended=True,
        said=["Tomorrow we open at 9 AM.", "Yes, we're open now, until 5 PM today."]),
    "how early, weekend hours, until what time": Case(
        ["How early do you open?", "What are your weekend hours?", "Till what time are you open tonight?", "No."],
        "p-1005", set(), ended=True,
        said=["Today we open at 9 AM.", "We're closed on weekends.", "Today we close at 5 PM."]),
    "hours while booking, then the booking goes on": Case(
        ["book with dr chen on friday", "sophia taylor december fifth two thousand one",
         "wait, what time do you close that day?", "the first one", "yes"],
        "p-1007", {(CHEN, at(4, 9))}, said=["On Fridays we close at 5 PM."]),
    # ---- changing what was just booked, in the same conversation
    "move that to friday": Case(
        ["book with dr patel tomorrow at 10, emily davis july 23 1990", "yes",
         "Actually, can you move that to Friday?", "the first one", "yes"],
        "p-1003", EMILY_SEEDED | {(PATEL, at(4, 9))}),
    "move it to friday at nine (speech)": Case(
        ["book with doctor patel tomorrow at ten", "emily davis july twenty third nineteen ninety", "yes",
         "actually can we move it to friday at nine", "yes"],
        "p-1003", EMILY_SEEDED | {(PATEL, at(4, 9))}),
    "actually make that friday (speech)": Case(
        ["book with dr patel tomorrow at 10 emily davis july 23 1990", "yes", "actually make that friday",
         "the first one", "yes"],
        "p-1003", EMILY_SEEDED | {(PATEL, at(4, 9))}),
    "i'd rather do friday instead (speech)": Case(
        ["book with dr patel tomorrow at 10 emily davis july 23 1990", "yes", "id rather do friday instead",
         "the first one", "yes"],
        "p-1003", EMILY_SEEDED | {(PATEL, at(4, 9))}),
    "cancel that one": Case(
        ["book with dr patel tomorrow at 10, emily davis july 23 1990", "yes", "Cancel that one, please.", "Yes."],
        "p-1003", EMILY_SEEDED),
    "cancel the one i just made (speech)": Case(
        ["book me with doctor chen on friday at eleven", "james wilson january thirtieth nineteen sixty five", "yes",
         "actually i need to cancel the one i just made", "yes"],
        "p-1004", JAMES_SEEDED),
    "change it to the afternoon": Case(
        ["book with dr patel tomorrow at 10, emily davis july 23 1990", "yes", "Can I change it to the afternoon?",
         "the first one", "yes"],
        "p-1003", EMILY_SEEDED | {(PATEL, at(2, 12))}),
    "make that with another doctor instead (speech)": Case(
        ["book with doctor patel tomorrow at ten emily davis july twenty third nineteen ninety", "yes",
         "oh wait can you make that with doctor chen instead", "yes"],
        "p-1003", EMILY_SEEDED | {(CHEN, at(2, 10))}),
    "the afternoon instead, right after booking": Case(
        ["Book with Dr. Patel tomorrow at 10. Emily Davis, July 23rd 1990.", "Yes.",
         "Hmm, actually, could we do the afternoon instead?", "The first one.", "Yes."],
        "p-1003", EMILY_SEEDED | {(PATEL, at(2, 12))}),
    "another day instead, same time, right after booking (speech)": Case(
        ["book with doctor chen tomorrow at ten mia white january twenty fifth nineteen ninety six", "yes",
         "sorry can we do thursday instead same time", "yes"],
        "p-1015", {(CHEN, at(3, 10))}),
    "move a moved one again": Case(
        ["move my appointment to friday at 9", "emily davis july 23 1990", "yes", "hmm can you move that to monday",
         "the second one", "yes"],
        "p-1003", {(PATEL, at(7, 9, 30))}),
    # ---- more ways of saying when
    "a week from tuesday, first thing in the morning": Case(
        ["I'd like to see Dr. Chen a week from Tuesday, first thing in the morning.", "Olivia Martinez, 05/09/1998",
         "The first one.", "Yes."],
        "p-1005", {(CHEN, at(15, 9))}, said=["Tuesday, December 15th"]),
    "a week from tuesday (speech)": Case(
        ["i'd like to see doctor chen a week from tuesday first thing in the morning",
         "olivia martinez may ninth nineteen ninety eight", "the first one", "yes"],
        "p-1005", {(CHEN, at(15, 9))}),
    "the 22nd after lunch with whoever is free": Case(
        ["Could I come in on the 22nd after lunch? Whoever is free.", "Olivia Martinez, May 9th 1998",
         "The first one.", "Yes."],
        "p-1005", {(CHEN, at(22, 13))}, said=["Tuesday, December 22nd"]),
    "the twenty second after lunch (speech)": Case(
        ["could i come in on the twenty second after lunch whoever is free",
         "olivia martinez may ninth nineteen ninety eight", "the first one", "yes"],
        "p-1005", {(CHEN, at(22, 13))}),
    # the end of the day is the last free time that day, proposed (tests/agents/test_date_wordings.py)
    "end of the day on friday, any doctor": Case(
        ["Can I come in at the end of the day on Friday? Any doctor.", "Olivia Martinez, 5/9/1998",
         "The last one.", "Yes."],
        "p-1005", {(RODRIGUEZ, at(4, 16, 30))}, not_said=["9 AM", "12 PM"],
        said=["on Friday, December 4th at 4:30 PM. Shall I go ahead?"]),
    "first thing monday, doesn't matter who": Case(
        ["Doesn't matter who, just first thing Monday morning.", "Olivia Martinez, 5/9/1998", "The first one.",
         "Yes."],
        "p-1005", {(CHEN, at(7, 9))}, said=["Monday, December 7th"]),
    "end of the week, whoever's free (speech)": Case(
        ["any time at the end of the week whoevers free", "olivia martinez may ninth nineteen ninety eight",
         "the first one", "yes"],
        # the end of the week is its Friday, as callers mean it (blind set #115)
        "p-1005", {(CHEN, at(4, 9))}, said=["Friday, December 4th"]),
    "early next week, mornings": Case(
        ["Early next week with Dr. Rodriguez, mornings are best.", "Olivia Martinez, 5/9/1998", "The second one.",
         "Yes."],
        "p-1005", {(RODRIGUEZ, at(7, 9, 30))}, said=["Monday, December 7th"]),
    "late january": Case(
        ["Can I book Dr. Patel for late January at 2?", "Olivia Martinez, 5/9/1998", "Yes."],
        "p-1005", {(PATEL, datetime(2027, 1, 20, 14, tzinfo=NOW.tzinfo))}, said=["January 20th at 2 PM"]),
    "in two weeks": Case(
        ["I need a check-up in two weeks with Dr. Patel.", "Olivia Martinez, 5/9/1998", "The first one.", "Yes."],
        "p-1005", {(PATEL, at(15, 9))}, said=["Tuesday, December 15th"]),
    "in two weeks (speech)": Case(
        ["i need a checkup in two weeks with doctor patel", "olivia martinez may ninth nineteen ninety eight",
         "the first one", "yes"],
        "p-1005", {(PATEL, at(15, 9))}),
    "wednesday after next, around noonish (speech)": Case(
        ["book doctor patel wednesday after next around noonish", "olivia martinez may ninth nineteen ninety eight",
         "yes"],
        "p-1005", {(PATEL, at(16, 12))}, said=["Wednesday, December 16th at 12 PM"]),
    "two weeks from thursday at ten": Case(
        ["book dr rodriguez two weeks from thursday at ten", "olivia martinez may ninth nineteen ninety eight",
         "yes"],
        "p-1005", {(RODRIGUEZ, at(17, 10))}, said=["Thursday, December 17th at 10 AM"]),
    "next available, any doctor": Case(
        ["The next available appointment, any doctor.", "Olivia Martinez, 5/9/1998", "Yes."],
        "p-1005", {(CHEN, at(1, 10, 30))}),
    "next available with whoever (speech)": Case(
        ["next available with whoever is free", "olivia martinez may ninth nineteen ninety eight", "yes"],
        "p-1005", {(CHEN, at(1, 10, 30))}),
    # ---- a move said as "can't come", cancels in other words, corrections by the hour
    "can't come, could we try another day: a move": Case(
        ["I can't come on Thursday, could we try Monday at 11 instead?", "Emily Davis, July 23rd 1990", "Yes."],
        "p-1003", {(PATEL, at(7, 11))}),
    "can't come, how about another day (speech)": Case(
        ["i cant make it on thursday how about monday at eleven", "emily davis july twenty third nineteen ninety",
         "yes"],
        "p-1003", {(PATEL, at(7, 11))}),
    "same time on another day": Case(
        ["James Wilson, 01/30/1965. Please move my appointment to next Monday, same time.", "Yes."],
        "p-1004", {(CHEN, at(7, 14, 30))}),
    "cancel and rebook is a move (speech, by phone)": Case(
        ["hey its james wilson i gotta cancel my friday appointment and rebook for sometime the week after next",
         "january thirtieth sixty five", "the first one", "yes"],
        "p-1004", {(CHEN, at(14, 9))}, phone="+15035550104"),
    "remove me from the schedule (speech)": Case(
        ["please remove me from the schedule on friday", "james wilson january thirtieth nineteen sixty five",
         "yes"],
        "p-1004", set()),
    "no longer need the appointment": Case(
        ["Emily Davis, 7/23/1990. I no longer need my appointment on Thursday.", "Yes."], "p-1003", set()),
    "keep it, after all": Case(
        ["cancel my appointment on thursday", "emily davis july 23 1990", "oh wait, keep it", "no that's all"],
        "p-1003", EMILY_SEEDED, ended=True, said=["Okay, I won't do that."]),
    "can we do 11 instead, at the proposal": Case(
        ["book with dr chen tomorrow at 10, mia white 1/25/1996", "Hmm, can we do 11 instead?", "Yes."],
        "p-1015", {(CHEN, at(2, 11))}),
    "sorry i meant 2 (speech)": Case(
        ["book with doctor chen tomorrow at three", "mia white january twenty fifth nineteen ninety six",
         "sorry i meant two not three", "yes"],
        "p-1015", {(CHEN, at(2, 14))}),
    "an hour and a day picks an offer": Case(
        ["book with dr chen on monday", "mia white january twenty fifth nineteen ninety six",
         "10 on monday is fine", "yes"],
        "p-1015", {(CHEN, at(7, 10))}),
    "make it earlier the same day": Case(
        ["Could you make my Thursday appointment earlier, like 9:30?", "Emily Davis, 07/23/1990", "Yes."],
        "p-1003", {(PATEL, at(3, 9, 30))}),
    "move it to 3 after booking (speech)": Case(
        ["nathan allen june sixteenth nineteen eighty four doctor patel on thursday at two please", "yes",
         "actually can we make that three instead", "yes"],
        "p-1022", {(PATEL, at(3, 15))}),
    # ---- someone calling for a child; the last name first
    "calling for my son": Case(
        ["Hi, I'm calling for my son Lucas Garcia, born April 8, 2015. He needs a check-up on Friday at 9 with "
         "Dr. Rodriguez.", "Yes."],
        "p-1013", {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(4, 9))}),
    "calling for my son (speech)": Case(
        ["hi im calling for my son lucas garcia born april eighth two thousand fifteen he needs a checkup on friday "
         "at nine with doctor rodriguez", "yes"],
        "p-1013", {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(4, 9))}),
    "last name, first name": Case(
        ["I'd like an appointment with Dr. Chen on Friday at 11.", "Walker, Ryan. 12/12/1992", "Yes."],
        "p-1020", {(CHEN, at(4, 11))}),
    # ---- more staff work
    "insurance asked before booking": Case(
        ["I'd like to book a physical but first, is that covered by my insurance?"], "p-1005", set(),
        handoff="Insurance"),
    "does the clinic accept a plan (speech)": Case(
        ["does the clinic accept tricare"], "p-1005", set(), handoff="Insurance"),
    "a message for the nurse": Case(  # a message is taken now (agents/offline/messages.py)
        ["Can I leave a message for the nurse about my mother?"], "p-1005", set(),
        said=["Of course, I can take a message. What's your name, please?"]),
    "a new family doctor": Case(
        ["we just moved here and we're looking for a new family doctor"], "p-1005", set(),
        handoff="new patient"),
    "a note for work": Case(["I need a doctor's note for work."], "p-1005", set(), handoff="forms"),
    # practice information staff can give: offered, and a yes hands over with what it is about
    "the address": Case(["What's your address? I can't find the office.", "yes please"], "p-1005", set(),
                        handoff="address"),
    "a weekend (speech)": Case(["are you guys open on the weekend", "ok bye"], "p-1005", set(), ended=True,
                               said=["We're closed on weekends."]),
    "back pain, see someone today: a booking": Case(
        ["i have really bad back pain can i see someone today", "olivia martinez may ninth nineteen ninety eight",
         "the first one", "yes"],
        "p-1005", {(CHEN, at(1, 10, 30))}),
    "a name that is a topic word is a name": Case(
        ["Hi, this is Bill Price, 3/3/1970. I'd like to book with Dr. Chen on Friday at 10."], "p-1005", set(),
        said=["I'm sorry, I couldn't verify those details."]),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_conversation(case: Case, chat: Chat, demo: DemoConnector) -> None:
    talk, transcript = await converse(chat, case.turns, case.phone)
    assert await booked(demo, case.person) == case.booked, transcript
    if case.handoff is None:
        assert talk.handoff is None, transcript
    else:
        assert talk.handoff is not None, transcript
        assert case.handoff.lower() in talk.handoff.reason.lower(), talk.handoff.reason
        assert case.handoff.lower() in talk.handoff.summary.lower(), talk.handoff.summary
    assert talk.ended == case.ended, transcript
    for phrase in case.said:
        assert phrase in transcript, transcript
    for phrase in case.not_said:
        assert phrase not in transcript, transcript


async def test_hours_come_from_the_setting(demo: DemoConnector) -> None:
    agent = build_agent(
        connector=demo,
        audit=MemoryAuditSink(),
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
        business_hours="Mon-Thu 07:30-18:00; Fri 08:00-12:00; Sat 9am-1pm",
    )
    talk = Chat(agent, MemoryAuditSink())
    assert "Monday to Thursday, 7:30 AM to 6 PM" in await talk.say("what are your hours")
    assert "on Saturdays we're open from 9 AM to 1 PM" in await talk.say("are you open on saturday")
    assert "On Fridays we close at 12 PM" in await talk.say("what time do you close on friday")
    assert "closed on Sundays" in await talk.say("and on sunday")


async def test_address_and_phone_come_from_the_settings(demo: DemoConnector) -> None:
    agent = build_agent(
        connector=demo,
        audit=MemoryAuditSink(),
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
        business_address="12 River Road, Portland",
        business_phone="503-555-0100",
    )
    talk = Chat(agent, MemoryAuditSink())
    assert "We're at 12 River Road, Portland." in await talk.say("where are you guys located")
    assert "Our phone number is 503-555-0100." in await talk.say("and what's your phone number?")
    assert talk.handoff is None


def test_hours_setting_is_checked() -> None:
    hours = OpeningHours.parse("mon,wed 9:00-17:00; tue-thu 10:00-19:00; sun closed")
    assert hours.describe() == "Monday, 9 AM to 5 PM and Tuesday to Thursday, 10 AM to 7 PM"
    with pytest.raises(ValueError, match="can't read"):
        OpeningHours.parse("weekdays nine to five")
    from gateway.settings import Settings

    with pytest.raises(ValueError, match="business_hours"):
        Settings(business_hours="Mon-Fri 17:00-08:00")
