"""Families of held-out sets #179-#186 in other names, dates and wordings than the sets: a visit they
have moved by an amount or inside its day without a verb of moving ("could it be two hours later,
same day?"), a time the caller's own day leads to ("it finishes at 12:30, so 1:30"), a learner's
"transfer it on Tuesday", "cancel it, and instead make new appointment", a change of mind back to the
visit's own day at the read-back, a relative named by whom the caller brings, earlier contact and
reminders beside a move, a date said with a pause in it, "needs his ... moved to", and a typed list
that says "no rebooking"."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

THE_TIME_THEIR_DAY_LEADS_TO = [
    (["Sophia Taylor, 12/5/2001. Could I see Dr. Chen on Wednesday the 9th after my lunch break? It finishes at "
      "12:30, so 1:30 would work.", "Yes."], "p-1007", {(CHEN, at(9, 13, 30))}, None),
    (["Andrew Harris, 3/6/1961. Dr. Patel wants me back two weeks after my last visit, which was on the 23rd, so "
      "that's Monday the 7th. Could I have 11 o'clock?", "Yes please."], "p-1016", {(PATEL, at(7, 11))}, None),
]  # fmt: skip

MOVED_BY_AN_AMOUNT = [
    (["Emily Davis, 7/23/1990. I've got Dr. Patel on Thursday at 10. Could it be two hours later, same day?",
      "Yes."], "p-1003", {(PATEL, at(3, 12))}, None),
    (["James Wilson, 1/30/1965. My check-up with Dr. Chen on Friday - could you put it three days later? Same "
      "time is fine.", "Yes."], "p-1004", {(CHEN, at(7, 14, 30))}, None),
    (["Maria Garcia, 10/19/1982, about my son Lucas Garcia, 4/8/2015. He has Dr. Rodriguez on Tuesday the 8th. "
      "We'll be travelling - can you move it two days later, same time?", "Yes."], "p-1013",
     {(RODRIGUEZ, at(10, 9, 30))}, MARIA),
    (["Emily Davis, 7/23/1990. The morning is no good for my Dr. Patel appointment now. Can you slide it to the "
      "afternoon, same day, at 2?", "Yes."], "p-1003", {(PATEL, at(3, 14))}, None),
    (["James Wilson, 1/30/1965. My 2:30 with Dr. Chen on Friday - can it be earlier that day? First thing in the "
      "morning, 9:30, would suit.", "Yes."], "p-1004", {(CHEN, at(4, 9, 30))}, None),
]  # fmt: skip

LEARNERS_LISTS_AND_CONTACT = [
    (["Hello. I have visit to doctor Patel on Thursday. I want to transfer it on Tuesday, 8 December, at 11.",
      "Emily Davis, 23.07.1990.", "Yes."], "p-1003", {(PATEL, at(8, 11))}, "+15035550103"),
    (["Good morning. I have appointment to doctor Patel on Thursday. Please cancel it, and instead make new "
      "appointment to doctor Chen on Monday, 7 December, at 15:00.", "Emily Davis, 23.07.1990.", "Yes.",
      "Yes."], "p-1003", {(CHEN, at(7, 15))}, "+15035550103"),
    (["hi its maria garcia october nineteen nineteen eighty two about my son lucas garcia april eight twenty "
      "fifteen he has the flu shot with doctor rodriguez on tuesday the eighth and it clashes with a dentist "
      "visit could we do wednesday the ninth at eleven", "yes"], "p-1013", {(RODRIGUEZ, at(9, 11))}, MARIA),
    (["Hi, it's Emily Davis, 7/23/1990. The man I talked to last week said I could move my check-up if I rang. "
      "Could it go to Monday the 7th at 11?", "Yes."], "p-1003", {(PATEL, at(7, 11))}, None),
    (["I had a reminder email for Thursday with Dr. Patel. Emily Davis, 7/23/1990. Thursday's no good now, could "
      "I have the day after at the same time?", "Yes."], "p-1003", {(PATEL, at(4, 10))}, "+15035550103"),
    (["Emily Davis, 7/23/1990. I need to move my appointment with Dr. Patel, so sorry. Could we make it Tuesday "
      "the 8th... the 8th, yes, Tuesday, at half past eleven?", "Yes."], "p-1003", {(PATEL, at(8, 11, 30))},
     None),
    (["Calling for my boss James Wilson, DOB 01/30/1965. He needs his Fri 4th 14:30 with Dr Chen moved to Wed "
      "9th, 10:00.", "Yes."], "p-1004", {(CHEN, at(9, 10))}, None),
    (["- Emily Davis\n- 07/23/1990\n- cancel: Thu 3rd 10:00, Dr Patel\n- no rebooking", "Yes."], "p-1003", set(),
     None),
]  # fmt: skip

CHANGES_OF_MIND = [
    (["James Wilson, 1/30/1965. I'd like to move my Friday appointment with Dr. Chen to Monday the 7th at 2:30.",
      "Oh wait, no. Leave it on Friday but later that day, 4 pm on Friday the 4th.", "Yes."], "p-1004",
     {(CHEN, at(4, 16))}, None),
    (["Hello, this is Maria Garcia, 10/19/1982. I won't be able to bring Lucas to Dr. Rodriguez on Tuesday. His "
      "birthday is April 8th, 2015, Lucas Garcia.", "Could it be Wednesday the 9th at 10?", "Yes."], "p-1013",
     {(RODRIGUEZ, at(9, 10))}, MARIA),
]  # fmt: skip

# sets #166-#178, left from the last round, in other words
LEFT_FROM_THE_LAST_ROUND = [
    (["James Wilson, 1/30/1965. I've got Dr. Chen on Friday but I'm stuck at work until after 3. Could you push it "
      "an hour later?", "Yes."], "p-1004", {(CHEN, at(4, 15, 30))}, None),
    (["Sophia Taylor, 12/5/2001. The receptionist said Dr. Patel had a cancellation on Wednesday the 9th at 11. Can "
      "I take it?", "Yes."], "p-1007", {(PATEL, at(9, 11))}, None),
    (["Daniel Thomas, 4/21/1979. I'm booking the follow-up with Dr. Chen that we agreed at my appointment last "
      "week. Could I have Thursday the 10th at 2?", "Yes."], "p-1008", {(CHEN, at(10, 14))}, None),
    (["Ryan Walker, 12/12/1992. Dr. Patel wants to see me again when my course of antibiotics is done, so Friday "
      "the 11th at 10, please.", "Yes."], "p-1020", {(PATEL, at(11, 10))}, None),
    (["Emily Davis, 7/23/1990. When is my appointment?", "I'd prefer to see Dr. Chen for it. Could you move it to "
      "him, same day and time?", "Yes."], "p-1003", {(CHEN, at(3, 10))}, None),
    (["Charlotte Clark, 11/15/1989. Can I get in with Dr. Chen on Monday the 7th?", "like 11?", "Yes."], "p-1017",
     {(CHEN, at(7, 11))}, None),
    (["Date of birth July 23rd 1990.", "I can't make Thursday with Dr. Patel anymore, the car broke down.",
      "Could we do Tuesday the 8th at the same time instead? It's Emily Davis.", "Yes."], "p-1003",
     {(PATEL, at(8, 10))}, "+15035550103"),
    (["Emily Davis, 7/23/1990. What time do you open on Thursdays, and could you move my Thursday appointment "
      "with Dr. Patel from 10 to 9:30 the same day?", "Yes."], "p-1003", {(PATEL, at(3, 9, 30))}, None),
    (["David Anderson, 9/17/1958. I need two appointments with Dr. Patel: Monday the 7th at 2 PM, and then "
      "Monday the 14th at 2 PM as well.", "Yes.", "Yes."], "p-1006", {(PATEL, at(7, 14)), (PATEL, at(14, 14))},
     None),
    (["Nathan Allen, 6/16/1984. What are the first and the last times Dr. Chen has on Wednesday the 9th?",
      "The later one.", "Yes."], "p-1022", {(CHEN, at(9, 16, 30))}, None),
    (["Hello, Maria Garcia, 10/19/1982. Lucas had his flu jab at school, so please scrap Lucas's flu shot "
      "appointment with Dr Rodriguez on Tuesday. He's Lucas Garcia, 04/08/2015.", "Yes, scrap it."], "p-1013",
     set(), MARIA),
    (["Hi, Maria Garcia, 19/10/1982, calling for my son Lucas Garcia, 08/04/2015. Could you move his appointment "
      "with Dr Rodriguez on Tuesday to Wednesday the 9th at 11?", "Yes."], "p-1013", {(RODRIGUEZ, at(9, 11))},
     MARIA),
]  # fmt: skip

# sets #187-#194 (the second batch of the round), in other words
SECOND_BATCH = [
    (["Hi, Olivia Martinez, 5/9/1998. I had to cancel my check-up last month when I was sick, sorry. Could I see "
      "Dr. Chen on Wednesday the 9th at 10?", "Yes."], "p-1005", {(CHEN, at(9, 10))}, None),
    (["Michael Brown, 11/2/1972. I know I've cancelled on you twice, apologies. Is there any chance of Dr. Patel "
      "on Monday the 7th at 3 PM?", "Yes."], "p-1002", {(PATEL, at(7, 15))}, None),
    (["Siobhan O'Connor, 10/31/1994. I missed my last visit because of a family emergency back home. Could I get "
      "Dr. Chen tomorrow at 2?", "Yes."], "p-1024", {(CHEN, at(2, 14))}, None),
    (["Emily Davis, 7/23/1990. I've got a bad cold and don't want to give it to anyone, so could I push my "
      "appointment to Tuesday the 8th at 11?", "Yes."], "p-1003", {(PATEL, at(8, 11))}, None),
    (["James Wilson, 1/30/1965. My employer switched our plan, so I need to cancel my appointment with Dr. Chen "
      "on Friday until I sort out the new coverage.", "Yes."], "p-1004", set(), None),
    (["Emily Davis, 7/23/1990. I'd feel more at ease seeing someone else this time. Could my appointment on "
      "Thursday stay at the same time but with Dr. Chen?", "Yes."], "p-1003", {(CHEN, at(3, 10))}, None),
    (["James Wilson, 1/30/1965. Could my appointment with Dr. Chen go to the week after, same time?", "Yes."],
     "p-1004", {(CHEN, at(11, 14, 30))}, None),
    (["James Wilson, 1/30/1965. Can you put my appointment with Dr. Chen on Friday the 4th to Wednesday the 9th "
      "at 11?", "Yes."], "p-1004", {(CHEN, at(9, 11))}, None),
    (["James Wilson, 1/30/1965. Could you move my Friday appointment with Dr. Chen over to Dr. Patel on Monday "
      "the 7th at 2?", "Yes."], "p-1004", {(PATEL, at(7, 14))}, None),
    (["Hi, quick one: can I see Dr. Chen tomorrow if I can't make Friday?", "James Wilson, born January 30th, "
      "1965. Please move my Friday 2:30 with Dr. Chen to tomorrow at 4.", "Yes."], "p-1004", {(CHEN, at(2, 16))},
     "+15035550104"),
    (["Hello, I'm booking for two of my kids. The first is Joshua Lewis, born September 1st 2004. Dr. Patel on "
      "Monday December 7th at 9 AM please.", "Yes."], "p-1018", {(PATEL, at(7, 9))}, None),
    (["Emily Davis, 07/23/1990. I need to cancel my appointment with Dr. Patel on Thursday. My husband will ring "
      "about his own some other time.", "Yes."], "p-1003", set(), None),
    (["Hi, it's Maria Garcia, 10/19/1982. I'd like to book for my son, no, actually, not for my son today, for me. "
      "Dr. Chen tomorrow at 10.", "Yes."], "p-1012", {(CHEN, at(2, 10))}, MARIA),
    (["Sophia Taylor, born 12/15/2001, sorry, 12/5/2001, December 5th. I'd like Dr. Patel on Monday the 7th at 11.",
      "Yes."], "p-1007", {(PATEL, at(7, 11))}, None),
    (["Emily Davis, 7/23/1990. Could I push my Thursday appointment to Tuesday week? Not this coming Tuesday, the "
      "one after. 11 am, ideally.", "Yes."], "p-1003", {(PATEL, at(15, 11))}, None),
    (["Mia White, 1/25/1996. I'm a nurse working nights and my only free day is Wednesday. Can I see Dr. Chen at 1 "
      "on Wednesday the 9th?", "Yes."], "p-1015", {(CHEN, at(9, 13))}, None),
    (["Maria Garcia here, 10/19/1982, about my son Lucas, his date of birth is 4/8/2015. His appointment with Dr. "
      "Rodriguez on Tuesday is too early for us. Same day, 11 o'clock?", "Yes."], "p-1013",
     {(RODRIGUEZ, at(8, 11))}, MARIA),
    (["Andrew Harris, 3/6/1961. Could I see Dr. Ro on Thursday the 10th at 1 PM?", "Yes."], "p-1016",
     {(RODRIGUEZ, at(10, 13))}, None),
    # a "yes" garbled on the line at a cancellation's read-back is no new time for a move
    (["Please cancel my appointment on Friday.", "James Wilson, 1/30/1965", "Game will be formed under the May "
      "30th, 1750, 1550.", "Yes, go ahead.", "Yes."], "p-1004", set(), "+15035550104"),
    (["sophia taylor 12/5/01 appt w dr p mon 12/7 9:30am pls", "yes"], "p-1007", {(PATEL, at(7, 9, 30))}, None),
    (["christopher lee 7/4/75 need appt w drchen wed 12/9 @ 11", "yes"], "p-1014", {(CHEN, at(9, 11))}, None),
    (["james wilson 1/30/65 movemy fri appt to wed 12/9 @10am", "ya"], "p-1004", {(CHEN, at(9, 10))}, None),
    (["emily davis 7/23/90 - cxl my thurs appt w dr patel & book me w dr chen mon 12/7 at 2pm instead", "yes", "yes"],
     "p-1003", {(CHEN, at(7, 14))}, None),
    (["Maria Garcia, 10/19/1982. Please cancel Lucas's appointment on Tuesday, his dob is 08/04/2015 (8 april).",
      "Yes."], "p-1013", set(), MARIA),
    (["um hi this is maria garcia my birthday is ten nineteen eighty two my son is lucas garcia his birthday is "
      "april eighth twenty fifteen he won't need his check up with doctor rodriguez on tuesday so please cancel it",
      "yes cancel it"], "p-1013", set(), MARIA),
]  # fmt: skip

ALL_FAMILIES = [
    *SECOND_BATCH,
    *LEFT_FROM_THE_LAST_ROUND,
    *THE_TIME_THEIR_DAY_LEADS_TO,
    *MOVED_BY_AN_AMOUNT,
    *LEARNERS_LISTS_AND_CONTACT,
    *CHANGES_OF_MIND,
]


@pytest.mark.parametrize(("turns", "person", "after", "phone"), ALL_FAMILIES)
async def test_families_of_sets_179_to_186(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    ("turns", "lucas", "maria"),
    [
        (["Hi, Maria Garcia, October 19th 1982. Please cancel my son Lucas Garcia's check-up with Dr Rodriguez on "
          "Tuesday. His date of birth is April 8th 2015. And separately, I'd like to book myself in with Dr Chen on "
          "Wednesday the 9th at 2pm.", "Yes.", "Yes."], set(), {(CHEN, at(9, 14))}),
        (["Maria Garcia, 10/19/1982. I'd like to book my son Lucas, born April 8, 2015, with Dr. Rodriguez on "
          "Wednesday the 9th at 3 PM.", "yes", "And one for me too with Dr. Patel, the same day at 3:30.", "yes"],
         {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(9, 15))}, {(PATEL, at(9, 15, 30))}),
    ],
)  # fmt: skip
async def test_a_parent_speaking_for_a_child_and_for_herself_gets_both_written(
    turns: list[str], lucas: set[object], maria: set[object], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, MARIA)
    assert await booked(demo, "p-1013") == lucas, transcript
    assert await booked(demo, "p-1012") == maria, transcript


async def test_a_relatives_visit_cancelled_then_the_callers_own_booked(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Hello, Maria Garcia, 10/19/1982, and my son is Lucas Garcia, date of birth April 8th 2015. Please cancel "
        "Lucas's appointment with Dr. Rodriguez on Tuesday. And while I'm on, could I book myself in with Dr. Chen "
        "on Wednesday the 9th at 11 AM?",
        "Yes, cancel his please.",
        "Yes, please.",
    ]
    _, transcript = await converse(chat, turns, MARIA)
    assert await booked(demo, "p-1013") == set(), transcript
    assert await booked(demo, "p-1012") == {(CHEN, at(9, 11))}, transcript


async def test_yes_thats_it_to_the_times_offered_is_no_goodbye(chat: Chat) -> None:
    await chat.say("Charlotte Clark, 11/15/1989. Could I see Dr. Chen on Monday the 7th?")
    reply = await chat.say("Yes, that's it.")
    assert "goodbye" not in reply.lower() and "which" in reply.lower(), reply


async def test_a_partner_named_with_where_they_live_is_checked_on_their_own_details(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "hi, it's Ava Hernandez, born August 11th 1993. can I book Dr. Patel for Monday December 7th at 2 PM?",
        "yes",
        "and my partner Ryan Walker, we live together, his birthday is December 12th 1992. Dr. Patel at 2:30 PM "
        "the same day, Monday December 7th.",
        "yes",
    ]
    _, transcript = await converse(chat, turns, "+15035550109")
    assert await booked(demo, "p-1009") == {(PATEL, at(7, 14))}, transcript
    assert await booked(demo, "p-1020") == {(PATEL, at(7, 14, 30))}, transcript
