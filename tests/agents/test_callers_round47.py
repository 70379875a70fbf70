"""Families of held-out sets #47-#61 (polite and older callers, phone transcripts, negotiation,
callers who ask first, acceptance testers, phone-typed chat, learners of English, older callers) in other names, dates and wordings than
the sets: a move said as "no longer suits ... might it go to", "come forward", "put it back"; a
name said "Mrs White, Mia"; who the caller is said beside a question; "10 or 10:30 in the
morning"; "no, I said ..." to a read-back of just that; "he has Dr X" and then "move it"; "not for
my son, for me"; a weekday and a date for the one day; "I'll ring back to rebook"; "next month:
Wednesday January 6th"; "move my appointment with Dr X to Dr Y"; "at nine, no, not nine, ten"; a
pause ("hold on, someone's at the door"); "cancel ... and instead book ..."; "whoever's free
first"; a date of birth year first with "then"; results asked for beside a booking; walk-ins and
an insurance card to bring; opening and closing time in one question; dates as learners of
English write them ("wednesday 9 december", "16 december, wednesday, at 12h", "Monday 7.12");
"i am student, Joshua Lewis"; "annul"; a visit named as "my blood pressure appointment"; a date of
birth in pieces; where the caller was ("on hold with the pharmacy") read as no question."""

from __future__ import annotations

from datetime import datetime

import pytest

from agents.offline.messages import phone_digits
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import (
    CHEN,
    NOW,
    PATEL,
    RODRIGUEZ,
    assert_written_as_said,
    at,
    booked,
    converse,
)

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
FAMILY = "+15035550112"  # the Garcias' number

SETS_47_TO_51 = [
    # a move in courteous words, not a second visit
    (["James Wilson 1/30/1965. My Friday appointment with Dr Chen no longer suits me. Might it go to Monday the 7th "
      "at 11?", "yes"], "p-1004", {(CHEN, at(7, 11))}, None),
    (["Emily Davis 7/23/1990. my thursday check-up, could it come forward to wednesday the 2nd at 2?", "yes"],
     "p-1003", {(PATEL, at(2, 14))}, None),
    # a title and the family name, then the given name
    (["Mrs White, Mia, born 25 January 1996. Dr Patel on Monday at 3, please.", "yes"], "p-1015",
     {(PATEL, at(7, 15))}, None),
    # who the caller is, said beside a question answered first
    (["Hernandez, Ava. 8/11/1993. Do you open on Saturdays?", "ok then could dr chen see me monday at 9?", "yes"],
     "p-1009", {(CHEN, at(7, 9))}, None),
    # two times said with "or" and a part of the day: the first of them
    (["Mia White 1/25/1996 dr patel monday 10 or 10:30 in the morning", "yes"], "p-1015", {(PATEL, at(7, 10))},
     None),
    # "no, I said ..." to a read-back of just that: read back again, and the yes writes it
    (["Mia White 1/25/1996 dr chen on wednesday the 2nd at 3pm", "no, i said wednesday the second at three", "yes"],
     "p-1015", {(CHEN, at(2, 15))}, None),
    # "he has Dr X" with no verb: the visit he has, then moved
    (["maria garcia for my son lucas, 4/8/2015, you know he has doctor rodriguez", "can we move it to wednesday "
      "the 9th at 11", "yes"], "p-1013", {(RODRIGUEZ, at(9, 11))}, FAMILY),
    # "not for my son, for me": the caller's own visit
    (["it's maria garcia, not for my son today, for me, born october 19 1982", "dr patel monday at 2 please", "yes"],
     "p-1012", {(PATEL, at(7, 14))}, FAMILY),
    # a weekday and its date, with the time before them, for a move after a question about free times
    (["Emily Davis 7/23/1990. i want to move my appointment. what does dr patel have on friday december 4th?",
      "the 3pm on fri 12/4 then", "yes"], "p-1003", {(PATEL, at(4, 15))}, None),
    # "I'll ring back to rebook": a cancellation, no message
    (["james wilson dob 1/30/1965. need to cancel my appt with dr chen, something came up at work, ill ring back to "
      "rebook", "yes"], "p-1004", set(), None),
    # a month said as "next month" and the exact date
    (["Mia White 1/25/1996, a physical next month please: dr patel, wednesday january 6th at 10am", "yes"], "p-1015",
     {(PATEL, datetime(2027, 1, 6, 10, tzinfo=NOW.tzinfo))}, None),
    # the doctor it moves to
    (["Emily Davis 7/23/1990. please move my appointment with dr patel to dr chen, friday the 4th at 11", "yes"],
     "p-1003", {(CHEN, at(4, 11))}, None),
    # a time taken back: "not nine, ten"
    (["Mia White 1/25/1996. Dr Chen on Monday at nine, no sorry, not nine, ten", "yes"], "p-1015",
     {(CHEN, at(7, 10))}, None),
    # a pause while the write waits, then the yes with the day and time again
    (["Mia White 1/25/1996 dr chen monday at 2", "hold on a sec, someone's at the door",
      "ok i'm back, where were we? yes, monday at 2 is fine, go ahead"], "p-1015", {(CHEN, at(7, 14))}, None),
    # "cancel ... and instead book ...": both, as said
    (["Emily Davis 7/23/1990. cancel my thursday appointment with dr patel and instead book dr chen on friday the 4th "
      "at 9", "yes", "yes"], "p-1003", {(CHEN, at(4, 9))}, None),
    # ... said before who the caller is: the second still waits through the identity check
    (["cancel my dr chen appt on friday and book me w dr patel on monday the 7th at 10am",
      "james wilson 1/30/1965", "yes", "yes"], "p-1004", {(PATEL, at(7, 10))}, None),
    # the doctor of a visit the caller has, said beside the one asked for
    (["Mia White 1/25/1996, need an appt w dr patel mon 12/7 at 11:30, separate from my dr chen one", "yes"],
     "p-1015", {(PATEL, at(7, 11, 30))}, None),
    # the time in a sentence of its own after "the same day"
    (["Emily Davis 7/23/1990. could my thursday check-up go to the afternoon the same day? 3 would suit me best",
      "yes"], "p-1003", {(PATEL, at(3, 15))}, None),
]  # fmt: skip


SETS_54_AND_55 = [
    # a weekday with its date, day first, to times offered on another day of that weekday
    (["Mia White 1/25/1996. i would like a rendez-vous with doctor patel on wednesday",
      "no, for wednesday 9 december at 10h, it is free?", "yes"], "p-1015", {(PATEL, at(9, 10))}, None),
    # the day of the month first, then the weekday, then the time ("18" is no hour)
    (["Mia White 1/25/1996, dr patel please", "16 december, wednesday, at 12h", "yes"], "p-1015",
     {(PATEL, at(16, 12))}, None),
    # a day and month in numbers with the weekday: the reading that falls on it
    (["Mia White 1/25/1996, dr chen please", "Monday 7.12, 11h", "yes"], "p-1015", {(CHEN, at(7, 11))}, None),
    # "at the 3 afternoon"
    (["Mia White 1/25/1996. for make appointment with doctor chen", "for the monday 7 december at the 3 afternoon",
      "yes"], "p-1015", {(CHEN, at(7, 15))}, None),
    # what the caller is, before who ("i am student, Joshua Lewis")
    (["namaste. i am student, Joshua Lewis, born 1 of september 2004", "i need doctor chen, the friday 11 of "
      "december 16h30", "yes"], "p-1018", {(CHEN, at(11, 16, 30))}, None),
    # "can you put it in the morning, 10h? same day"
    (["James Wilson, birthday 30 of january 1965", "my appointment friday with doctor chen, can you put it in the "
      "morning, 10h? same day", "yes"], "p-1004", {(CHEN, at(4, 10))}, None),
    # "annul"
    (["hello, i want annul my appointment please", "Emily Davis, born 23 of july 1990", "yes"], "p-1003", set(),
     None),
    # the visit the caller has, named with words before "appointment", then moved
    (["hello dear, james wilson here. it's about my blood pressure appointment with doctor chen",
      "january the thirtieth, nineteen sixty five", "can we move it to monday the seventh at three in the "
      "afternoon?", "yes"], "p-1004", {(CHEN, at(7, 15))}, "+15035550104"),
    (["hi, it's maria garcia. my mum is in hospital that day so i can't bring lucas to doctor rodriguez",
      "lucas garcia, born the 8th of april 2015", "can we move him to thursday the tenth at ten o'clock in the "
      "morning?", "yes"], "p-1013", {(RODRIGUEZ, at(10, 10))}, FAMILY),
    # "same day ... but three o'clock" to the one appointment just listed
    (["hello, emily davis. my appointment with doctor patel, my ride can only come after two that day",
      "july the twenty third, nineteen ninety", "so same day, thursday the third, but three o'clock in the "
      "afternoon please", "yes"], "p-1003", {(PATEL, at(3, 15))}, "+15035550103"),
    # a date of birth in two pieces, with a holiday's name and "sorry dear"
    (["hello, siobhan o'connor here. i'd like to see doctor chen please", "oh my date of birth, it's halloween, "
      "the thirty first of october", "nineteen ninety four, sorry dear", "monday the seventh at one o'clock in the "
      "afternoon", "yes"], "p-1024", {(CHEN, at(7, 13))}, "+15035550124"),
    # where the caller was ("on hold with the pharmacy") and how ("a bit muddled"): no topic, no name
    (["hello, is this riverside? i've been on hold with the pharmacy all morning so forgive me if i'm a bit "
      "muddled. nathan allen", "june the sixteenth, nineteen eighty four", "i'd like to see doctor chen on monday "
      "the seventh at eleven in the morning", "yes"], "p-1022", {(CHEN, at(7, 11))}, "+15035550122"),
]  # fmt: skip


SETS_56_AND_57 = [
    # "I drop the kids at school": no cancellation; "what else does he have that day?": that day
    (["Mia White 1/25/1996. can i get dr chen on monday the 7th at 9?", "no, that's too early, i drop the kids at "
      "school. what else does he have that day?", "11:30 please", "yes"], "p-1015", {(CHEN, at(7, 11, 30))}, None),
    # "either one" said of two days is no "any doctor": the move stays with the visit's doctor
    (["Emily Davis 7/23/1990. i need to reschedule with dr patel", "the week after, a tuesday or thursday "
      "afternoon, either one. not mondays.", "the thursday, thursday the 10th, at 2:30", "yes"], "p-1003",
     {(PATEL, at(10, 14, 30))}, None),
    # "my 2:30 with dr chen doesn't suit anymore", then the other times of its day
    (["James Wilson 1/30/1965. my 2:30 with dr chen doesn't suit anymore.", "what else does he have that day?",
      "the 10 am please", "yes"], "p-1004", {(CHEN, at(4, 10))}, None),
    # "the week after, same day same time"
    (["James Wilson 1/30/1965. could you push my appointment back to the week after, same day same time", "yes"],
     "p-1004", {(CHEN, at(11, 14, 30))}, None),
    # two dates of birth in one turn, the request the son's: he is checked, and the visit is his
    (["Hello, booking for my son Lucas Garcia (DOB 04/08/2015) - I'm his mum Maria Garcia, 10/19/1982.",
      "Dr Rodriguez, Wednesday the 9th at 4:30 if possible", "yes"], "p-1013",
     {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(9, 16, 30))}, None),
    (["cancel lucas garcia's appt w/ dr rodriguez pls - i'm maria garcia 10/19/1982, his dob 04/08/2015", "yes"],
     "p-1013", set(), None),
    (["hi, my son lucas garcia has dr rodriguez next week, we'll be away. i'm maria garcia",
      "my birthday is october 19 1982, his is april 8 2015", "can you move it to the week after, same time?", "yes"],
     "p-1013", {(RODRIGUEZ, at(15, 9, 30))}, FAMILY),
    # the son's details after the mother's own check
    (["hi it's maria garcia, 10/19/1982, i'm calling for my son lucas", "he's lucas garcia, born april 8 2015. could "
      "dr rodriguez see him wednesday the 9th at 3:30 after school?", "yes"], "p-1013",
     {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(9, 15, 30))}, None),
    # the details before who the caller is, kept through the check
    (["dr patel", "wednesday december 9th, 2:30", "mia white dob 1/25/1996", "yes"], "p-1015",
     {(PATEL, at(9, 14, 30))}, None),
    (["Dr Patel - my appointment with her this week", "could it move from thursday to friday 12/4 at 2pm?",
      "I'm Emily Davis, 23 July 1990", "yes"], "p-1003", {(PATEL, at(4, 14))}, None),
    # what these families must not catch: "you've got with dr patel" (a booking), "a school trip that day"
    # (a day, not a question), "DOB" said before the mother's own date of birth
    (["Mia White 1/25/1996. what's the earliest you've got with dr patel on monday after lunch?", "the 1 pm please",
      "yes"], "p-1015", {(PATEL, at(7, 13))}, None),
    (["Hi, this is Lucas Garcia's mum, Maria. I'm calling about his appointment next week. His birthday is 8 April "
      "2015. He's got a school trip that day, could we move it to Thursday the 10th at 3 pm?", "yes"], "p-1013",
     {(RODRIGUEZ, at(10, 15))}, None),
    (["Maria Garcia here, DOB 10/19/1982. My son Lucas (Lucas Garcia, 4/8/2015) won't make his appt on the 8th, "
      "we'll be away. can you cancel it pls?", "yes"], "p-1013", set(), None),
]  # fmt: skip


SETS_58_AND_59 = [
    # "his nine thirty with dr rodriguez clashes with school": that one, moved
    (["hi, it's about lucas garcia, date of birth april 8 2015. his nine thirty with dr rodriguez clashes with "
      "school, can we do four pm the same day", "yes please"], "p-1013", {(RODRIGUEZ, at(8, 16))}, FAMILY),
    # Nigerian Pidgin: "he get appointment", "move am", "yes o", "book am"
    (["I dey call about my pikin Lucas Garcia, born 8 April 2015. He get appointment with Dr Rodriguez. Abeg move "
      "am to Wednesday 9th December, 11 o'clock.", "Yes o, go ahead."], "p-1013", {(RODRIGUEZ, at(9, 11))}, FAMILY),
    (["Mia White 1/25/1996, dr chen monday the 7th at 10", "Yes o, book am."], "p-1015", {(CHEN, at(7, 10))}, None),
    # "yes please switch it" to a move to another doctor
    (["Emily Davis 7/23/1990. could you switch my thursday appointment with dr patel over to dr chen, same time",
      "Yes please switch it."], "p-1003", {(CHEN, at(3, 10))}, None),
    # "ten turdy" (thirty) and Jamaican yeses: "yes man dat good"
    (["mia white january twenty fifth nineteen ninety six doctor patel monday ten turdy", "yes man dat good"],
     "p-1015", {(PATEL, at(7, 10, 30))}, None),
    # "I am booked with Dr Chen ... on Friday ... could I come the day before, Thursday, at the same time?"
    (["Good morning. James Wilson speaking, born the 30th of January 1965. I am booked with Dr. Chen for my follow-up "
      "on Friday, December 4th at half past two. My grandson's graduation is that afternoon, so could I come the day "
      "before, Thursday, December 3rd, at the same time?", "Yes, that's right."], "p-1004", {(CHEN, at(3, 14, 30))},
     None),
    # "we cannot come the wednesday. friday ... 14h is possible?" to "which doctor?": his visit, moved
    (["buenas. appointment for Lucas Garcia, 8 April 2015, i am his mama", "we cannot come the tuesday. friday 4 "
      "december 14h is possible?", "yes please"], "p-1013", {(RODRIGUEZ, at(4, 14))}, FAMILY),
    # the same day said twice over with the time in the first ("monday at 9 then, monday the 7th")
    (["Emily Davis 7/23/1990. i need to move my appointment with dr patel", "monday at 9 then, monday the 7th.",
      "yes"], "p-1003", {(PATEL, at(7, 9))}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"),
    SETS_47_TO_51 + SETS_54_AND_55 + SETS_56_AND_57 + SETS_58_AND_59,
)
async def test_set_47_to_59_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_pause_keeps_the_question(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat, ["Mia White 1/25/1996 dr chen monday at 2", "one sec, the dog"], None
    )
    assert transcript.endswith("Of course, take your time."), transcript
    assert await booked(demo, "p-1015") == set(), transcript


async def test_whoever_is_free_first_is_the_first_time(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Mia White 1/25/1996. any doctor, whoever's free first on monday the 7th", "yes"]
    _, transcript = await converse(chat, turns, None)
    assert {start for _, start in await booked(demo, "p-1015")} == {at(7, 9)}, transcript


async def test_a_year_first_date_of_birth_said_as_a_correction(chat: Chat) -> None:
    turns = ["Amelia Robinson, 27/05/78. I need to cancel.", "oh, 1977 then, the twenty-seventh of may"]
    _, transcript = await converse(chat, turns, None)
    assert "didn't catch" not in transcript and "Thank you, Amelia" in transcript, transcript


@pytest.mark.parametrize(
    "turns",
    [
        ["Mia White 1/25/1996, can you tell me my lab results and book dr chen monday at 9"],
        [
            "Mia White 1/25/1996. are my blood test results back yet? and could i get in with dr patel on monday at 9?"
        ],
    ],
)
async def test_results_asked_for_beside_a_booking_go_to_staff(
    turns: list[str], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [*turns, "yes"], None)
    assert chat.handoff is not None and "results" in chat.handoff.reason, transcript
    assert await booked(demo, "p-1015") == set(), transcript


async def test_whether_a_symptom_can_wait_goes_to_staff(chat: Chat, demo: DemoConnector) -> None:
    turns = ["This is David Anderson, born September 17, 1958. My knee has been stiff since Sunday and I wondered "
             "whether I ought to be worried or whether it can wait for my next check-up."]  # fmt: skip
    _, transcript = await converse(chat, turns, None)
    assert chat.handoff is not None and "Medical" in chat.handoff.reason, transcript


async def test_a_place_for_lunch_asked_twice_goes_to_staff(chat: Chat) -> None:
    turns = [
        "hi, can you recommend a good place to get lunch near the clinic?",
        "come on, anywhere for lunch nearby",
    ]
    _, transcript = await converse(chat, turns, None)
    assert chat.handoff is not None and "Off topic" in chat.handoff.reason, transcript


@pytest.mark.parametrize(
    "question", ["Do you take walk-ins?", "do i need to bring my insurance card with me?"]
)
async def test_what_to_bring_and_walk_ins_are_no_insurance_question(question: str, chat: Chat) -> None:
    _, transcript = await converse(chat, [question], None)
    assert chat.handoff is None and "insurance questions" not in transcript, transcript


async def test_opening_and_closing_time_in_one_question(chat: Chat) -> None:
    _, transcript = await converse(
        chat, ["what time do you open in the morning and what time do you close?"], None
    )
    assert "9 AM" in transcript and "5 PM" in transcript, transcript


def test_a_date_of_birth_is_no_phone_number() -> None:
    assert phone_digits("james wilson dob 1/30/1965, call me") is None
    assert phone_digits("call me on 503-555-0112") == "5035550112"
