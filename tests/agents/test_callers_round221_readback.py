"""Families of held-out set #221 about answers to the read-back ("I'll book you with Dr. X on <day>
at <time>. Shall I go ahead?"), in other names, dates and wordings than the set: a pause ("wait", "one
second", "wait a second") is no no: the change is kept and asked again, so the "yes" after it
writes it; "yeah but 2" / "ok but 11" (a bare hour after a yes and "but") asks for that hour instead;
a question about the visit after it is booked ("how long are the appointments?") is a question for
staff, never a new booking."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; James Wilson sees Dr Chen on Friday 4th at 2:30 PM

A_PAUSE_AT_THE_READ_BACK = [
    (["Sophia Taylor, 12/5/2001. Could I see Dr. Chen on Monday the 7th at 11?", "wait a second",
      "Yes please."], "p-1007", {(CHEN, at(7, 11))}),
    (["Andrew Harris, 3/6/1961, Dr. Rodriguez on Wednesday the 9th at 9:30 please.", "Wait.", "Yes."],
     "p-1016", {(RODRIGUEZ, at(9, 9, 30))}),
    (["James Wilson, 1/30/1965. Can you move my Friday appointment with Dr Chen to Tuesday the 8th at 3?",
      "Wait!", "ok go ahead"], "p-1004", {(CHEN, at(8, 15))}),
    (["Charlotte Clark, 11/15/1989. I'd like Dr. Patel on Thursday the 10th at 11.", "wait wait",
      "yes"], "p-1017", {(PATEL, at(10, 11))}),
]  # fmt: skip

A_BARE_HOUR_AFTER_YES_BUT = [
    (["Charlotte Clark, 11/15/1989. I'd like Dr. Patel on Thursday the 10th at 1:30.", "yeah but 2", "yes"],
     "p-1017", {(PATEL, at(10, 14))}),
    (["James Wilson, 1/30/1965. Please move my Friday appointment with Dr Chen to Monday the 7th at 10:30.",
      "ok but 11", "Yes."], "p-1004", {(CHEN, at(7, 11))}),
]  # fmt: skip

ALL_FAMILIES = [*A_PAUSE_AT_THE_READ_BACK, *A_BARE_HOUR_AFTER_YES_BUT]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_what_the_caller_answers_to_the_read_back(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


A_QUESTION_ABOUT_THE_VISIT = [
    "How long does the appointment normally last?",
    "how long is the visit?",
    "Thanks. What do I need to bring to the appointment?",
]


@pytest.mark.parametrize("question", A_QUESTION_ABOUT_THE_VISIT)
async def test_a_question_about_the_visit_booked_is_for_staff(
    question: str, chat: Chat, demo: DemoConnector
) -> None:
    turns = ["Sophia Taylor, 12/5/2001. Could I see Dr. Patel on Monday the 7th at 2?", "Yes.", question]
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1007") == {(PATEL, at(7, 14))}, transcript
    last = transcript.rpartition(f"> {question}\n")[2]
    assert "staff can help" in last, transcript
    assert "Which doctor" not in last and "Shall I go ahead" not in last, transcript
    assert talk.handoff is None, transcript
