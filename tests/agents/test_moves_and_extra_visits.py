"""Moves and extra visits as real callers say them (held-out set #5's failure families), with other
names, days and wordings than that set uses: an extra visit is never a move, typed slips of the
verbs, a day not kept then a new one, days said from the appointment ("the Thursday after"), a
named day beating "next week", an hour said after the day ("Monday afternoon, 3").

The clock is Tuesday December 1st 2026 (`conftest.NOW`); the demo practice has Emily Davis with
Dr. Patel on Thursday the 3rd at 10, James Wilson with Dr. Chen on Friday the 4th at 2:30 and
Lucas Garcia with Dr. Rodriguez on Tuesday the 8th at 9:30.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from agents.offline.anchored import day_of, days_from, named_day_wins
from agents.offline.dates import find_time
from agents.offline.intents import Intent, intents, task_of
from agents.offline.keeping import keeps_the_other, without_kept
from agents.offline.numbers import normalize
from agents.policy import classify_confirmation
from connectors.demo import DemoConnector
from tests.agents.conftest import TZ, Chat
from tests.agents.test_phrasings import booked, converse


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo(TZ))


# ------------------------------------------------------------------ an extra visit is a booking


@pytest.mark.parametrize(
    "said",
    [
        "I want one more appointment, I'm not cancelling my Thursday one",
        "could I get an additional visit with Dr Patel on Monday? Keep my other appointment as it is",
        "please don't move my existing appointment, I need a second one on friday",
        "I'd like another appointment with dr chen on friday as well as my thursday one",
        "a consult with dr chen friday, on top of my thursday appointment",
        "leave my thursday booking as is, I'd like a separate one on friday",
        "I need an extra check up without changing the one I've got",
        "book one more for next week please, don't cancel the other one",
        "in addition to my appointment on Tuesday I'd like to see Dr Lee on Wednesday",
    ],
)
def test_an_extra_visit_is_a_booking(said: str) -> None:
    assert task_of(intents(normalize(said))) == Intent.BOOK


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("move my friday appointment to monday, keep the time", Intent.RESCHEDULE),
        ("I'll keep my appointment", Intent.LIST),  # no move and no cancellation read into it
        ("cancel my thursday one please", Intent.CANCEL),
        ("can I change to another day", Intent.RESCHEDULE),
    ],
)
def test_what_is_not_an_extra_visit(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


def test_the_kept_ones_words_are_left_out() -> None:
    kept = keeps_the_other(normalize("a second visit please, not change the one I have"))
    assert kept is not None and "change" not in kept[0] and kept[1]
    assert keeps_the_other(normalize("move it to friday")) is None


@pytest.mark.parametrize(
    "said",
    [
        "keep my thursday appointment but also see dr chen on friday",
        "on top of my thursday one I need dr chen friday",
        "in addition to my appointment on thursday, dr chen friday please",
        "as well as my thursday appointment, friday with dr chen",
    ],
)
def test_the_kept_ones_day_is_not_the_day_wanted(said: str) -> None:
    rest = without_kept(normalize(said))
    assert "thursday" not in rest and "friday" in rest


# ------------------------------------------------------------------ typed slips of the verbs


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("i need to reshcedule my appt to monday", Intent.RESCHEDULE),
        ("can u chnage my appointment to thurs", Intent.RESCHEDULE),
        ("could you moev it to wednesday", Intent.RESCHEDULE),
        ("resched pls", Intent.RESCHEDULE),
        ("i'd like to rescedule", Intent.RESCHEDULE),
        ("cnacel thursday please", Intent.CANCEL),
        ("pls cancell my apointment", Intent.CANCEL),
        ("canx my booking", Intent.CANCEL),
    ],
)
def test_typed_slips_of_the_verbs(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


@pytest.mark.parametrize("word", ["chance", "charge", "movie", "cancer", "mode", "more"])
def test_words_of_their_own_are_no_slips(word: str) -> None:
    assert normalize(f"what about the {word}") == f"what about the {word}"


# ------------------------------------------------------------------ a day not kept, then a new one


@pytest.mark.parametrize(
    ("said", "task"),
    [
        ("I cant do thursday any more, could you put me in for monday at 2", Intent.RESCHEDULE),
        ("I won't be able to make tuesday, is wednesday at 10 free?", Intent.RESCHEDULE),
        ("can't come in on friday, monday morning?", Intent.RESCHEDULE),
        ("I need my appointment moved to the 9th", Intent.RESCHEDULE),
        ("any chance my appointment could be moved?", Intent.RESCHEDULE),
        ("could his jab be pushed back to friday", Intent.RESCHEDULE),
        ("I'd like the time changed", Intent.RESCHEDULE),
        ("monday isn't going to work anymore, is thursday the 10th free?", Intent.RESCHEDULE),
        ("Ana Ruiz 12 May 1980, I can't make Thursday", Intent.CANCEL),  # a birth date is no new day
        ("I can't make tomorrow, please cancel it", Intent.CANCEL),  # no new day: a cancellation
        ("I can't make it friday", Intent.CANCEL),
        ("I can't make wednesday the 9th", Intent.CANCEL),  # one day, said two ways
        ("Tom Lee, DOB 7/23/90. I won't be able to make it on Thursday", Intent.CANCEL),
    ],
)
def test_a_day_not_kept_and_a_new_one_is_a_move(said: str, task: Intent) -> None:
    assert task_of(intents(normalize(said))) == task


@pytest.mark.parametrize(
    "said", ["I need my address changed", "my phone number has changed", "we moved house"]
)
def test_other_things_changed_are_no_move(said: str) -> None:
    assert task_of(intents(normalize(said))) != Intent.RESCHEDULE


# ------------------------------------------------------------------ days said from the appointment


@pytest.mark.parametrize(
    ("said", "moved"),
    [
        ("push it to the tuesday after", (1, "after")),
        ("make it the following wednesday", (2, "after")),
        ("the thursday after that please", (3, "after")),
        ("move it to the friday afterwards, same time", (4, "after")),
        ("the monday before would be better", (0, "before")),
        ("can we do the previous friday", (4, "before")),
        ("the wednesday of that same week", (2, "week")),
        ("later that same week, say thursday", (3, "week")),
        ("to the week after, anything wednesday morning?", (2, "week after")),
        ("thursday of the following week", (3, "week after")),
        ("the monday after next", None),  # from today: `dates`
        ("the monday after christmas", None),
        ("next monday", None),
    ],
)
def test_days_said_from_the_appointment(said: str, moved: tuple[int, str] | None) -> None:
    assert day_of(normalize(said)) == moved


@pytest.mark.parametrize(
    ("weekday", "mode", "days"),
    [(0, "after", 3), (4, "after", 7), (3, "before", -1), (4, "before", -7), (1, "week", -3), (4, "week", None),
     (2, "week after", 5)],
)  # fmt: skip
def test_days_from_a_friday_appointment(weekday: int, mode: str, days: int | None) -> None:
    assert days_from(date(2026, 12, 4), weekday, mode) == days


def test_a_named_day_beats_a_week_on() -> None:
    assert named_day_wins((7, 0), "next week, say thursday morning")
    assert not named_day_wins((7, 0), None)  # "push my wednesday one back a week": the old day
    assert not named_day_wins((7, 0), "next week")
    assert not named_day_wins((0, 60), "thursday")


# ------------------------------------------------------------------ an hour after the day


@pytest.mark.parametrize(
    ("said", "at"),
    [
        ("monday afternoon, 3 if possible", time(15, 0)),
        ("thursday, 11 works", time(11, 0)),
        ("tomorrow 10 would be ideal", time(10, 0)),
        ("friday morning, 9 if it's free", time(9, 0)),
        ("wednesday, ideally 10 if possible", time(10, 0)),
        ("monday - 2 if poss", time(14, 0)),
        ("tuesday afternoon, preferably 4", time(16, 0)),
        ("thursday 11 march", None),  # a date, not a time
        ("monday 14", None),
    ],
)
def test_an_hour_said_after_the_day(said: str, at: time | None) -> None:
    assert find_time(normalize(said))[0] == at


@pytest.mark.parametrize("said", ["yes pls", "ok plz", "yep thx", "yes pls go ahead"])
def test_typed_short_yeses(said: str) -> None:
    assert classify_confirmation(said) == "yes"


# ------------------------------------------------------------------ whole conversations


async def test_an_extra_visit_keeps_the_one_she_has(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, July 23 1990. I need one more appointment, please don't touch the one I have."
            " Dr Chen on Friday at 11.",
            "yes go ahead",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {("dr-patel", _at(3, 10)), ("dr-chen", _at(4, 11))}, transcript
    assert "move" not in transcript.lower(), transcript


async def test_a_typed_slip_moves_rather_than_books(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat, ["james wilson 1/30/1965 - pls reshedule my friday appt to monday at 10", "yep"], None
    )
    assert await booked(demo, "p-1004") == {("dr-chen", _at(7, 10))}, transcript


async def test_a_day_not_kept_then_a_new_one_moves(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["James Wilson, 01/30/1965. I can't do Friday any more, could you put me in for Monday at 3?", "yes"],
        None,
    )
    assert await booked(demo, "p-1004") == {("dr-chen", _at(7, 15))}, transcript


async def test_the_day_after_the_appointment_same_time(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Lucas Garcia 4/8/2015, can his appointment be pushed to the Thursday after? Same time is fine.",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1013") == {("dr-rodriguez", _at(10, 9, 30))}, transcript


async def test_another_day_of_the_appointments_week(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis 7/23/1990: could my appointment be moved to the Friday of that week, same time?",
            "sure",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {("dr-patel", _at(4, 10))}, transcript


async def test_next_week_with_a_day_named_is_that_day(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis, 07/23/1990. I have to move my Thursday appointment to next week - "
            "has Dr Patel got anything Wednesday afternoon?",
            "2:30 please",
            "yes",
        ],
        None,
    )
    assert "Wednesday, December 9th" in transcript, transcript
    assert await booked(demo, "p-1003") == {("dr-patel", _at(9, 14, 30))}, transcript


async def test_an_hour_after_the_day_is_taken_with_a_typed_yes(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "james wilson 30/1/1965 can i swap my friday appointment for monday afternoon, 3 if thats ok",
            "yes pls",
        ],
        None,
    )
    assert await booked(demo, "p-1004") == {("dr-chen", _at(7, 15))}, transcript


async def test_keeping_one_and_seeing_another_doctor_books_the_new_day(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Emily Davis 07/23/1990 - I want to keep my Thursday appointment but also see Dr Chen on Monday at 9",
            "yes",
        ],
        None,
    )
    assert await booked(demo, "p-1003") == {("dr-patel", _at(3, 10)), ("dr-chen", _at(7, 9))}, transcript


async def test_a_day_said_from_the_week_after(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["James Wilson 01/30/1965, could we do Tuesday of the following week instead? Same time.", "yes"],
        None,
    )
    assert await booked(demo, "p-1004") == {("dr-chen", _at(8, 14, 30))}, transcript


async def test_a_day_that_no_longer_works_and_a_new_one_is_no_cancellation(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "James Wilson, 1/30/1965. Friday is not going to work anymore, any chance of Thursday the 10th at 11?"
        ],
        None,
    )
    assert "cancel" not in transcript.lower() and "Thursday, December 10th at 11 AM" in transcript, transcript
