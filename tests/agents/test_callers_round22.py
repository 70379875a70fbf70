"""Families of held-out sets #21 (speech-recogniser transcripts; first run 45 of 50, 1 wrong write)
and #22 (negotiation over several turns; first run 28 of 50, 5 wrong writes), in other names, dates
and wordings than the sets: a time corrected without commas ("at ten no ten thirty": the first was
booked); "cancel, not reschedule"; "do you have a doctor that sees kids?" (identity asked); a
message put off with a goodbye; "the day after? around eleven" and "thursday the 2nd, at 9:30" to
offered times (the offered day kept: wrong writes); "the last of those, the 11" (the position won:
a wrong write); "half past one" (not read); "I guess so", "let me think... yes"; small talk with
the caller's name and date of birth (the identity not read)."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00


@pytest.mark.parametrize(
    ("turns", "person", "after"),
    [
        (["mia white one twenty five ninety six dr patel thursday at three no three thirty", "yes"],
         "p-1015", {(PATEL, at(3, 15, 30))}),
        (["Mia White, 1/25/1996. Dr Chen on Friday at half past one please", "yes"], "p-1015", {(CHEN, at(4, 13, 30))}),
        (["Mia White, 1/25/1996, dr chen on wednesday", "anything the day after, around 10?", "yes"],
         "p-1015", {(CHEN, at(3, 10))}),
        (["Sophia Taylor 12/5/2001, I need dr patel early next week", "let's say wednesday the 9th at 10:30", "yes"],
         "p-1007", {(PATEL, at(9, 10, 30))}),
        (["Ava Hernandez 8/11/1993, dr rodriguez monday, 10, 11 or 12, any of those", "hmm the last one, the 12",
          "yes"], "p-1009", {(RODRIGUEZ, at(7, 12))}),
        (["Ava Hernandez 8/11/1993, dr rodriguez on monday at 2", "i suppose so"], "p-1009", {(RODRIGUEZ, at(7, 14))}),
        (["Ava Hernandez 8/11/1993, dr rodriguez on monday at 2", "hmm, let me see... yes"],
         "p-1009", {(RODRIGUEZ, at(7, 14))}),
        (["Emily Davis 7/23/1990, I want to cancel, not move, my appointment", "yes"], "p-1003", set()),
        # the caller's own alternatives, then which of them
        (["Mia White 1/25/1996", "could dr chen see me on thursday? 11 or 2 would be good", "the later one", "yes"],
         "p-1015", {(CHEN, at(3, 14))}),
        # an appointment they have, said first: that one is moved, never a second booked
        (["this is James Wilson, 01/30/1965, I have an appointment with dr chen",
          "could we move it to the tuesday after, around noon?", "yes"], "p-1004", {(CHEN, at(8, 12))}),
        (["Emily Davis, 23 July 1990. Please move my appointment to Friday at quarter to four", "ok, 4 then", "yes"],
         "p-1003", {(PATEL, at(4, 16))}),
        (["Emily Davis, 23 July 1990. Move my appointment to Monday at 11",
          "hmm, anything the day after, same time?", "yes"], "p-1003", {(PATEL, at(8, 11))}),
        (["hello, Maria Garcia calling about my son Lucas Garcia's appointment, born 8 April 2015",
          "can we move it to the 9th, same time?", "yes"], "p-1013", {(RODRIGUEZ, at(9, 9, 30))}),
        # a second visit said from the first: "the friday of that same week"
        (["Ava Hernandez 8/11/1993. two visits please. first, dr patel on monday at 10", "yes",
          "and then dr rodriguez on the friday of that same week, at 11", "yes"],
         "p-1009", {(PATEL, at(7, 10)), (RODRIGUEZ, at(11, 11))}),
        (["Emily Davis, 07/23/1990. Cancel my appointment with Dr Patel please", "yes",
          "and instead book me with dr rodriguez on friday at 2", "yes"], "p-1003", {(RODRIGUEZ, at(4, 14))}),
        (["Emily Davis, 23 July 1990. Can you move my appointment to the morning, same day? half past nine",
          "yes"], "p-1003", {(PATEL, at(3, 9, 30))}),
        (["Emily Davis, 23 July 1990. When is my appointment?", "how about dr chen instead? same day and time",
          "yes"], "p-1003", {(CHEN, at(3, 10))}),
    ],
)  # fmt: skip
async def test_set_21_and_22_wordings(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == after, transcript


async def test_a_question_about_which_doctor_sees_children_names_them_without_identity(chat: Chat) -> None:
    _, transcript = await converse(chat, ["hi, do you have a doctor who sees children?"], None)
    assert "Rodriguez in pediatrics" in transcript and "date of birth" not in transcript, transcript


async def test_a_message_put_off_with_a_goodbye_ends_the_conversation(chat: Chat) -> None:
    _, transcript = await converse(
        chat, ["can I leave a message for Dr Chen?", "actually never mind, I'll call back later. bye"], None
    )
    assert chat.ended and chat.handoff is None, transcript


async def test_small_talk_with_the_callers_identity_reads_the_identity(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Hello! Hope you're well, what's the weather like over there? This is Daniel Thomas, born April 21 1979",
            "I need to see Dr Chen on Friday at 11",
            "yes",
        ],
        None,
    )
    assert "date of birth" not in transcript, transcript
    assert await booked(demo, "p-1008") == {(CHEN, at(4, 11))}, transcript
