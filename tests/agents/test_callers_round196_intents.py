"""Families of held-out sets #196-#202 in other names, dates and wordings than the sets: what the
caller wants done, read right. A cancellation that says no other time is wanted ("we won't need
another time for now", "I'll rearrange it with him at a later date"), a verb corrected after a word
broken off ("I'd like to reschedule... no, sorry, cancel"), a booking asked beside a cancellation
not yet agreed (the cancellation asked again once the booking is done), "I'm booked to see Dr X on
..." and "he is having appointment with ..." as the visit they have (the day said after it is the new
one), "Thursday won't work for my appointment" as a move of it, "what time his appointment is" as a
question about it, and a time the caller is busy told beside the new time at the read-back."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

NO_OTHER_TIME_WANTED = [
    (["Emily Davis, 7/23/1990. I need to cancel my appointment with Dr. Patel on Thursday, we won't need another "
      "time for now.", "Yes."], "p-1003", set(), None),
    (["James Wilson, 1/30/1965. Cancel my Friday visit with Dr. Chen please. No, I don't need a new appointment.",
      "Yes."], "p-1004", set(), None),
    (["James Wilson, 1/30/1965. Please cancel my Friday check-up with Dr. Chen; I'll rearrange it with him at a "
      "later date.", "Yes."], "p-1004", set(), None),
    (["Emily Davis, 7/23/1990. I'd like to reschedule... no, sorry, cancel my Thursday appointment with Dr. Patel.",
      "Yes."], "p-1003", set(), None),
]  # fmt: skip

THE_VISIT_THEY_HAVE_MOVED = [
    (["James Wilson, 1/30/1965. I'm booked to see Dr. Chen on Friday afternoon, but I'd prefer a morning, so, if "
      "it is possible, please move it to Monday the 7th at 10 in the morning.", "Yes."], "p-1004",
     {(CHEN, at(7, 10))}, None),
    (["Maria Garcia, 10/19/1982. My son Lucas Garcia, born 8th April 2015, is having appointment with Dr Rodriguez "
      "on 8th December. Kindly prepone it to Friday 4th December, 11 AM.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(4, 11))}, MARIA),
    (["Emily Davis, 7/23/1990. Thursday won't work for my appointment with Dr. Patel.",
      "Could we do Monday the 7th at 2 instead?", "Yes."], "p-1003", {(PATEL, at(7, 14))}, None),
    (["James Wilson, 1/30/1965. My check-up with Dr. Chen on Friday isn't going to work.",
      "Wednesday the 9th at 11, please.", "Yes."], "p-1004", {(CHEN, at(9, 11))}, None),
    (["James Wilson, 1/30/1965. Can you move my Friday appointment with Dr. Chen to Monday the 7th at 3 pm?",
      "Hang on, I've got a meeting at 3. Monday the 7th at 11 am instead.", "Yes."], "p-1004",
     {(CHEN, at(7, 11))}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"), [*NO_OTHER_TIME_WANTED, *THE_VISIT_THEY_HAVE_MOVED]
)
async def test_what_the_caller_wants_done_is_written(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_booking_beside_a_cancellation_not_agreed_yet_leaves_it_asked_again(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Emily Davis, 7/23/1990. Please cancel my Thursday appointment with Dr. Patel.",
        "Thanks. Also, I'd like a new appointment with Dr. Chen on Wednesday the 9th at 11.",
        "Yes.",
    ]
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1003") == {(PATEL, at(3, 10)), (CHEN, at(9, 11))}, transcript
    assert "cancel your appointment with Dr. Priya Patel" in transcript.splitlines()[-1], transcript
    await talk.say("Yes.")
    assert await booked(demo, "p-1003") == {(CHEN, at(9, 11))}, transcript


async def test_a_booking_said_in_place_of_the_cancellation_keeps_nothing_for_later(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Emily Davis, 7/23/1990. Please cancel my Thursday appointment with Dr. Patel.",
        "Actually, book me with Dr. Chen on Wednesday the 9th at 11 instead.",
        "Yes.",
    ]
    _, transcript = await converse(chat, turns, None)
    assert "cancel" not in transcript.splitlines()[-1], transcript


async def test_what_time_his_appointment_is_is_a_question_about_it(chat: Chat) -> None:
    _, transcript = await converse(
        chat,
        [
            "Hi, it's Maria Garcia, 10/19/1982. My son Lucas Garcia, born April 8th 2015, can't remember what time "
            "his appointment next week is."
        ],
        MARIA,
    )
    assert "9:30" in transcript and "Which would you like" not in transcript, transcript


async def test_a_time_said_instead_not_understood_is_asked_again_not_the_old_proposal(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "James Wilson, 1/30/1965. Can you move my Friday appointment with Dr. Chen to Monday the 7th at 3 pm?",
        "Oh no, football practice is at 3 for me. Monday the 7th at 11 am instead.",
    ]
    _, transcript = await converse(chat, turns, None)
    assert "3 PM" not in transcript.splitlines()[-1], transcript
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 14, 30))}, transcript
