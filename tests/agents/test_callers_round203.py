"""Families of held-out sets #203-#207 in other names and wordings, mended in the session itself:
"how far in advance do you take bookings?" asks nothing about insurance (a plan taken is asked
with a plan's name, not bookings, appointments or walk-ins); and three regressions of the session's
own rules that the full run of every set caught: "the Tuesday at 9:30" after the caller's "Monday the
7th or Wednesday the 9th" is the day they dated, "three o'clock on the first" names the 1st (no place
in the list), "and the second: Dr. Chen on the Thursday of that same week" has no date before "that
same week"."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agents.offline.choices import position_against_time
from agents.offline.dates import find_when
from agents.offline.staff_topics import STAFF_TOPICS
from connectors.base import Slot
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at


def _insurance(text: str) -> bool:
    topic = next(t for t in STAFF_TOPICS if t.reason.startswith("Insurance"))
    return topic.pattern.search(text) is not None


@pytest.mark.parametrize(
    ("said", "insurance"),
    [
        ("how far in advance do you take bookings?", False),
        ("does the clinic take same-day appointments?", False),
        ("do you accept new patients at the moment", False),
        ("do you take aetna?", True),
        ("does the practice accept medicare", True),
    ],
)
def test_what_is_asked_of_the_practice(said: str, insurance: bool) -> None:
    assert _insurance(said) == insurance


async def test_a_weekday_the_caller_dated_before_is_that_date(chat: Chat, demo: DemoConnector) -> None:
    turns = ["Sophia Taylor, 12/5/2001. I'd like to see Dr. Chen.",
             "Anything before 10 on Monday the 7th or Wednesday the 9th?", "The Wednesday at 9:30.", "Yes."]  # fmt: skip
    await assert_written_as_said(chat, demo, turns, "p-1007", {(CHEN, at(9, 9, 30))}, "+15035550107")


def test_on_the_first_is_a_day_not_a_place_in_the_list() -> None:
    now = datetime(2059, 11, 28, 10, 0)
    day = datetime(2059, 12, 1, 13, 30)
    offered = [
        Slot(
            id=str(i),
            provider_id="dr-chen",
            provider_name="Dr. Marcus Chen",
            start=t,
            end=t + timedelta(minutes=30),
        )
        for i, t in enumerate([day, day + timedelta(minutes=30), day + timedelta(minutes=90)])
    ]
    said = "three o'clock on the first then"
    assert not position_against_time(said, find_when(said, now), offered)
    said = "the first one, the 3"
    assert position_against_time(said, find_when(said, now), offered)


async def test_that_same_week_after_an_order_word_is_the_week_of_the_visit_before(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = ["Sophia Taylor, 12/5/2001. I need two appointments actually. First one: Dr. Patel this coming Monday "
             "at 9.", "Yes.", "Great. And the second: Dr. Chen on the Thursday of that same week, half past one.", "Yes."]  # fmt: skip
    after = {(PATEL, at(7, 9)), (CHEN, at(10, 13, 30))}
    await assert_written_as_said(chat, demo, turns, "p-1007", after, "+15035550107")


SECOND_RUN_REGRESSIONS = [
    # the day said after the caller's own ("... which was on the 24th, so that's Tuesday December 8th"):
    # "that day" is that one (#180)
    (["Emily Davis, 7/23/1990. Dr. Patel wants to see me two weeks after my last visit, which was on the 24th, "
      "so that's Tuesday December 8th. Could I have 11am that day?", "Yes."], "p-1003",
     {(PATEL, at(3, 10)), (PATEL, at(8, 11))}, "+15035550103"),
    # a weekday dated before, then taken back for another day (#169)
    (["Sophia Taylor, 12/5/2001. Can I get in with Dr. Patel? Either Monday the 7th at 3 or Tuesday the 8th at "
      "9:30, either one.", "Hmm. The Monday at 3. Actually no, wait, I can't then. Tuesday the 8th at 9:30.", "Yes."],
     "p-1007", {(PATEL, at(8, 9, 30))}, "+15035550107"),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SECOND_RUN_REGRESSIONS)
async def test_the_day_asked_after_the_callers_own(
    turns: list[str], person: str, after: set[object], phone: str, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_plan_asked_politely_before_booking_goes_to_staff(chat: Chat, demo: DemoConnector) -> None:
    reply = await chat.say("I wanted to check whether you accept Cigna before I book anything")
    assert chat.handoff is not None, reply
