"""A regression the full run of every set caught (#155): "can I get / have an appointment ...
tomorrow? I could do 11:30" asks for a visit; the modal makes it a request, never a visit the
caller has (which read the day as the visit's and asked "Would you like to book one?")."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00 (tomorrow is Wednesday the 2nd)

ASKED_FOR_WITH_A_MODAL = [
    (["Hello, can I get an appointment with Dr. Chen tomorrow? I could do 2:30.", "Sophia Taylor, 12/5/2001.",
      "Yes."], "p-1007", {(CHEN, at(2, 14, 30))}),
    (["Could I have an appointment with Dr. Rodriguez tomorrow, Wednesday? I could do 9:30 or 1, but 1 would be "
      "best.", "Andrew Harris, March 6th 1961.", "Yes."], "p-1016", {(RODRIGUEZ, at(2, 13))}),
    (["May I have an appointment with Dr. Patel on Thursday? I could do 11:30.", "Charlotte Clark, 11/15/1989.",
      "Yes."], "p-1017", {(PATEL, at(3, 11, 30))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), ASKED_FOR_WITH_A_MODAL)
async def test_a_visit_asked_for_with_a_modal_is_booked(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


# "I could do 11": the caller's own hour, said after the day (a bare hour, no "at")
THE_CALLERS_OWN_HOUR = [
    (["I'd like to see Dr. Chen on Friday. I could do 11.", "Sophia Taylor, 12/5/2001.", "Yes."], "p-1007",
     {(CHEN, at(4, 11))}),
    (["Could I see Dr. Rodriguez on Monday the 7th? We can do 3.", "Andrew Harris, March 6th 1961.", "Yes."],
     "p-1016", {(RODRIGUEZ, at(7, 15))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), THE_CALLERS_OWN_HOUR)
async def test_the_callers_own_hour_is_the_time_asked(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)
