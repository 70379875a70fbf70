"""Families of held-out sets #195, #200 and #202 in other names, dates and wordings than the sets: a
staff topic word told as part of the caller's story (what a doctor, a pharmacist, an employer said or
did) beside a plain booking, move or cancellation is no question for staff, and the request is written;
a question asked ("I need a refill", "can you tell me if my prescription is ready") still goes to staff.
"Do you take <plan>?" goes to staff, with a request or without (the blind sets' writers expect so,
five against one). A story of symptoms with nothing asked is offered a visit; one that asks about
them ("is that something I should worry about", "should I come in or wait it out?") goes to staff."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM

STORY_BESIDE_A_REQUEST = [
    (["Olivia Martinez, 5/9/1998. My doctor back home switched me to a new inhaler last month and told me to "
      "get a check here. Could I see Dr. Patel on Monday the 7th at 11?", "Yes."], "p-1005",
     {(PATEL, at(7, 11))}, None),
    (["James Wilson, 1/30/1965. Dr. Chen put me on new tablets and the pharmacist said to give them two weeks, "
      "so Friday is too early. Could you move it to Wednesday the 9th at 10?", "Yes."], "p-1004",
     {(CHEN, at(9, 10))}, None),
    (["Emily Davis, 7/23/1990. The specialist took over my medication last week and said I don't need the "
      "check-up, so please cancel my Thursday appointment.", "Yes."], "p-1003", set(), None),
    (["Sophia Taylor, 12/5/2001. My new employer needs a health form signed before I start, so I'd like to see "
      "Dr. Patel on Tuesday the 8th at 2.", "Yes."], "p-1007", {(PATEL, at(8, 14))}, None),
    (["Daniel Thomas, 4/21/1979. My insurance has been giving me a discount since I joined their fitness plan. "
      "Please book me with Dr. Chen on Thursday the 10th at 2.", "Yes."], "p-1008", {(CHEN, at(10, 14))}, None),
    (["Amelia Robinson, 5/27/1977. When I last saw Dr. Chen he lowered my dose and wanted to see me again in a "
      "month. Can you put me in with him on Wednesday the 9th at 11?", "Yes."], "p-1019", {(CHEN, at(9, 11))},
     None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), STORY_BESIDE_A_REQUEST)
async def test_a_staff_topic_told_beside_a_request_is_written(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    "turn",
    [
        # asked, not told: still for staff at once, with a request or without
        "James Wilson, 1/30/1965. Dr. Chen changed my dose last week and I need a refill before Friday. Can I "
        "also book Monday the 7th at 9 with him?",
        "Emily Davis, 7/23/1990. I'd like to book Dr. Patel on Monday the 7th at 10, and can you tell me if my "
        "prescription is ready?",
        "Daniel Thomas, 4/21/1979. Do you take Aetna?",
        # whether the practice takes a plan, asked with a request: staff first (sets #135, #164, #185-#188)
        "Daniel Thomas, 4/21/1979. Do you accept Cigna? And I'd like to book Dr. Chen on Thursday the 10th at 2.",
        "Emily Davis, 7/23/1990. I've had a rash for three days, should I come in or just wait it out?",
        "Emily Davis, 7/23/1990. i've had a fever since sunday and a cough is that something i should be worried about",
        "Emily Davis, 7/23/1990. My employer needs a form filled in, can you fill it in for me?",
        # symptoms told, then a question about them
        "Emily Davis, 7/23/1990. My ankle has been swollen since Saturday, is that something to worry about?",
        # a prescription told with no symptoms and no request: a problem for staff, no visit to offer
        "Emily Davis, 7/23/1990. The pharmacy said they never got my prescription from Dr. Patel.",
    ],
)
async def test_a_staff_question_asked_goes_to_staff(turn: str, chat: Chat, demo: DemoConnector) -> None:
    talk, transcript = await converse(chat, [turn], None)
    assert talk.handoff is not None, transcript
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 14, 30))}, transcript
    assert await booked(demo, "p-1003") == {(PATEL, at(3, 10))}, transcript


async def test_a_story_of_symptoms_asking_nothing_is_offered_a_visit(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "Hi, my back has been sore ever since I moved house, and the painkillers from the chemist haven't done "
        "much.",
        "Ryan Walker, December 12th 1992. Could I see Dr. Patel on Wednesday the 9th at 3?",
        "Yes.",
    ]
    talk, transcript = await converse(chat, turns, None)
    assert "Would you like to book a visit" in transcript, transcript
    assert talk.handoff is None, transcript
    assert await booked(demo, "p-1020") == {(PATEL, at(9, 15))}, transcript
