"""Families of held-out sets #180-#185 in other names, dates and wordings than the sets: a question
about the proposal asked during its read-back ("which doctor was that with?", "pardon?") is answered
by saying it again, and saying it back with a yes confirms it, in spoken words too ("Monday the
seventh at half past ten"); the caller's own check of a date inside the request ("what day is that,
the 9th?"); earlier contact told ("the receptionist told me to ring back to book") is no request for
a message when a booking, move or cancellation is asked; and records or results asked go to staff
at once, after a visit thought of and given up."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

READ_BACK_QUESTIONS = [
    (["Ava Hernandez, 8/11/1993. Dr. Chen on Monday the 7th at 10:30.", "Sorry, which doctor was that with?",
      "Dr. Chen, Monday the seventh at half past ten, lovely, book it."], "p-1009", {(CHEN, at(7, 10, 30))},
     None),
    (["Charlotte Clark, November 15th 1989. Could I see Dr. Patel on Wednesday the 9th at 3 PM?",
      "What time did you say?", "Three in the afternoon on Wednesday the ninth, yes, that's right."], "p-1017",
     {(PATEL, at(9, 15))}, None),
    (["Andrew Harris, 3/6/1961. Dr. Rodriguez, Thursday the 10th at 11 please.", "Pardon?", "Yes please."],
     "p-1016", {(RODRIGUEZ, at(10, 11))}, None),
    (["James Wilson, 1/30/1965. Please move my Friday appointment with Dr. Chen to Tuesday the 8th at 2:30.",
      "Sorry, when was that again?", "Tuesday the eighth, two thirty? Yes, go ahead."], "p-1004",
     {(CHEN, at(8, 14, 30))}, None),
    (["Isabella Jackson, February 3rd 1987. Dr. Patel on Friday the 11th at 9.", "Which day is that? Friday? OK, "
      "go ahead."], "p-1011", {(PATEL, at(11, 9))}, None),
    (["Nathan Allen, 6/16/1984. Dr. Rodriguez on Monday the 14th at 3 PM.", "What's the time again? Three? Yes, "
      "go ahead."], "p-1022", {(RODRIGUEZ, at(14, 15))}, None),
    # the caller's own check of a date, inside the request
    (["Mia White, January 25th 1996. I'd like Dr. Chen on Wednesday, what date is that, the 9th? Yes, "
      "Wednesday the 9th at 11 in the morning.", "Yes."], "p-1015", {(CHEN, at(9, 11))}, None),
]  # fmt: skip

EARLIER_CONTACT = [
    (["Hello, the receptionist told me to ring back this week to book my review with Dr. Patel. Olivia "
      "Martinez, 5/9/1998.", "Friday the 11th at 11, please.", "Yes."], "p-1005", {(PATEL, at(11, 11))}, None),
    (["Emily Davis, 7/23/1990. Dr. Patel's nurse asked me to call back and move my Thursday appointment. Could "
      "it be Monday the 7th at 10?", "Yes."], "p-1003", {(PATEL, at(7, 10))}, None),
    (["Hi, I got a voicemail asking me to call back about my Friday appointment with Dr. Chen. I need to cancel "
      "it. James Wilson, 1/30/1965.", "Yes, cancel it."], "p-1004", set(), None),
    (["Maria Garcia here, Lucas's mum. The front desk said I should phone back once we knew the date, to move "
      "Lucas's appointment with Dr. Rodriguez. Lucas Garcia, 4/8/2015. Wednesday the 9th at 10 please.",
      "Yes."], "p-1013", {(RODRIGUEZ, at(9, 10))}, MARIA),
    (["Charlotte Clark, 11/15/1989. Someone was meant to ring me back about my follow-up, but nobody did. Can I "
      "book Dr. Chen on Tuesday the 8th at 11?", "Yes."], "p-1017", {(CHEN, at(8, 11))}, None),
    (["Ryan Walker, 12/12/1992. Last time they said I could book the follow-up with Dr. Chen when I rang back. "
      "Monday the 14th at 2, please.", "Yes."], "p-1020", {(CHEN, at(14, 14))}, None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), [*READ_BACK_QUESTIONS, *EARLIER_CONTACT])
async def test_families_of_sets_180_to_185(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_question_about_the_proposal_keeps_it_held(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Sophia Taylor, 12/5/2001. Dr. Chen on Thursday the 10th at 2 PM.", "Sorry, what day is that?"]
    _, transcript = await converse(chat, turns, None)
    assert "Shall I go ahead?" in transcript.splitlines()[-1], transcript
    assert "Thursday, December 10th" in transcript.splitlines()[-1], transcript
    assert await booked(demo, "p-1007") == set(), transcript


@pytest.mark.parametrize(
    ("turns", "person", "before", "topic"),
    [
        (["Olivia Martinez, 5/9/1998. I'm moving abroad, could you send my chart and notes over to my new GP?"],
         "p-1005", set(), "record"),
        (["Hello, I need a copy of my medical history, all of it, to take to a doctor in Portugal. Andrew Harris, "
          "March 6th 1961."], "p-1016", set(), "record"),
        (["Christopher Lee, 4/7/1975. I was thinking of booking Dr. Chen about my cholesterol test, but I don't "
          "think I need to come in. Could I just hear my results over the phone?"], "p-1014", set(), "result"),
        (["Matthew Moore, June 28th 1969. I considered making an appointment with Dr. Patel, but honestly I only "
          "want to know my blood test results."], "p-1010", set(), "result"),
    ],
)  # fmt: skip
async def test_records_or_results_asked_go_to_staff_and_nothing_is_written(
    turns: list[str], person: str, before: set[object], topic: str, chat: Chat, demo: DemoConnector
) -> None:
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == before, transcript
    assert talk.handoff is not None and topic in talk.handoff.reason.lower(), transcript
