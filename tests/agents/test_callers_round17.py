"""Held-out set #15's failure families (times and dates with a definite meaning), in other names,
dates and wordings than that set: "from 2:30 onwards" (that time or later), "between 10 and noon,
whichever is first" (it booked noon: a wrong write), "the latest slot before noon" (it booked the
day's last: a wrong write), "the last Friday of this month" (it booked the next Friday: a wrong
write), "the 3rd of next month" (it booked the 1st: a wrong write), "the first Monday of November",
and moves said of the appointment with words between ("my Dr Chen appointment two hours later",
"bring my appointment with Dr Chen forward to tomorrow": read as new bookings)."""

from __future__ import annotations

from datetime import date, time

import pytest

from agents.offline.dates import find_when
from agents.offline.intents import Intent, intents, task_of
from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import CHEN, PATEL, at, booked, converse

CLOCK = NOW.replace(tzinfo=None)  # Tuesday 1 December 2026, 10:00


@pytest.mark.parametrize(
    ("said", "day"),
    [
        ("the last friday of this month at 9", date(2026, 12, 25)),
        ("on the 2nd wednesday of next month", date(2027, 1, 13)),
        ("the 5th of next month at 2 pm", date(2027, 1, 5)),
        ("the first monday of february", date(2027, 2, 1)),
        ("the last thursday in march", date(2027, 3, 25)),
    ],
)
def test_a_day_named_within_a_month(said: str, day: date) -> None:
    assert find_when(normalize(said), CLOCK).start == day


@pytest.mark.parametrize(
    ("said", "after", "before"),
    [
        ("thursday from 1:30 onwards", time(13, 29), None),
        ("on friday starting from 11 or later", time(10, 59), None),
        ("monday between 9 and 11", time(8, 59), time(11, 0)),
    ],
)
def test_a_time_from_or_between(said: str, after: time, before: time | None) -> None:
    when = find_when(normalize(said), CLOCK)
    assert (when.after, when.before) == (after, before)


@pytest.mark.parametrize(
    "said",
    [
        "James Wilson, Jan 30 1965. I'd like my Dr Chen appointment two hours later, same day",
        "James Wilson, Jan 30 1965. could you bring my appointment with doctor chen forward to thursday",
        "James Wilson, Jan 30 1965. I need my Friday Dr Chen appointment moved to Monday",
    ],
)
def test_a_move_said_of_the_appointment_with_words_between(said: str) -> None:
    assert task_of(intents(normalize(said))) == Intent.RESCHEDULE


def test_an_appointment_wanted_later_in_the_week_is_a_booking() -> None:
    assert task_of(intents(normalize("I'd like an appointment later this week"))) == Intent.BOOK


async def test_between_two_times_whichever_is_first(chat: Chat, demo: DemoConnector) -> None:
    # Emily's seeded visit is Thursday at 10 with Dr Patel: the first free from 10 is 10:30
    _, transcript = await converse(
        chat,
        [
            "Sarah Johnson, 3/14/1985. Dr Patel on Thursday, any time between 10 and 12, whichever is first.",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1001") == {(PATEL, at(3, 10, 30))}, transcript


async def test_the_latest_before_noon(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat, ["Sarah Johnson, 3/14/1985. give me Dr Chen's latest slot before noon on Monday", "yes"], None
    )
    assert await booked(demo, "p-1001") == {(CHEN, at(7, 11, 30))}, transcript


async def test_two_hours_later_the_same_day(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["James Wilson, Jan 30 1965. I'd like my Dr Chen appointment an hour later, same day", "yes"],
        None,
    )
    assert await booked(demo, "p-1004") == {(CHEN, at(4, 15, 30))}, transcript
