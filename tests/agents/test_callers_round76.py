"""Families of held-out sets #76-#81 in other names, dates and wordings than the sets: a date of
birth heard as a clock time ("four twenty one 1979") or with "too thousand"; a day turned down
before the one asked ("I can't do Monday, so Tuesday", "Monday's a bank holiday"); a son named by
first name, then "he was born ..."; "right after me" for a relative; a visit just booked moved by
its time alone; an aside while the day to move to is asked; "my appointment ... I can only come in
the morning now"; small talk before "I'm <name>"; a time of the night told; a relative's
appointment elsewhere; "got an appointment" without "I've"; "the doctor man"; day-first dates
when one can only be day first; moving to another city; an invoice for a past visit; opening and
closing hours; thanks to "anything else?"; two people booked in one request; the caller's own
booking after a relative's cancellation (sets #76-#81)."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
FAMILY = "+15035550112"  # the Garcias' number
JAMES = "+15035550104"

SETS_76_TO_81 = [
    # a date of birth a recogniser wrote as a clock time, or with "too thousand"
    (["daniel thomas four twenty one nineteen seventy nine, dr patel friday the 4th at 11", "yes"], "p-1008",
     {(PATEL, at(4, 11))}, None),
    (["joshua lewis september first too thousand four. could i see dr chen monday at 2", "yes"], "p-1018",
     {(CHEN, at(7, 14))}, None),
    # a day turned down before the day asked for
    (["Mia White, 1/25/1996. I need Dr Patel next week. I can't do Monday, so Tuesday at 10.", "yes"], "p-1015",
     {(PATEL, at(8, 10))}, None),
    (["Mia White, 1/25/1996. Dr Chen early next week please. Monday's a bank holiday for us, so Tuesday, first "
      "thing.", "yes"], "p-1015", {(CHEN, at(8, 9))}, None),
    (["Mia White, 1/25/1996. Could I book Dr Chen next week? Can't do Monday or Tuesday though. First thing.",
      "yes"], "p-1015", {(CHEN, at(9, 9))}, None),
    # a son named by first name, his date of birth next, on the family's number
    (["it's maria garcia, i want to book my son lucas with dr rodriguez", "he was born april 8 2015",
      "wednesday the 9th at 3", "yes"], "p-1013", {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(9, 15))}, FAMILY),
    # "right after me" for a relative: the day of the caller's own visit
    (["Maria Garcia, October 19 1982. Dr Patel on Friday the 4th at 2 please.", "yes",
      "Could you put my son Lucas in right after me, at 2:30, with Dr Patel too? Lucas Garcia, April 8 2015.",
      "yes"], "p-1013", {(RODRIGUEZ, at(8, 9, 30)), (PATEL, at(4, 14, 30))}, None),
    # the visit just booked, moved by its time alone
    (["Ava Hernandez 8/11/1993, Dr Chen on Monday the 7th at 3 please", "yes",
      "oh, one more thing - could we make that 3:30 instead of 3? my train gets in late.", "yes"], "p-1009",
     {(CHEN, at(7, 15, 30))}, None),
    # "my appointment ... I can only come in the morning now": that visit, moved
    (["James Wilson, January 30 1965. My appointment with Dr. Chen on Friday is in the afternoon and I can only "
      "come in the morning now. What has he got Friday morning?", "10:30 please", "yes"], "p-1004",
     {(CHEN, at(4, 10, 30))}, JAMES),
    # small talk before the caller's name
    (["Hello dear, my grandson set this up for me, he's studying computer science in Boston. I'm Charlotte "
      "Clark, my birthday is November 15, 1989. Could I see Dr Patel on Thursday the 3rd at 2?", "yes"],
     "p-1017", {(PATEL, at(3, 14))}, None),
    (["Morning. Awful rain, isn't it? The roads are a river. Anyway, Andrew Harris, March 6th 1961. Dr Chen on "
      "Wednesday the 2nd at 11 if you can.", "yes"], "p-1016", {(CHEN, at(2, 11))}, None),
    # a time of the night, told; a relative's appointment elsewhere
    (["Our dog wouldn't settle till two in the morning, what a night. I'm Mia White, born 1/25/1996, and I'd like "
      "Dr Patel tomorrow at 11.", "yes"], "p-1015", {(PATEL, at(2, 11))}, None),
    (["Daniel Thomas, 4/21/1979. Can I book Dr Chen for Thursday the 3rd at 9? My wife's got her dentist "
      "appointment that afternoon so the morning is best.", "yes"], "p-1008", {(CHEN, at(3, 9))}, None),
    # "got an appointment" said without the "I've"
    (["hi, Emily Davis, dob 07/23/1990. got an appointment with Dr Patel on Thursday at 10. my sister's wedding "
      "is that day, so can we move it to Friday the 4th at 1 pm?", "yes"], "p-1003", {(PATEL, at(4, 13))}, None),
    # "the doctor man": no doctor's name
    (["James Wilson, 30/01/1965. My appointment with the doctor man on Friday, make it Monday, same hour.",
      "yes"], "p-1004", {(CHEN, at(7, 14, 30))}, None),
    # day-first dates when one of them can only be day first
    (["James Wilson, born 30/01/1965. My appointment 04/12 with Dr Chen - please change to 07/12, same time.",
      "yes"], "p-1004", {(CHEN, at(7, 14, 30))}, None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_76_TO_81)
async def test_set_76_to_81_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_an_aside_while_the_new_day_is_asked_asks_it_again(chat: Chat, demo: DemoConnector) -> None:
    await chat.say("Emily Davis, July 23 1990. I need to move my appointment with Dr Patel.")
    reply = await chat.say("oh, and is there somewhere to park nearby?")
    assert "What day would you like to move it to?" in reply
    await chat.say("Friday the 4th at 2")
    await chat.say("yes")
    assert await booked(demo, "p-1003") == {(PATEL, at(4, 14))}


async def test_moving_to_another_city_cancels(chat: Chat, demo: DemoConnector) -> None:
    await chat.say(
        "Emily Davis 7/23/1990. We are moving to another city next month, so please cancel my appointment."
    )
    await chat.say("yes")
    assert await booked(demo, "p-1003") == set()


async def test_an_invoice_for_a_past_visit_goes_to_staff(chat: Chat, demo: DemoConnector) -> None:
    await chat.say(
        "I'd like a receipt for my last visit, for my employer's health plan. Mia White, 25 January 1996."
    )
    assert chat.handoff is not None and "bill" in chat.handoff.reason.lower()
    assert await booked(demo, "p-1015") == set()


@pytest.mark.parametrize(
    "asked", ["what time do you open and close?", "When you open in the morning, and when do you close?"]
)
async def test_opening_and_closing_both_said(asked: str, chat: Chat) -> None:
    reply = await chat.say(asked)
    assert "9 AM to 5 PM" in reply, reply


@pytest.mark.parametrize(
    "thanks", ["Much appreciated.", "Great, thank you.", "lovely, cheers", "cool thanks"]
)
async def test_thanks_to_anything_else_ends_the_conversation(thanks: str, chat: Chat) -> None:
    await chat.say("what are your opening hours?")
    await chat.say(thanks)
    assert chat.ended, chat.outputs


async def test_two_people_in_one_request_each_at_their_time(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "Hi, book me and my son Lucas with Dr Patel on Monday the 7th. 10:30 for me and 11 for him. I'm Maria "
        "Garcia, born October 19 1982, and he's Lucas Garcia, born April 8 2015.",
        "yes",
        "yes",
    ]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1012") == {(PATEL, at(7, 10, 30))}, transcript
    assert await booked(demo, "p-1013") == {(RODRIGUEZ, at(8, 9, 30)), (PATEL, at(7, 11))}, transcript


async def test_two_people_their_details_in_the_next_turn(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "can you book my husband and me with Dr Chen on Wednesday the 2nd? 9 for me and 9:30 for him",
        "I'm Ava Hernandez, 8/11/1993. He's Daniel Thomas, born 4/21/1979.",
        "yes",
        "yes",
    ]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1009") == {(CHEN, at(2, 9))}, transcript
    assert await booked(demo, "p-1008") == {(CHEN, at(2, 9, 30))}, transcript


async def test_own_booking_after_a_relatives_cancellation(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "I'm Maria Garcia, 10/19/1982. My son Lucas won't need his appointment on Tuesday with Dr Rodriguez, please "
        "cancel it. His date of birth is 4/8/2015.",
        "yes",
        "Then I'd also like to book myself with Dr Chen on Thursday the 3rd at 2.",
        "yes",
    ]
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1013") == set(), transcript
    assert await booked(demo, "p-1012") == {(CHEN, at(3, 14))}, transcript


async def test_checking_first_to_the_times_offered_books_nothing(chat: Chat, demo: DemoConnector) -> None:
    await chat.say(
        "Hi, Ryan Walker, 12/12/1992. What has Dr. Patel got free on Friday the 4th in the morning?"
    )
    reply = await chat.say("Right, I need to check with my boss first and I'll ring you back. Thanks.")
    assert "Shall I go ahead" not in reply, reply
    await chat.say("yes")
    assert await booked(demo, "p-1020") == set()
