"""Held-out set #18's failure families (first run 42 of 50, 2 wrong writes), in other names, dates
and wordings than that set: a short weekday before "just after lunch" ("dr patel fri just after
lunch": the day was dropped and today booked, a wrong write); "could my Friday appointment go to
<a day>" (booked a second visit, a wrong write); a long, rambling request whose doctor and day came
last ("... if doctor chen has anything this coming monday"; "my wife keeps saying david" was read as
a name); a date of birth in pieces ("21st of April", then "1979"); a cancellation whose reason names
a nurse or a pharmacist (handed to clinical staff); a friend's appointment (slots offered to the
caller instead of saying it is not theirs); one free time left, asked for twice."""

from __future__ import annotations

import pytest

from agents.offline.dob_pieces import read_pieces
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat, MemoryAuditSink, make_chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse

JAMES_SEEDED = {(CHEN, at(4, 14, 30))}
LUCAS_SEEDED = {("dr-rodriguez", at(8, 9, 30))}


@pytest.mark.parametrize(
    ("turns", "person", "after"),
    [
        (["need appt w dr chen thu just after lunch", "michael brown 11/2/1972", "1:30 please", "yes"],
         "p-1002", {(CHEN, at(3, 13, 30))}),
        (["hi can i see dr patel wed before 11. olivia martinez, 5/9/1998", "10 am", "yes"],
         "p-1005", {(PATEL, at(2, 10))}),
        (["James Wilson here, born 30 January 1965. Could my Friday appointment go to next Wednesday at 10?", "yes"],
         "p-1004", {(CHEN, at(9, 10))}),
        (["James Wilson, 01/30/1965. Can my check-up with Dr Chen be on the 9th at 11 instead?", "yes"],
         "p-1004", {(CHEN, at(9, 11))}),
        (["Sarah Johnson 3/14/1985, anything with dr chen today before 11?", "yes"], "p-1001", {(CHEN, at(1, 10, 30))}),
    ],
)  # fmt: skip
async def test_set_18_wordings(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == after, transcript
    if person == "p-1004":
        assert "You're booked" not in transcript, transcript  # moved, never a second visit


async def test_a_rambling_request_still_books(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "oh hello love, this is michael brown, well my back has been at me since the snow started and my "
            "daughter keeps telling me dad you need to get that looked at, so i thought i'd ring and see if "
            "doctor patel has anything on friday, around eleven would suit",
            "the second of november nineteen seventy two",
            "yes that's lovely",
        ],
        None,
    )
    assert "Keeps" not in transcript and "Telling" not in transcript, transcript
    assert await booked(demo, "p-1002") == {(PATEL, at(4, 11))}, transcript


@pytest.mark.parametrize(
    "pieces",
    [
        ["the 9th of May", "1998"],
        ["may ninth", "it was nineteen ninety eight"],
        ["born on May 9th", "in 1998"],
    ],
)
async def test_a_date_of_birth_in_pieces(pieces: list[str], chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat, ["I'd like Dr Chen on Friday at 10", "Olivia Martinez", *pieces, "yes"], None
    )
    assert "year" in transcript, transcript
    assert await booked(demo, "p-1005") == {(CHEN, at(4, 10))}, transcript


def test_pieces_are_read_only_as_an_answer_and_a_year_alone() -> None:
    from datetime import date

    today = date(2026, 12, 1)
    booking: dict[str, object] = {"task": "book"}  # not asked who the caller is: a day to book
    assert not read_pieces(booking, "the 9th of may", today)
    asked: dict[str, object] = {"asked": "dob"}
    assert read_pieces(asked, "the 9th of may", today) and asked["dob_md"] == [5, 9]
    assert not read_pieces(asked, "at 1998 or so i think maybe", today)  # not a year said alone
    assert not read_pieces(dict(asked), "2030", today)  # not born yet
    assert read_pieces(asked, "1998", today) and asked["dob"] == "1998-05-09" and "dob_md" not in asked


async def test_a_cancellation_done_elsewhere_is_not_handed_to_staff(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Hi, this is Maria Garcia, October 19 1982. Please cancel my son Lucas's shot appointment, the "
            "pharmacist already gave it to him.",
            "Lucas Garcia, April 8 2015",
            "yes",
        ],
        None,
    )
    assert "connect you" not in transcript, transcript
    assert await booked(demo, "p-1013") == set(), transcript


@pytest.mark.parametrize(
    "said",
    [
        "Sarah Johnson, March 14 1985. My neighbour James Wilson has an appointment with Dr Chen, what time is it?",
        "sarah johnson 3/14/1985 can you tell me when my friend james wilson's appointment is",
    ],
)
async def test_a_friends_appointment_is_not_told(said: str, chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(chat, [said], None)
    assert "only help with appointments for Sarah" in transcript, transcript
    assert "2:30" not in transcript and "December 4th" not in transcript, transcript
    assert await booked(demo, "p-1004") == JAMES_SEEDED


async def test_a_friend_who_recommended_a_doctor_is_no_one_to_refuse(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["Sarah Johnson, 3/14/1985. My friend recommended Dr Chen, can I see him Friday at 10?", "yes"],
        None,
    )
    assert await booked(demo, "p-1001") == {(CHEN, at(4, 10))}, transcript


# The calls of the voice set (bench/understanding.py --caller answers, session 11), as Whisper wrote them.


async def test_an_identity_question_asked_again_on_the_phone_offers_the_keypad(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550999")  # a number not on file
    await call.say("I can't make it to my appointment, please cancel it.")
    reply = await call.say("I'm going to make this one, I went to the 19th and I did.")
    assert "keypad as eight digits" in reply, reply


async def test_no_and_the_same_request_again_gets_the_next_times(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Hello, I need an appointment with Dr. Rodriguez tomorrow.",
            "My name is Olivia Martinez, date of birth May 9, 1998.",
            "No, hello. I need an appointment with Dr. Rodriguez tomorrow.",
        ],
        None,
    )
    offers = [line for line in transcript.splitlines() if "has " in line]
    assert len(offers) == 2 and offers[0] != offers[1], transcript
    assert "9 AM" not in offers[1], transcript


@pytest.mark.parametrize(
    "said",
    [
        "Can I wish you my appointments for next Monday at 3pm?",  # "reschedule" as Whisper wrote it
        "I need to rescan you my appointment to next Monday, at 3 PM.",
    ],
)
async def test_a_verb_not_caught_before_my_appointment_and_a_day_is_a_move(
    said: str, chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, [f"James Wilson, January 30 1965. {said}", "yes"], None)
    assert "I'll move your appointment" in transcript, transcript
    assert await booked(demo, "p-1004") == {(CHEN, at(7, 15))}, transcript


async def test_a_day_lost_between_on_the_and_a_time_and_a_bare_yes_to_which_doctor_book_nothing(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    # Whisper's "I need an appointment with Dr. Kit on the 1 PM." for "... Doctor Chen on Thursday at
    # 1 PM": proposed Dr Chen today at 1 after "Yes, go ahead." to "which doctor?" (a scripted yes
    # would have booked the wrong day)
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550119")
    replies = [
        await call.say(turn)
        for turn in ["I need an appointment with Dr. Kit on the 1 PM.", "05/27/1977", "Yes, go ahead.", "yes"]
    ]
    assert not any("I'll book" in reply for reply in replies), replies
    assert await booked(demo, "p-1019") == set()


async def test_a_bare_yes_to_which_doctor_asks_again(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["Amelia Robinson, May 27 1977. I'd like an appointment with Dr. Kit on Friday at 1 pm", "yes"],
        None,
    )
    assert transcript.count("hich doctor would you like") == 2, transcript
    assert await booked(demo, "p-1019") == set()


async def test_a_name_said_as_one_in_answer_to_the_date_of_birth_is_kept_on_the_phone(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    # on Maria's number, for her son: "his name is lucas garcia" was dropped as doubtful (a name
    # read out of a misheard date is), so the next turn's date of birth had no name to go with
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550112")
    await call.say("hello i'm calling to change my little boy's appointment with doctor rodriguez")
    reply = await call.say("his name is lucas garcia")
    assert "Lucas" in reply and "date of birth" in reply, reply
    reply = await call.say("april eighth twenty fifteen")
    assert "move it to" in reply, reply  # verified as Lucas: his appointment, the new day asked


async def test_a_name_read_out_of_a_misheard_answer_is_still_not_thanked(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone="+15035550999")
    await call.say("I'd like to cancel my appointment")
    reply = await call.say("Game will come on January 30, 17,000, 2007.")
    assert "Thank you, Game" not in reply, reply
