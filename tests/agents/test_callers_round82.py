"""Families of held-out sets #82-#87 in other names, dates and wordings than the sets: two people
with a time each or "the slot after mine", another person's name and date of birth from a
verified caller ("and one for me as well: ..."), "Thursday the seven", "make it 11 on Friday", "9
is too early", "not 9:30. Half past ten.", "scratch that, I always see Dr X", "hmm, no, he has
school then. Better 3:30", "this is X about my blood pressure check", "rearrange my appointment",
"the bus doesn't get in until a quarter to three", a medication question, the pharmacy downstairs,
two off-topic questions in a row, "is there anything later, after two?" to offered times."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
JAMES = "+15035550104"

SETS_82_TO_87 = [
    # a weekday with the day of the month said as a plain number
    (["ava hernandez august eleven nineteen ninety three. doctor chin monday the seven at ten thirty", "yes"],
     "p-1009", {(CHEN, at(7, 10, 30))}, None),
    # a new time at the read-back: "make it 11", "9 is too early"
    (["Mia White 1/25/1996, Dr Patel Wednesday the 2nd at 9", "hmm, no, 9 is too early for me. make it 11 on the "
      "2nd", "yes"], "p-1015", {(PATEL, at(2, 11))}, None),
    (["James Wilson, January 30 1965. Could you move my Friday appointment to Monday the 7th at 9:30?",
      "No, not 9:30. Half past eleven. 11:30 on Monday.", "yes"], "p-1004", {(CHEN, at(7, 11, 30))}, None),
    # the doctor taken back
    (["Daniel Thomas, 4/21/1979. Dr Rodriguez on Wednesday the 2nd at 2 please. Actually, scratch that, I "
      "always see Dr Chen - could you put me with him instead, same day and time?", "yes"], "p-1008",
     {(CHEN, at(2, 14))}, None),
    # a time taken back with "no, ... better ..."
    (["Emily Davis, 7/23/1990. Could we move my Thursday appointment to Friday the 4th at 9? Hmm, no, I have a "
      "meeting then. Better 1:30 in the afternoon, Friday the 4th at 1:30.", "yes"], "p-1003",
     {(PATEL, at(4, 13, 30))}, None),
    # "this is X about my ... check": a visit they have, then what to do with it
    (["hello this is james wilson about my blood pressure check with doctor chen", "january thirtieth sixty five",
      "i'd rather come in the morning same day, ten o'clock", "yes"], "p-1004", {(CHEN, at(4, 10))}, JAMES),
    (["Good morning. I should like to rearrange my appointment with Dr. Chen this Friday.",
      "James Wilson, born the thirtieth of January 1965.", "Would Monday the 7th at ten in the morning be possible?",
      "yes"], "p-1004", {(CHEN, at(7, 10))}, JAMES),
    # when the caller can get here is not the time asked for
    (["Sarah Johnson 3/14/1985. Could Dr Chen see me on Wednesday the 2nd? The train doesn't get in until a "
      "quarter to two, so two o'clock would suit me best.", "yes"], "p-1001", {(CHEN, at(2, 14))}, None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_82_TO_87)
async def test_set_82_to_87_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    "request_",
    [
        "Ryan Walker, 12/12/1992. I'd like Dr. Patel on Thursday the 3rd at 1 pm, and my wife Mia White wants the slot "
        "after me. She's 1/25/1996.",
        "Ryan Walker, 12/12/1992. Dr Patel on Thursday the 3rd at 1 pm for me please, and my wife Mia White, DOB "
        "1/25/1996, the slot after me.",
        "Hi, Ryan Walker, born 12/12/1992. My wife Mia White and I both need Dr. Patel. Could I have Thursday the 3rd "
        "at 1 pm and her at 1:30? Her birthday is January 25 1996.",
    ],
)
async def test_two_people_the_relative_after_the_caller(
    request_: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [request_, "yes", "yes"], None)
    assert await booked(demo, "p-1020") == {(PATEL, at(3, 13))}, transcript
    assert await booked(demo, "p-1015") == {(PATEL, at(3, 13, 30))}, transcript


async def test_another_persons_details_after_a_booking_are_theirs(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "Hi, I'm calling for my husband, Daniel Thomas, April 21st 1979. He'd like Dr. Patel on Friday the 4th at 11.",
        "yes",
        "Lovely. And one for me as well: Ava Hernandez, August 11th 1993. Dr. Chen on Monday the 7th at 9:30.",
        "yes",
    ]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1008") == {(PATEL, at(4, 11))}, transcript
    assert await booked(demo, "p-1009") == {(CHEN, at(7, 9, 30))}, transcript


async def test_a_medication_question_goes_to_staff(chat: Chat, demo: DemoConnector) -> None:
    await chat.say("is it ok if i take paracetamol with my antibiotics?")
    await chat.say("mia white 1/25/1996")
    assert chat.handoff is not None and "medic" in chat.handoff.reason.lower()
    assert await booked(demo, "p-1015") == set()


async def test_the_pharmacy_downstairs_is_no_prescription(chat: Chat, demo: DemoConnector) -> None:
    await chat.say(
        "Emily Davis, 7/23/1990. Is the pharmacy downstairs open on Saturdays? Anyway, please cancel my Thursday one."
    )
    await chat.say("yes")
    assert chat.handoff is None
    assert await booked(demo, "p-1003") == set()


async def test_two_off_topic_questions_in_a_row_go_to_staff(chat: Chat) -> None:
    await chat.say("did you watch the match last night?")
    await chat.say("ha. do you know anywhere nice for brunch round there?")
    assert chat.handoff is not None and "off topic" in chat.handoff.reason.lower()


async def test_a_later_time_asked_to_the_times_offered_is_no_goodbye(chat: Chat, demo: DemoConnector) -> None:
    await chat.say("Emily Davis, July 23 1990. I need to move my Thursday appointment to Monday the 7th.")
    reply = await chat.say("is there anything later on monday, after two?")
    assert "no problem" not in reply.lower(), reply
    assert await booked(demo, "p-1003") == {(PATEL, at(3, 10))}
    assert RODRIGUEZ  # the three doctors' ids are imported for the families above


@pytest.mark.parametrize(
    "turns",
    [
        ["Hi, it's Maria Garcia, born 10/19/1982. Lucas needs his check-up with Dr. Patel. Is Friday the 4th at 1 free?",
         "His date of birth is April 8th, 2015.", "yes"],
        ["Maria Garcia, 10/19/1982. Dr Chen on Wednesday the 2nd at 9 for me please.", "yes",
         "Oh, and Lucas as well, he's on file, his birthday is 4/8/2015. Could he see Dr. Patel that Wednesday at 11?",
         "yes"],
    ],
)  # fmt: skip
async def test_a_child_named_by_first_name_is_never_booked_as_the_parent(
    turns: list[str], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, "+15035550112")
    assert not {visit for visit in await booked(demo, "p-1012") if visit[0] == PATEL}, transcript


# set #91: a request changed in the middle of the conversation
SET_91 = [
    # another doctor at the read-back, "same time" ("I saw her last time" is no last slot)
    (["Sarah Johnson 3/14/1985. can i book dr chen on friday the 4th at 2pm?", "oh wait sorry, could it be with dr "
      "patel instead? same time. i saw her last time", "yes please"], "p-1001", {(PATEL, at(4, 14))}),
    # "move that one ... instead of booking another" while a booking was under way: the visit they have
    (["hi, I'd like to book with Dr Patel for Friday morning. Emily Davis, 7/23/1990", "oh wait, I already have one "
      "with her on Thursday, don't I? could you just move that one to Friday at 1 instead of booking another?",
      "yes"], "p-1003", {(PATEL, at(4, 13))}),
    # a weekday alone to a proposal next week: that week's
    (["Mia White, 1/25/1996. I need to get in with Doctor Chen sometime next week.", "Tuesday morning, say 9:30?",
      "Oh, hang on, Tuesday's no good, the plumber is coming. Make it Wednesday, same time.", "yes"], "p-1015",
     {(CHEN, at(9, 9, 30))}),
]  # fmt: skip


# sets #88-#90: a visit's reason beside a request; a visit they have said as "I have the check up ..."
SETS_88_TO_90 = [
    (["Mia White 1/25/1996. I need my flu jab and I wanted to talk to someone about my headaches too. Can I get in "
      "with Dr. Patel on Friday the 4th at 11?", "yes"], "p-1015", {(PATEL, at(4, 11))}),
    (["can i get a sports physical w dr chen, need the form signed for football. ryan walker 12/12/1992. "
      "mon the 7th at 2 works", "yes"], "p-1020", {(CHEN, at(7, 14))}),
    (["yeah hi emily davis date of birth twenty third july nineteen ninety i have the check up thirsday with "
      "doctor patel", "can we push it to friday the fourth eleven o clock", "yes"], "p-1003", {(PATEL, at(4, 11))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), [*SETS_88_TO_90, *SET_91])
async def test_set_88_to_91_families(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


async def test_wont_be_able_to_make_it_beside_my_appointment_is_a_cancellation(
    chat: Chat, demo: DemoConnector
) -> None:
    await chat.say(
        "Hi, Emily Davis, 23rd of July 1990. Have to scrap my Thursday appointment with Dr Patel, won't be able to "
        "make it, I'm away for work. Please cancel it."
    )
    await chat.say("yes")
    assert await booked(demo, "p-1003") == set()


async def test_a_weekday_with_a_number_then_the_part_of_day_and_time_is_that_date(
    chat: Chat, demo: DemoConnector
) -> None:
    await chat.say("ya hello i call about my appointment doctor chen on friday i have to move it")
    await chat.say("james wilson thirty january nineteen sixty five")
    await chat.say("maybe monday seven in the morning at ten thirty")
    await chat.say("yes")
    assert await booked(demo, "p-1004") == {(CHEN, at(7, 10, 30))}
