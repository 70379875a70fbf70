"""What a caller's answer to "Would you like me to connect you with them, or is there anything else?"
does, in other names, dates and wordings than held-out set #213 (a move done, "how long will it
take, roughly?", "ok, thank you", then handed to staff): thanks with only an "ok" or a "great"
around it is thanks for the answer, a close ("You're welcome. Is there anything else ...?"), never
a yes to being put through; a yes of its own ("yes please", "sure, put me through", a plain "ok")
still puts the caller through; and "ok, thank you" to "Shall I go ahead?" stays a yes to the write."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM

THANKS_AFTER_THE_ANSWER_TO_A_QUESTION_FOR_STAFF = [
    (["Sophia Taylor, 12/5/2001. Book me with Dr. Chen on Wednesday the 9th at 11, please.", "Yes.",
      "Roughly how long will it take?", "Ok cool, thanks."], "p-1007", {(CHEN, at(9, 11))}),
    (["Emily Davis, 7/23/1990. Please move my Thursday appointment with Dr. Patel to Monday the 7th at 1:30.",
      "Yes please.", "Is there wheelchair access at the clinic?", "Great, thank you!"], "p-1003",
     {(PATEL, at(7, 13, 30))}),
    (["Andrew Harris, 3/6/1961. I need Dr. Rodriguez on Thursday the 10th at 3.", "Yes.", "how long will "
      "the visit take? need to sort out a babysitter", "alright, cheers"], "p-1016", {(RODRIGUEZ, at(10, 15))}),
    (["Charlotte Clark, 11/15/1989. Can I see Dr. Patel on Friday the 11th at 9?", "Yes.", "Is there a lift "
      "to get up to you?", "ok thx"], "p-1017", {(PATEL, at(11, 9))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), THANKS_AFTER_THE_ANSWER_TO_A_QUESTION_FOR_STAFF)
async def test_thanks_after_the_answer_is_a_close(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
    assert chat.state.ended is False  # asked whether there is anything else, not hung up on


@pytest.mark.parametrize(
    "thanks", ["ok, thank you", "Great, thanks so much.", "perfect, thank you", "okay ty"]
)
async def test_thanks_to_the_offer_with_nothing_booked(thanks: str, chat: Chat) -> None:
    _, transcript = await converse(chat, ["Is there wheelchair access at your building?", thanks], None)
    assert chat.handoff is None, transcript
    assert transcript.endswith("You're welcome. Is there anything else I can help you with?"), transcript


# A yes of its own, thanks or not, still puts the caller through (these pin what must not change).
@pytest.mark.parametrize(
    "yes",
    ["yes please", "please do", "sure, put me through", "ok", "yes, thanks", "that would be great, thanks"],
)
async def test_a_yes_to_the_offer_still_puts_the_caller_through(yes: str, chat: Chat) -> None:
    _, transcript = await converse(chat, ["How long does a check-up usually take?", yes], None)
    assert chat.handoff is not None, transcript


async def test_ok_thank_you_to_shall_i_go_ahead_is_still_a_yes(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Sophia Taylor, 12/5/2001. Dr. Rodriguez on Monday the 7th at 2, please.", "ok, thank you"]
    await assert_written_as_said(chat, demo, turns, "p-1007", {(RODRIGUEZ, at(7, 14))}, None)
