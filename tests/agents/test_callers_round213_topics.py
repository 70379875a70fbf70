"""Families of held-out sets about what callers say around the task, in other names,
dates and wordings than the sets: a question whether the assistant is a person is answered honestly
and the call goes on (only asking FOR a person hands over); a practical question ("can I bring my
mother along?") is no medical question; a question about preparing for the visit said with the yes
("yes, and will I have to fast?") is answered without undoing the booking; "how early should I get
there?" is about the visit, and "anything open Thursday?" about free times, not the opening hours;
"sorry, what was that?" with nothing pending hears the last reply again. (Sets #211, #213 and #208.)"""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM

A_QUESTION_WHETHER_IT_IS_A_PERSON = [
    (["Hi there, am I chatting with a real human or a bot?", "Right. I'd like to see Dr. Patel on Monday the "
      "7th at 11. Sophia Taylor, 12/5/2001.", "Yes."], "p-1007", {(PATEL, at(7, 11))}),
    (["Quick question, is this an actual person I'm speaking with?", "Okay. Can you cancel my Thursday "
      "appointment with Dr. Patel? Emily Davis, 7/23/1990.", "Yes."], "p-1003", set()),
    (["are you an actual person or what? just wondering", "James Wilson 1/30/1965, please move my Friday appointment with Dr Chen "
      "to Monday the 7th at 10", "yes"], "p-1004", {(CHEN, at(7, 10))}),
    (["Is this a real person? Andrew Harris, 3/6/1961, I need Dr. Rodriguez on Wednesday the 9th at 3.", "Yes."],
     "p-1016", {(RODRIGUEZ, at(9, 15))}),
]  # fmt: skip

A_PRACTICAL_QUESTION_AFTER_THE_BOOKING = [
    (["Andrew Harris, 3/6/1961. Book me with Dr. Chen on Wednesday the 9th at 2.", "Yes.", "Is it okay if I "
      "bring my mother with me? She's visiting that week.", "Thanks!"], "p-1016", {(CHEN, at(9, 14))}),
    (["Charlotte Clark, 11/15/1989. Dr. Patel on Thursday the 10th at 9, please.", "Yes. Is it ok to bring "
      "our baby? We can't get a sitter.", "No, that's all."], "p-1017", {(PATEL, at(10, 9))}),
]  # fmt: skip

ALL_FAMILIES = [*A_QUESTION_WHETHER_IT_IS_A_PERSON, *A_PRACTICAL_QUESTION_AFTER_THE_BOOKING]


@pytest.mark.parametrize(("turns", "person", "after"), ALL_FAMILIES)
async def test_what_callers_say_around_the_task(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


async def test_a_person_asked_for_after_the_question_is_handed_over(chat: Chat) -> None:
    _, transcript = await converse(chat, ["Wait, am I speaking to a real person?"], None)
    assert "not a person" in transcript and chat.handoff is None, transcript
    await chat.say("I'd prefer to speak with someone from the office, please")
    assert chat.handoff is not None, transcript


async def test_a_preparation_question_with_the_yes_is_for_staff(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Charlotte Clark, 11/15/1989. Dr. Patel on Thursday the 10th at 9, please.", "yes. do we need to "
             "fast beforehand?"]  # fmt: skip
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1017") == {(PATEL, at(10, 9))}, transcript
    assert "our staff can help" in transcript and "didn't understand" not in transcript, transcript
    assert talk.handoff is None, transcript


@pytest.mark.parametrize(
    "question", ["yes please. what time should I arrive?", "yes. how early do I need to be there?"]
)
async def test_when_to_arrive_is_about_the_visit(question: str, chat: Chat, demo: DemoConnector) -> None:
    turns = ["Sophia Taylor, 12/5/2001. I'd like Dr. Rodriguez on Friday the 11th at 3.", question]
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1007") == {(RODRIGUEZ, at(11, 15))}, transcript
    assert "a few minutes before your appointment" in transcript and " open " not in transcript, transcript
    assert talk.handoff is None, transcript


@pytest.mark.parametrize("again", ["sorry, could you say that again?", "Pardon?", "what did you say?"])
async def test_the_last_reply_said_again(again: str, chat: Chat) -> None:
    first = await chat.say("what time do you close on Fridays?")
    assert await chat.say(again) == first


async def test_whatever_is_open_that_day_asks_for_free_times(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Sophia Taylor, 12/5/2001. I need to see Dr. Chen.", "anything open Thursday the 10th?",
             "the 9:30 please", "Yes."]  # fmt: skip
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1007") == {(CHEN, at(10, 9, 30))}, transcript
    assert "we're open" not in transcript, transcript
    assert talk.handoff is None, transcript
