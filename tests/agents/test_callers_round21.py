"""Families found on calls and in held-out sets #19 and #20 (session 12; first runs 45 of 50 and 41
of 50), in other names, dates and wordings than the sets: on the phone, a misheard answer to "what
is your date of birth?" read as a name replacing the name given before it; a move asked without a
verb of moving ("same time but Monday", "I have appointment thursday ... possible more early",
"too early for me, can it be 3 the same day", "put it to Tuesday"); a request put off with a
goodbye; a question about parking while a request waits (a handoff, or billing for "do I pay");
"next week", then a weekday alone (the coming one, before that week); a doctor, day and time said
with an opening-hours question (lost) or a cancellation with one (read as a move); "the Thursday
after" to a proposal; "later, maybe 11?" (three times offered, not that one); "Dr X rather than Dr
Y" (Dr Y kept); a relative's cancellation, then "and I'd like ..." (booked for the relative: a
wrong write)."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat, MemoryAuditSink, make_chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis has Dr Patel on Thursday 3rd at 10,
# James Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30


async def test_a_name_read_out_of_a_misheard_date_of_birth_keeps_the_name_given_before(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550999")  # a number not on file
    reply = await call.say("Hi, this is James Wilson, I need to cancel my appointment.")
    assert "James" in reply and "date of birth" in reply, reply
    reply = await call.say("Game will come on the fourth, 17,000.")
    assert "Game" not in reply and "date of birth" in reply, reply
    reply = await call.say("January 30th, 1965.")
    assert "Game" not in reply and "cancel" in reply.lower(), reply  # verified as James Wilson


async def test_a_new_name_said_as_one_in_answer_to_the_date_of_birth_is_taken(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550999")
    await call.say("Hi, this is Jim Wilson, I need to cancel my appointment.")
    reply = await call.say("Sorry, my name is James Wilson.")
    assert "James" in reply and "date of birth" in reply, reply


@pytest.mark.parametrize(
    ("turns", "person", "after"),
    [
        (["James Wilson, 1/30/1965. my check-up with dr chen, could we do the same time but on monday?", "yes"],
         "p-1004", {(CHEN, at(7, 14, 30))}),
        (["I have appointment thursday with doctor patel. possible more early, like 9?", "Emily Davis 07/23/1990",
          "yes"], "p-1003", {(PATEL, at(3, 9))}),
        (["my appointment is too early for me, I have school runs. can it be 3 o'clock the same day?",
          "Emily Davis, 23 July 1990", "yes"], "p-1003", {(PATEL, at(3, 15))}),
        (["Hello, calling for my husband James Wilson; he can't make his appointment with Dr Chen. Could you put it"
          " to tuesday at 11?", "His birthday is January 30, 1965", "yes"], "p-1004", {(CHEN, at(8, 11))}),
        (["James Wilson 1/30/65, move my Friday appointment to Tuesday at 2:30",
          "actually could I see Dr Rodriguez rather than Dr Chen? same time", "yes"],
         "p-1004", {(RODRIGUEZ, at(8, 14, 30))}),
    ],
)  # fmt: skip
async def test_a_move_asked_in_other_words(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == after, transcript


async def test_a_request_put_off_with_a_goodbye_ends_the_conversation(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat, ["I was going to book a check-up but let me talk to my husband first. bye!"], None
    )
    assert chat.ended and chat.handoff is None, transcript


async def test_parking_asked_while_a_booking_waits_is_answered_and_the_booking_goes_on(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Sophia Taylor, 12/5/2001. Book me with Dr Rodriguez tomorrow at 2 please.",
            "before you do that, where do I park?",
            "alright, noted. go ahead with the booking",
        ],
        None,
    )
    assert "our staff can help" in transcript and chat.handoff is None, transcript
    assert await booked(demo, "p-1007") == {(RODRIGUEZ, at(2, 14))}, transcript


async def test_paying_for_parking_is_no_billing_question(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, July 23rd 1990. Can you move my Thursday appointment to Friday at 11?",
            "oh, one thing: is the parking lot free or do I have to pay?",
            "yes",
        ],
        None,
    )
    assert chat.handoff is None, transcript
    assert await booked(demo, "p-1003") == {(PATEL, at(4, 11))}, transcript


async def test_a_weekday_alone_after_next_week_is_that_weeks(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Daniel Thomas, dob 4/21/1979. I'd like a check-up next week with anyone.",
            "how about thursday at 11?",
        ],
        None,
    )
    assert "Thursday, December 10th at 11 AM" in transcript, transcript


async def test_a_doctor_day_and_time_said_with_an_hours_question_are_kept(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "i need an appointment",
            "Ryan Walker 12/12/1992",
            "dr rodriguez on the 9th at 3pm. by the way what time do you open on fridays?",
            "yes",
        ],
        None,
    )
    assert "9 AM" in transcript, transcript  # the hours answered
    assert await booked(demo, "p-1020") == {(RODRIGUEZ, at(9, 15))}, transcript


async def test_a_cancellation_said_with_an_hours_question_is_no_move(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, 07/23/1990. Please cancel my Thursday appointment. Oh, and are you open on New Year's Eve?",
            "yes",
        ],
        None,
    )
    assert "move it to" not in transcript, transcript
    assert await booked(demo, "p-1003") == set(), transcript


async def test_the_weekday_after_a_proposed_one_with_the_same_time(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Matthew Moore, June 28 1969. Could I see Dr Chen on Thursday at 9:30?",
            "hmm, the Thursday after would suit me better, same time",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1010") == {(CHEN, at(10, 9, 30))}, transcript


async def test_later_with_a_time_proposes_that_time(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["Harper Young, 8/20/1968, any doctor tomorrow morning please", "no, a bit later, maybe 11:30?"],
        None,
    )
    last = transcript.splitlines()[-1]
    assert "I'll book you with" in last and "11:30 AM" in last, transcript


async def test_the_callers_own_booking_after_a_relatives_cancellation_is_theirs(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "It's Maria Garcia, 19 Oct 1982. I need to cancel Lucas's appointment on Tuesday - my son Lucas Garcia, "
            "born 8 April 2015 - and I'd like to see Dr Chen that same day at 4.",
            "yes",
            "yes",
        ],
        "+15035550112",
    )
    assert await booked(demo, "p-1013") == set(), transcript
    assert await booked(demo, "p-1012") == {(CHEN, at(8, 16))}, transcript
