"""Families of held-out set #195 in other names and wordings: words of the caller's story that ask
for nothing. "They'll take me off the road" is off a job, not off the schedule; "we're relocating to
Phoenix" is the family moving, not the visit (a day after "moving to" still is a move)."""

from __future__ import annotations

import pytest

from agents.offline.intents import Intent, intents, task_of
from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at

STORIES = [
    (["My forklift licence needs a medical by the end of the month or they'll take me off the job. Name's David "
      "Anderson, born 9/17/1958. Dr. Patel, Monday the 7th at 10 if she has it.", "Yes."], "p-1006",
     {(PATEL, at(7, 10))}),
    (["We're relocating to Phoenix in the spring, so before that I'd like a last check-up. David Anderson, "
      "September 17, 1958. Dr. Chen on Monday the 7th at 11?", "Yes."], "p-1006", {(CHEN, at(7, 11))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), STORIES)
async def test_the_story_asks_for_nothing(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("they'll take me off the road if I don't get it done", None),
        ("the doctor took me off the blood thinner last month", None),
        ("please take me off the schedule for Friday", Intent.CANCEL),
        ("we're moving to Austin in June", None),
        ("we're moving to Friday instead, is that ok?", Intent.RESCHEDULE),
    ],
)
def test_what_is_asked(said: str, task: Intent | None) -> None:
    assert task_of(intents(normalize(said))) == task
