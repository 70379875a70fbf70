"""Families of held-out sets #92-#99 in other names, dates and wordings than the sets: "bring my
appointment with Dr. X forward", "I have something with Dr. X", a date said with an amount around
it ("about three weeks later, on Tuesday the 22nd"), "right after him", a day of the caller's own
plans or story ("a job interview on Friday", "since I ... on Sunday", "told me today"), names
typed in lower case, "my fri appt" then "need it earlier in the day", "same time works" to other
times offered, the earliest or latest of a day ("what's his latest"), "is 11 or 11:30 free on
Monday instead?", "I can't get there before ..., so ...", "the Thursday after next, that's the
10th", "that same morning", a day of birth corrected in the turn, "I'll make a new appointment in
the spring", "I'd rather come Monday", a relative's advice ("my husband says I should see ..."),
a follow-up about medication, a story then "anyway, could you cancel", a parent calling about a
child "he was born ..." / "X is my son, born ...", a new family asking which doctors work there."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
JAMES = "+15035550104"

SETS_92_TO_99 = [
    # a move said as "bring ... forward", the doctor's title with its full stop
    (["James Wilson, 1/30/1965. Could you bring my Friday appointment with Dr. Chen forward to Thursday, after "
      "lunch, at 2?", "yes"], "p-1004", {(CHEN, at(3, 14))}, None),
    # "I have something with Dr. X": the visit they have
    (["Emily Davis, July 23rd 1990.", "I have something with Dr. Patel on Thursday, I'd like to change it to the "
      "10th at 11.", "yes"], "p-1003", {(PATEL, at(10, 11))}, None),
    # the date said wins over the amount said around it
    (["Daniel Thomas 4/21/1979, Dr Chen Wednesday the 2nd at 9", "yes",
      "and a second one roughly three weeks later, on Tuesday the 22nd, also at 9", "yes"], "p-1008",
     {(CHEN, at(2, 9)), (CHEN, at(22, 9))}, None),
    # "right after him": on the day of the visit the relative has
    (["Maria Garcia, 10/19/1982. Lucas already has his check with Dr. Rodriguez on Tuesday the 8th at 9:30. "
      "Could I see Dr. Chen straight after him, at 10?", "yes"], "p-1012", {(CHEN, at(8, 10))}, None),
    # a day of the caller's own plans, or of a story, is not the day asked for
    (["Ryan Walker 12/12/1992. I've got a job interview on Friday and need a check-up before then. Could I come "
      "tomorrow at 3 with Dr. Patel?", "yes"], "p-1020", {(PATEL, at(2, 15))}, None),
    (["Harper Young, 8/20/1968. My back has been stiff since I painted the fence on Sunday. Thursday at 11 with "
      "Dr. Chen?", "yes"], "p-1021", {(CHEN, at(3, 11))}, None),
    (["Andrew Harris, 3/6/1961. My new employer only emailed me today about a check-up. Can I come in tomorrow "
      "at 2 with Dr. Chen?", "yes"], "p-1016", {(CHEN, at(2, 14))}, None),
    # names typed in lower case, on their own
    (["olivia martinez", "5/9/98", "dr chen fri the 4th 11am", "yes"], "p-1005", {(CHEN, at(4, 11))}, None),
    (["hi ryan walker", "dob 12/12/92", "patel tmrw 1030", "yep"], "p-1020", {(PATEL, at(2, 10, 30))}, None),
    # the visit named by its day, then how to change it
    (["james wilson", "1/30/65", "my fri appt", "need it earlier in the day", "11", "yes"], "p-1004",
     {(CHEN, at(4, 11))}, None),
    # "same time" to times offered for a move that leave it out
    (["james wilson here", "dob 1/30/65", "need to move my chen appt", "wed the 9th", "same time works", "yes"],
     "p-1004", {(CHEN, at(9, 14, 30))}, None),
    # the latest or earliest of a day
    (["Sarah Johnson 3/14/1985. I'd like Dr. Chen on Monday the 7th. What's his latest that day?", "yes"],
     "p-1001", {(CHEN, at(7, 16, 30))}, None),
    (["James Wilson 1/30/1965. Can I move my Friday visit to Dr. Patel instead, same day? What's the earliest "
      "she has?", "yes"], "p-1004", {(PATEL, at(4, 9))}, None),
    (["James Wilson 1/30/1965. I'd like to push my Friday appointment to later that same day. What's the latest "
      "he has?", "yes"], "p-1004", {(CHEN, at(4, 16, 30))}, None),
    # the visit, a colon, then the times asked for on another day
    (["James Wilson, 1/30/1965. My Friday appointment with Dr. Chen: is 11 or 11:30 free on Monday instead?",
      "the earlier one", "yes"], "p-1004", {(CHEN, at(7, 11))}, None),
    # when the caller can get here, then the time it makes them ask for
    (["Sarah Johnson 3/14/1985, Dr Patel on Wednesday the 2nd. I can't get there before quarter past ten, so "
      "10:30 would be ideal.", "yes"], "p-1001", {(PATEL, at(2, 10, 30))}, None),
    # a relative day, then the date spelled out
    (["Ava Hernandez 8/11/1993, Dr Chen on the Thursday after next, that's the 10th, at 3 in the afternoon",
      "yes"], "p-1009", {(CHEN, at(10, 15))}, None),
    # "that same morning": the appointment's day
    (["James Wilson 1/30/1965. My Friday afternoon appointment doesn't suit any more, what's the first you have "
      "that same morning?", "yes"], "p-1004", {(CHEN, at(4, 9))}, None),
    # "that morning" told as the reason is not the new time's day
    (["Emily Davis 7/23/1990. I have my check-up with Dr. Patel on Thursday but I have to work that morning, so "
      "could we move it to Friday the 4th at 11:30?", "yes"], "p-1003", {(PATEL, at(4, 11, 30))}, None),
    # anyone, then the doctor wished for: one booking, with that doctor
    (["Matthew Moore, 6/28/1969. Any doctor is fine, whoever has something on Monday the 7th. Dr. Chen at 10 "
      "would be ideal.", "yes"], "p-1010", {(CHEN, at(7, 10))}, None),
    # one of several visits named by its doctor, its kind or its place in time, not the one just booked
    (["James Wilson, 1/30/1965. I want to book Dr. Patel on Wednesday the 2nd at 11.", "yes",
      "Thanks. Now the Chen one, please move it to Monday at 9:30.", "yes"], "p-1004",
     {(PATEL, at(2, 11)), (CHEN, at(7, 9, 30))}, None),
    (["Emily Davis, 7/23/1990. A second appointment with Dr. Patel please, on the 8th at 2.", "yes",
      "Now the earlier of the two, move it to Friday at 11, and leave the one on the 8th alone.", "yes"], "p-1003",
     {(PATEL, at(4, 11)), (PATEL, at(8, 14))}, None),
    (["It's Maria Garcia, calling about my son Lucas Garcia, date of birth 8 April 2015.",
      "I want to add a sick visit for him with Dr. Rodriguez tomorrow at 4.", "yes",
      "And the vaccination one, can you move it to 3:30 the same day?", "yes"], "p-1013",
     {(RODRIGUEZ, at(2, 16)), (RODRIGUEZ, at(8, 15, 30))}, None),
    (["James Wilson, 1/30/1965. Book me with Dr. Patel on Monday the 7th at 2, please.", "yes",
      "Now I've got two. The later one, move it to Thursday the 10th at 4.", "yes"], "p-1004",
     {(CHEN, at(4, 14, 30)), (PATEL, at(10, 16))}, None),
    (["Christopher Lee, 7/4/1975. Book me with Dr. Chen on Wednesday the 2nd at 10, please.", "yes",
      "Also Dr. Patel on Monday the 7th at 2.", "yes", "Hmm, you know what, cancel the Chen one, I'll just see "
      "Dr. Patel.", "yes"], "p-1014", {(PATEL, at(7, 14))}, None),
    # "at the same time", "the second on ...": the visit just booked's time and doctor
    (["Ava Hernandez, 8/11/1993. A visit with Dr. Chen on the 9th after lunch, say 1:30.", "yes",
      "And a follow-up with him on the 16th at the same time.", "yes"], "p-1009",
     {(CHEN, at(9, 13, 30)), (CHEN, at(16, 13, 30))}, None),
    (["Hello, Amelia Robinson, born May 27th 1977. I need two appointments with Dr. Patel.",
      "The first on Monday the 7th at 10, please.", "yes", "And the second on Monday the 14th at 10.", "yes"],
     "p-1019", {(PATEL, at(7, 10)), (PATEL, at(14, 10))}, None),
    # a cancellation read back, answered with another time: a move
    (["it's emily davis, born july 23 1990. my check-up on thursday doesn't work anymore",
      "first thing monday, 9 o'clock, same doctor", "yes"], "p-1003", {(PATEL, at(7, 9))}, None),
    # both of them, one after the other
    (["James Wilson, January 30th 1965. Book me with Dr. Patel on Monday the 7th at 10:30.", "yes",
      "Actually, I'll be away after all. Please cancel both of them, the new one and the Dr. Chen one.", "yes",
      "yes"], "p-1004", set(), None),
    # set #89's families in other words: a relative's visit, its new time said around it
    (["hi, my husband James Wilson (dob 1/30/1965) has an appointment with Dr Chen this Friday. Can it be moved to "
      "next week, Tuesday the 8th, at 2:30?", "yes"], "p-1004", {(CHEN, at(8, 14, 30))}, None),
    (["Hi, I'm calling from my wife's phone. She's Emily Davis, born July 23rd 1990. She has an appointment with "
      "Dr. Patel on Thursday and would rather see Dr. Chen instead, same day, at 11 if he has it.", "yes"],
     "p-1003", {(CHEN, at(3, 11))}, None),
    (["Hi, Ryan Walker calling. I need to change my wife's appointment. Emily Davis, DOB 7/23/1990. It's with "
      "Dr. Patel on Thursday at 10. Can it be an hour later?", "yes"], "p-1003", {(PATEL, at(3, 11))}, None),
    (["Morning, Maria Garcia. My son Lucas, April 8th 2015, has an appointment with Dr. Rodriguez next Tuesday. "
      "Can we bring it forward to Monday the 7th at 9:30?", "yes"], "p-1013", {(RODRIGUEZ, at(7, 9, 30))}, None),
    # sets #104-#107: a move with the old day said between, ESL wordings, misheard days and times
    (["Maria Garcia here for Lucas Garcia, his date of birth is April 8th 2015. Can his appointment on the 8th go "
      "to Wednesday the 9th, after lunch - 1:30?", "yes"], "p-1013", {(RODRIGUEZ, at(9, 13, 30))}, None),
    (["Hola, Maria Garcia here. My son Lucas has appointment with the children doctor, I need to move it.",
      "Lucas Garcia, born 8 April 2015.", "Thursday 17, in afternoon, 15:00 please.", "yes, gracias"], "p-1013",
     {(RODRIGUEZ, at(17, 15))}, None),
    (["James Wilson, 30/01/1965. Friday appointment with Dr Chen, better for me Monday 7 December at 10h.",
      "yes, okay"], "p-1004", {(CHEN, at(7, 10))}, None),
    (["Maria Garcia speaking. My son Lucas Garcia, born 8 April 2015, has appointment with the children doctor "
      "next Tuesday, the 8th. We don't need anymore, please cancel.", "yes"], "p-1013", set(), None),
    (["emily davis, july 23rd 1990. i need to can sell my appointment on thirsty", "yes"], "p-1003", set(), None),
    (["sarah johnson march fourteenth eighty five. doctor pattel, wends day next week, nine thirsty", "yes"],
     "p-1001", {(PATEL, at(9, 9, 30))}, None),
    (["Ryan Walker speaking. December 12th, 1992.", "Dr. Rodriguez, this Thursday, half past eleven.",
      "Let me think... um...", "Yes, that's fine."], "p-1020", {(RODRIGUEZ, at(3, 11, 30))}, None),
    (["James Wilson, born January 30th, 1965.", "I can't manage Friday. What times has Dr. Chen got on Monday the "
      "7th instead?", "Eleven o'clock, please.", "Yes, move it."], "p-1004", {(CHEN, at(7, 11))}, None),
    (["Emily Davis, born the 23rd of July, 1990. My appointment on Thursday, could we make it a bit later, twelve "
      "noon?", "yes"], "p-1003", {(PATEL, at(3, 12))}, None),
    (["James Wilson. I need to change my blood pressure appointment.", "January 30th, 1965.",
      "Earlier in the day would be better. The same day, the Friday, at ten in the morning.",
      "Oh, thank you, dear. My wife drives me, you see, and she has her bridge in the afternoons.",
      "Yes, please move it."], "p-1004", {(CHEN, at(4, 10))}, None),
    (["Um, hello. My name is Andrew Harris.", "Oh, and my birthday's the sixth of March.", "Nineteen sixty-one.",
      "I want to come in and see Dr. Patel next Monday, the 7th.", "Two o'clock, if she's got it.", "yes"],
     "p-1016", {(PATEL, at(7, 14))}, None),
    # sets #108-#111: a month then "Thursday the 10th", "moving it to the 9th", an insurance change as the
    # reason for a cancellation, "he's got Dr. X ... he'd rather go ...", "Dr. Y at 3:30 if she has it",
    # the name after the request
    (["Sarah Johnson 3/14/1985. Looking for a slot with Dr. Chen in December, Thursday the 10th at 10 am if "
      "possible.", "yes, book it"], "p-1001", {(CHEN, at(10, 10))}, None),
    (["Emily Davis, 7/23/1990. My check-up on Thursday, any chance of moving it to the 9th, first thing?", "yes"],
     "p-1003", {(PATEL, at(9, 9))}, None),
    (["Hi, this is Emily Davis, born July 23rd, 1990. My insurance changed so I have to cancel my appointment on "
      "Thursday for now.", "yes"], "p-1003", set(), None),
    (["James Wilson's wife. He was born January 30th 1965.", "He's got Dr. Chen this Friday, but he'd rather go on "
      "Monday, after lunch, at 1 o'clock.", "Yes, that's right."], "p-1004", {(CHEN, at(7, 13))}, None),
    (["This is Anna Lee, Christopher Lee's wife.", "His date of birth is July 4th, 1975.", "He needs to see a "
      "doctor on Thursday. Dr. Patel at 3:30 if she has it.", "Yes, that's correct."], "p-1014",
     {(PATEL, at(3, 15, 30))}, "+15035550114"),
    (["cancel my friday appointment please. james wilson", "jan 30 1965", "yes cancel it"], "p-1004", set(), None),
    # "do I already have one?" while booking, then "move that one"; the task said before "it's my son's"
    (["It's James Wilson, born January 30, 1965. I'd like to book a blood pressure check with Dr. Chen.",
      "Wait, do I already have one booked?", "Right. Then just move that one to Monday the 7th at 10 instead.",
      "yes"], "p-1004", {(CHEN, at(7, 10))}, None),
    (["Maria Garcia, born October 19th, 1982. I need to cancel my appointment.", "Oh, sorry, it's not mine, it's "
      "my son's. Lucas Garcia, born April 8th, 2015. His appointment with Dr. Rodriguez.", "yes"], "p-1013", set(),
     None),
    # sets #90/#91 leftovers: "tree thirty", a new time after "rather keep it earlier", "just cancel it"
    # while asked where to move it
    (["its david anderson uh i wanted appointment with the doctor chen next tuesday at tree thirty in the "
      "afternoon", "september seventeen nineteen fifty eight", "yes"], "p-1006", {(CHEN, at(8, 15, 30))},
     "+15035550106"),
    (["Hi, my name's Matthew Moore, June twenty-eighth, nineteen sixty-nine. I need a follow-up with Doctor Chen "
      "on Monday the 7th, around one o'clock if possible.", "Hmm, no, on second thought I'd rather keep it earlier "
      "in the day. How about eleven thirty?", "That's fine, yes."], "p-1010", {(CHEN, at(7, 11, 30))}, None),
    (["Hi, Emily Davis, July twenty-third, nineteen ninety. I'd like to move my check-up on Thursday.",
      "Um, maybe next week sometime... Honestly, I don't know my schedule yet. Can you just cancel it and I'll "
      "rebook later?", "Yes, please."], "p-1003", set(), None),
    # a day's shift with a time said: that time (not the appointment's); an answer said after "let me think"
    (["emily davis, 7/23/1990. can my appointment with dr patel be a day earlier instead, at half past two",
      "yes"], "p-1003", {(PATEL, at(2, 14, 30))}, None),
    # "later that same day, 4 o'clock" after the old time; "Same day, Tuesday the 8th." after the new time
    (["Hi, James Wilson, January 30, 1965. I've got an appointment with Dr. Chen on Friday at 2:30, could we "
      "push it later that same day, 4 o'clock?", "yes"], "p-1004", {(CHEN, at(4, 16))}, None),
    (["Good morning, I'm Emily Davis, born 23 July 1990. I need to move my appointment with Dr. Patel on "
      "Thursday.", "So, for Thursday, could I come at 2 in the afternoon instead of the morning? Same day, "
      "Thursday the 3rd.", "yes that's right"], "p-1003", {(PATEL, at(3, 14))}, None),
    # the day of birth corrected in the same turn
    (["This is Sarah Johnson, born March 4th, 1985. Sorry, the 14th. March 14th. Dr Chen Thursday at 9 please",
      "yes"], "p-1001", {(CHEN, at(3, 9))}, None),
    # a visit told of, then cancelled with a new one for later
    (["Emily Davis 7/23/1990. I booked the check-up with Dr. Patel for Thursday but I'm fine now. Please cancel "
      "it, I'll make a new appointment in the spring.", "yes"], "p-1003", set(), None),
    # "I'd rather come ...": the visit they have, moved
    (["James Wilson, 1/30/1965. I have my appointment with him Friday afternoon but I'd rather come Monday, 10 "
      "o'clock.", "yes"], "p-1004", {(CHEN, at(7, 10))}, None),
    # a relative's advice: the caller's own visit
    (["Amelia Robinson 5/27/1977. Dr Patel on Wednesday the 2nd at 11 please", "Oh wait, my husband says I "
      "should see Dr. Chen instead. Can it be Dr. Chen, same time?", "yes"], "p-1019", {(CHEN, at(2, 11))}, None),
    # a follow-up about a medication is a visit, not a prescription question
    (["Nathan Allen 6/16/1984. I need a follow-up with Dr. Patel about my blood pressure medication. Could I "
      "come Monday the 7th at 2 PM?", "yes"], "p-1022", {(PATEL, at(7, 14))}, None),
    # a story, "anyway", then the request
    (["Hi, it's Maria Garcia, Lucas's mum. Lucas Garcia, 4/8/2015. He has camp next week and there's all this "
      "paperwork, anyway, could you cancel his appointment with Dr. Rodriguez on Tuesday?", "yes"], "p-1013",
     set(), None),
    # a parent calling about a child: the child's date of birth
    (["Hello, Maria Garcia calling about Lucas Garcia, he was born 8 April 2015. He's down for Dr. Rodriguez on "
      "Tuesday morning. Could he come that afternoon instead, at 3?", "yes"], "p-1013",
     {(RODRIGUEZ, at(8, 15))}, None),
    (["Hi, Maria Garcia. Lucas Garcia is my son, born 4/8/2015. Please cancel his vaccination with Dr. Rodriguez "
      "on Tuesday, the school nurse did it.", "yes"], "p-1013", set(), None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_92_TO_99)
async def test_set_92_to_99_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_new_family_asking_which_doctors_work_there_is_answered(
    chat: Chat, demo: DemoConnector
) -> None:
    talk, transcript = await converse(
        chat,
        ["Hi, we've just moved to town. Which doctors work at your clinic? Does one of them see kids?",
         "Great, thanks, I'll ring back next week. Bye."],
        None,
    )  # fmt: skip
    assert "Dr. Elena Rodriguez in pediatrics" in transcript, transcript
    assert talk.handoff is None, transcript


@pytest.mark.parametrize("typed", ["zzz qqq", "wub wub", "chen pls", "dont care", "bye now", "resched pls"])
async def test_two_typed_words_that_are_no_name_are_not_taken_as_one(typed: str, chat: Chat) -> None:
    await chat.say(typed)
    assert "first_name" not in chat.state.data.get("agent", {}).get("scratch", {}), typed


async def test_another_places_hours_and_a_tradesman_are_off_topic_twice_in_a_row(chat: Chat) -> None:
    first = await chat.say(
        "David Anderson, 9/17/1958. By the way, is the bank on Main Street open on Saturdays?"
    )
    assert "can't help with that" in first and chat.handoff is None, first
    await chat.say("ok. and could you recommend a reliable electrician nearby?")
    assert chat.handoff is not None and "off topic" in chat.handoff.reason.lower()


async def test_me_and_my_partner_each_booked_as_themselves(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["Hi, I'm Siobhan O'Connor, born October 31st 1994, and I'd like to book for me and my partner Charlotte "
         "Clark, her birthday is November 15, 1989. Me with Dr. Chen on Friday the 4th at 9:30, and Charlotte with "
         "Dr. Patel the same morning, also at 9:30.", "yes", "yes, that's right as well"],
        None,
    )  # fmt: skip
    assert await booked(demo, "p-1024") == {(CHEN, at(4, 9, 30))}, transcript
    assert await booked(demo, "p-1017") == {(PATEL, at(4, 9, 30))}, transcript


async def test_a_last_name_longer_than_the_one_on_file_is_not_theirs(chat: Chat, demo: DemoConnector) -> None:
    # Andrew Harris's number and exact date of birth, but "Harrison": a name of its own, never a near miss
    talk, transcript = await converse(
        chat,
        ["hi it's andrew harrison, march sixth nineteen sixty one. dr chen friday at nine", "yes"],
        "+15035550116",
    )
    assert await booked(demo, "p-1016") == set(), transcript
    assert any(not e.get("verified", True) for e in talk.events("identity_checked")) or "verify" in transcript


async def test_a_garbled_answer_keeps_the_task_and_an_unheard_name_is_typed(
    chat: Chat, demo: DemoConnector
) -> None:
    # on a call with no trusted number: the date of birth garbled, then typed; the name not caught, then
    # typed as keys (Anderson: 2 6 3 3 7 7 6 6); the booking asked at the start is still the task
    call = Chat(chat.agent, chat.audit, channel="voice")
    await call.say("I want to make an appointment with Dr. Priya Patel next Monday to IBM.")
    await call.say(
        "They will not have been born September, when things have been done, since they have been."
    )
    await call.press("09171958")
    asked = await call.say("date with our documents.")
    assert "keypad" in asked and "last name" in asked, asked
    offered = await call.press("26337766#")
    assert "David" in offered and "Dr. Priya Patel" in offered, offered
    await call.say("at 9 please")
    await call.say("yes")
    assert await booked(demo, "p-1006") == {(PATEL, at(7, 9))}


async def test_a_garbled_date_of_birth_answer_is_no_other_task(demo: DemoConnector, chat: Chat) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550103")
    await call.say("I can't make it to my appointment, please cancel it.")
    await call.say("I'm going to make this month, I've went to the 19th and written I'm going to the 19th.")
    reply = await call.press("07231990")
    assert "cancel your appointment" in reply, reply


async def test_a_booking_given_up_for_a_refill_goes_to_staff(chat: Chat, demo: DemoConnector) -> None:
    await chat.say(
        "hi, olivia martinez, 05/09/1998. I was going to book an appointment just to get my inhaler renewed, but "
        "the pharmacy said the doctor can just approve a refill? can you sort that out?"
    )
    assert chat.handoff is not None and "refill" in chat.handoff.reason.lower()
    assert await booked(demo, "p-1005") == set()


async def test_an_answer_after_let_me_think_is_read(chat: Chat) -> None:
    await chat.say("Hello dear, this is Harper Young. I'd like to see Dr Patel next week.")
    reply = await chat.say("Oh dear, let me think. The twentieth of August, nineteen sixty-eight?")
    assert "take your time" not in reply.lower(), reply
