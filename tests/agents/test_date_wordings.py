"""Ways of saying when that real callers use (issue 1/7, "Understanding real callers"): the edge of
a day ("first thing", "the last appointment of the day"), British relative days ("Wednesday week",
"a week on Friday") and clock times ("half 11"), typed short forms and typos of day words
("thurs", "tomoz", "wensday"), a fallback time ("10:15, or failing that 10:30"), a change of mind
("Thursday, no wait, make it Friday"), a move relative to the appointment ("two hours later",
"the day after, same time") and "prepone". The wordings differ from the held-out sets on purpose.

Fixed clock: Tuesday December 1st 2026, 10 AM. Emily Davis (p-1003) sees Dr. Patel on Thursday
December 3rd at 10 AM, James Wilson (p-1004) Dr. Chen on Friday December 4th at 2:30 PM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest

from agents.offline import wanted
from agents.offline.dates import When, find_when
from agents.offline.moments import edge_of_day, only_a_change_of_mind
from agents.offline.numbers import normalize
from agents.offline.offers import choose
from agents.offline.shifts import shift_of
from connectors.base import Slot
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

# ---------------------------------------------------------------------------- words, one turn


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("see you tmrw", "see you tomorrow"),
        ("2morrow at 9", "tomorrow at 9"),
        ("tomoz morning", "tomorrow morning"),
        ("tommorrow", "tomorrow"),
        ("the thrusday after", "the thursday after"),
        ("wensday 2pm", "wednesday 2 pm"),
        ("thurs at 11", "thursday at 11"),
        ("on weds", "on wednesday"),
        ("tues or wed", "tuesday or wednesday"),
        ("fri the 11th", "friday the 11th"),
        ("half eleven", "11:30"),
        ("at half 2", "at 2:30"),
        ("half an hour", "half an hour"),  # not a clock time
        ("half past 2", "half past 2"),
        ("wednesday week", "a week from wednesday"),
        ("a week on monday", "a week from monday"),
        ("3 weeks tomorrow", "3 weeks from tomorrow"),
        ("can you prepone it", "can you bring forward it"),
        ("twenty past three", "3:20"),
        ("ten to four", "3:50"),
        ("open from 10 to 4", "open from 10 to 4"),  # a range, not 3:50
        ("friday fortnight", "2 weeks from friday"),
        ("a fortnight today", "2 weeks from today"),
        ("nxt wk", "next week"),
        ("at 10.30 tomorrow", "at 10:30 tomorrow"),  # a British stop in a time
        ("for 14.00", "for 14:00"),
        ("born 03.14.1985", "born 03.14.1985"),  # a date, not a time
        ("a week thursday", "a week from thursday"),
        ("can we pre-pone it", "can we bring forward it"),
        ("wed like to book", "wed like to book"),  # "we'd" typed without the apostrophe
        ("munday", "munday"),  # a surname, not a misspelt Monday
        ("i work mondays", "i work mondays"),
    ],
)
def test_day_words_respelled(said: str, expected: str) -> None:
    assert normalize(said) == expected


MONDAY = NOW.replace(day=7)  # Monday December 7th 2026, 10 AM


@pytest.mark.parametrize(
    ("said", "now", "day", "at"),
    [
        ("wednesday week at 11", NOW, date(2026, 12, 9), time(11)),
        ("a week on friday, half 10", NOW, date(2026, 12, 11), time(10, 30)),
        ("monday week", NOW, date(2026, 12, 14), None),
        ("a week from thursday", MONDAY, date(2026, 12, 17), None),
        ("3 weeks today", NOW, date(2026, 12, 22), None),
        ("a week tomorrow at noon", NOW, date(2026, 12, 9), time(12)),
        ("this time next week", NOW, date(2026, 12, 8), time(10)),
        (
            "this time tomorrow",
            NOW.replace(hour=14, minute=20),
            date(2026, 12, 2),
            time(14, 30),
        ),  # half hours
        ("thurs half 3", NOW, date(2026, 12, 3), time(15, 30)),  # a clinic's "half 3" is the afternoon
        ("half 9 tomoz", NOW, date(2026, 12, 2), time(9, 30)),
        ("quarter past 2 on fri", NOW, date(2026, 12, 4), time(14, 15)),
        ("quarter to 10 wensday", NOW, date(2026, 12, 2), time(9, 45)),
    ],
)
def test_when_words(said: str, now: datetime, day: date, at: time | None) -> None:
    when = find_when(normalize(said), now)
    assert (when.start, when.at) == (day, at)


@pytest.mark.parametrize(
    ("said", "edge", "day"),
    [
        ("first thing friday", "first", date(2026, 12, 4)),
        ("the earliest slot you've got on monday", "first", date(2026, 12, 7)),
        ("as early as possible tomorrow", "first", date(2026, 12, 2)),
        ("the first appointment in the morning on thursday", "first", date(2026, 12, 3)),
        ("the last appointment of the day on thursday", "last", date(2026, 12, 3)),
        ("as late as you can on wednesday", "last", date(2026, 12, 2)),
        ("the latest he has tomorrow", "last", date(2026, 12, 2)),
        ("friday, last thing", "last", date(2026, 12, 4)),
        ("the first available tomorrow", "first", date(2026, 12, 2)),
        ("next opening on thursday", "first", date(2026, 12, 3)),
        ("the first appointment on monday", "first", date(2026, 12, 7)),
        ("the very last slot on thursday", "last", date(2026, 12, 3)),
        ("end of day friday", "last", date(2026, 12, 4)),
        ("first thing on the 15th", "first", date(2026, 12, 15)),
    ],
)
def test_edge_of_a_day(said: str, edge: str, day: date) -> None:
    when = find_when(normalize(said), NOW)
    assert (when.edge, when.start, when.at) == (edge, day, None)


def test_not_an_edge_of_a_day() -> None:
    assert edge_of_day(normalize("the first one")) == (None, None)  # a pick from a list
    assert edge_of_day(normalize("the earliest day you have")) == (None, None)
    assert edge_of_day(normalize("can you cancel my first appointment")) == (None, None)
    assert find_when(normalize("first thing tomorrow at 11"), NOW).edge is None  # the time said wins


@pytest.mark.parametrize(
    ("said", "at", "fallback"),
    [
        ("10:15 on friday, or failing that 10:30", time(10, 15), time(10, 30)),
        ("2:45 tomorrow, otherwise 3 works", time(14, 45), time(15)),
        ("at 11, if not then 11:30", time(11), time(11, 30)),
        ("quarter past 9. if that's taken then half 9", time(9, 15), time(9, 30)),
        ("at 4 or 4:30", time(16), time(16, 30)),
        ("11:15 tomorrow, but 11:30 would do", time(11, 15), time(11, 30)),
        ("at 3 if not possible then 4", time(15), time(16)),
        ("at 3 but not with dr chen", time(15), None),
    ],
)
def test_fallback_time(said: str, at: time, fallback: time | None) -> None:
    when = find_when(normalize(said), NOW)
    assert (when.at, when.fallback) == (at, fallback)
    assert when.fallback_day is None


@pytest.mark.parametrize(
    ("said", "at", "other_day", "other_time"),
    [
        ("at 4 tomorrow or friday at 3", time(16), 4, time(15)),
        ("tuesday at 11 or wednesday at 11", time(11), 2, time(11)),
        ("dr chen monday at 2:30, or else thursday", time(14, 30), 3, None),  # that day, the same time
    ],
)
def test_another_day_as_the_fallback(said: str, at: time, other_day: int, other_time: time | None) -> None:
    when = find_when(normalize(said), NOW)
    assert when.at == at and when.fallback == other_time
    assert when.fallback_day is not None and when.fallback_day.weekday() == other_day


@pytest.mark.parametrize(
    ("said", "listed"),
    [
        ("is 10 or 10:30 free on friday", [time(10), time(10, 30)]),
        ("thursday at two two thirty or three whichever", [time(14), time(14, 30), time(15)]),
        ("friday, 9, 10 or 11 are all fine", [time(9), time(10), time(11)]),
        ("friday between 10 and 12", []),
        ("friday at 10, in 2 or 3 weeks", []),
    ],
)
def test_several_times_named(said: str, listed: list[time]) -> None:
    assert find_when(normalize(said), NOW).options == listed


@pytest.mark.parametrize(
    ("said", "day", "at"),
    [
        ("thursday at 2, no wait, make it friday", date(2026, 12, 4), time(14)),
        ("monday, scratch that, tuesday next week at 9", date(2026, 12, 8), time(9)),
        ("friday's busy for me, monday then", date(2026, 12, 7), None),
        ("thursday doesn't work, wednesday is better", date(2026, 12, 2), None),
        ("at 3 tomorrow, sorry, i meant 4", date(2026, 12, 2), time(16)),
        ("not thursday, friday", date(2026, 12, 4), None),
        ("wednesday... on second thoughts thursday", date(2026, 12, 3), None),
        ("wednesday. hmm, no. thursday.", date(2026, 12, 3), None),
        ("friday, not thursday", date(2026, 12, 4), None),
        ("i'd rather not come on monday, tuesday works", date(2026, 12, 8), None),
        ("i won't be in on thursday so friday at 10 please", date(2026, 12, 4), time(10)),
        ("i can't make my monday appointment", date(2026, 12, 7), None),  # the day of the one to change
    ],
)
def test_change_of_mind(said: str, day: date, at: time | None) -> None:
    when = find_when(normalize(said), NOW)
    assert (when.start, when.at) == (day, at)


@pytest.mark.parametrize(
    ("said", "booking"),
    [
        ("book dr patel wednesday at 9, no wait, make that thursday", True),
        ("book an appointment with dr chen friday, actually change that to monday", True),
        ("i'm calling about lucas's vaccination appointment. can we change it to wednesday instead?", False),
        ("i won't make my physical on thursday. could we do friday at 11 instead?", False),
        ("move my appointment to thursday, no wait, friday", False),
    ],
)
def test_a_change_of_mind_in_a_booking_is_no_move(said: str, booking: bool) -> None:
    assert only_a_change_of_mind(normalize(said)) is booking


@pytest.mark.parametrize(
    ("said", "shift"),
    [
        ("can you push it two hours later", (0, 120)),
        ("bring it forward by an hour", (0, -60)),
        ("half an hour earlier please", (0, -30)),
        ("3 days later", (3, 0)),
        ("move it out a week", (7, 0)),
        ("back just one week", (7, 0)),
        ("the following day, same time", (1, 0)),
        ("the day before, if possible", (-1, 0)),
        ("a day earlier", (-1, 0)),
        ("an hour and a half later", (0, 90)),
        ("push it by 2 hours", (0, 120)),
        ("push it out a fortnight", (14, 0)),
        ("move it to next day", (1, 0)),
        ("bring forward my appointment by one day", (-1, 0)),
        ("the same day but at 4", (0, 0)),
        ("later that day", (0, 0)),
        ("the day after tomorrow", None),  # a day, not a move
        ("in a week", None),  # from today, not from the appointment
        ("next week", None),
    ],
)
def test_moves_relative_to_the_appointment(said: str, shift: tuple[int, int] | None) -> None:
    assert shift_of(normalize(said)) == shift


def _slot(day: int, hour: int, minute: int = 0, provider: str = PATEL) -> Slot:
    start = at(day, hour, minute)
    return Slot(id=f"{provider}-{day}-{hour}{minute:02d}", provider_id=provider, provider_name="Dr. X",
                start=start, end=start + timedelta(minutes=30))  # fmt: skip


def test_choose_the_edge_and_the_fallback() -> None:
    slots = [_slot(3, 11), _slot(3, 9, 30), _slot(3, 16), _slot(3, 15, 30)]
    thursday = date(2026, 12, 3)
    first = choose(slots, When(thursday, thursday, edge="first"), NOW, skip_day=None, declined=set())
    assert first.exact is not None and first.exact.start == at(3, 9, 30)
    last = choose(slots, When(thursday, thursday, edge="last"), NOW, skip_day=None, declined=set())
    assert last.exact is not None and last.exact.start == at(3, 16)
    declined = choose(
        slots, When(thursday, thursday, edge="first"), NOW, skip_day=None, declined={slots[1].id}
    )
    assert declined.exact is not None and declined.exact.start == at(3, 11)
    fallback = When(thursday, thursday, at=time(10, 45), fallback=time(11))
    assert (taken := choose(slots, fallback, NOW, skip_day=None, declined=set()).exact) is not None
    assert taken.start == at(3, 11)
    neither = When(thursday, thursday, at=time(10, 45), fallback=time(12))
    offer = choose(slots, neither, NOW, skip_day=None, declined=set())
    assert offer.exact is None and "isn't available" in offer.lead  # offered the nearest, not guessed


def test_wanted_keeps_edge_and_fallback_across_turns() -> None:
    friday = date(2026, 12, 4)
    first = wanted.merge(None, When(friday, friday, edge="first"))
    assert wanted.load(wanted.dump(first)) == When(friday, friday, edge="first")
    monday = wanted.merge(first, When(date(2026, 12, 7), date(2026, 12, 7)))  # "actually monday"
    assert (monday.start, monday.edge) == (date(2026, 12, 7), "first")
    timed = wanted.merge(monday, When(at=time(11), fallback=time(11, 30)))  # "at 11, else 11:30"
    assert (timed.edge, timed.at, timed.fallback) == (None, time(11), time(11, 30))
    assert wanted.load(wanted.dump(timed)) == timed
    afternoon = wanted.merge(timed, When(part="afternoon"))
    assert (afternoon.at, afternoon.fallback, afternoon.edge) == (None, None, None)


# ---------------------------------------------------------------------------- whole conversations


@dataclass
class Case:
    turns: list[str]
    person: str
    booked: set[tuple[str, datetime]]
    said: list[str] = field(default_factory=list)
    not_said: list[str] = field(default_factory=list)


OLIVIA, EMILY, JAMES = "Olivia Martinez, May 9 1998", "Emily Davis, July 23 1990", "James Wilson, 1/30/1965"

CASES: dict[str, Case] = {
    # ---- the edge of a day: the first (last) free time that day, proposed
    "first thing thursday": Case(
        ["Could Dr. Patel see me first thing Thursday?", OLIVIA, "yes"], "p-1005", {(PATEL, at(3, 9))},
        said=["Thursday, December 3rd at 9 AM. Shall I go ahead?"]),
    "the earliest dr rodriguez has on wednesday (speech)": Case(
        ["whats the earliest dr rodriguez has on wednesday", "olivia martinez may ninth nineteen ninety eight",
         "yeah go ahead"], "p-1005", {(RODRIGUEZ, at(2, 9))}),
    "the last appointment of the day": Case(
        ["I'd like the last appointment of the day on Monday with Dr. Chen.", OLIVIA, "Perfect."],
        "p-1005", {(CHEN, at(7, 16, 30))}, said=["Monday, December 7th at 4:30 PM. Shall I go ahead?"]),
    "the first available on thursday": Case(
        ["What's the first available with Dr. Chen on Thursday?", OLIVIA, "Yes."], "p-1005", {(CHEN, at(3, 9))}),
    "as late as possible tomorrow": Case(
        ["dr patel tomorrow, as late as possible please", OLIVIA, "ok"], "p-1005", {(PATEL, at(2, 16, 30))}),
    # ---- British relative days and clock times
    "wednesday week at half 11": Case(
        ["Can I book Dr Chen for Wednesday week, half 11?", OLIVIA, "Lovely."], "p-1005", {(CHEN, at(9, 11, 30))},
        said=["Wednesday, December 9th at 11:30 AM"]),
    "a week on monday, half two (speech)": Case(
        ["can i see doctor patel a week on monday at half two", "olivia martinez may ninth nineteen ninety eight",
         "yes please"], "p-1005", {(PATEL, at(14, 14, 30))}),
    "friday fortnight at twenty past ten: the nearest offered": Case(
        ["Dr Patel, Friday fortnight at twenty past ten?", OLIVIA, "10:30 please", "yes"], "p-1005",
        {(PATEL, at(18, 10, 30))}, said=["Friday, December 18th at 10:20 AM isn't available"]),
    "twenty to eleven, else 11": Case(
        ["Book Dr. Chen Friday at twenty to eleven, else 11 is fine", OLIVIA, "yes"], "p-1005", {(CHEN, at(4, 11))}),
    "a change of mind in speech": Case(
        ["i need to see doctor chen wednesday at half three no wait thursday",
         "olivia martinez may ninth nineteen ninety eight", "yes"], "p-1005", {(CHEN, at(3, 15, 30))}),
    "a week from friday, last thing": Case(
        ["Dr Chen a week from Friday, last thing", OLIVIA, "yes"], "p-1005", {(CHEN, at(11, 16, 30))}),
    "this time next week": Case(
        ["Does Dr. Rodriguez have this time next week?", OLIVIA, "Yes."], "p-1005", {(RODRIGUEZ, at(8, 10))},
        said=["Tuesday, December 8th at 10 AM"]),
    "a quarter past the hour, not a slot: asked": Case(
        ["Dr Chen on Friday at quarter past 11?", OLIVIA], "p-1005", set(),
        said=["11:15 AM isn't available", "Which would you like?"]),
    # ---- typed short forms and typos
    "tomoz at 9:30": Case(["dr patel tomoz at 9:30", OLIVIA, "yes"], "p-1005", {(PATEL, at(2, 9, 30))}),
    "thurs 11am": Case(["need appt w dr chen thurs 11am", OLIVIA, "yep"], "p-1005", {(CHEN, at(3, 11))}),
    "wensday at 2": Case(["Could I come in wensday at 2 with Dr Rodriguez?", OLIVIA, "Sure."], "p-1005",
                         {(RODRIGUEZ, at(2, 14))}),
    # ---- a fallback time: taken when the first is not free, never a guess beyond it
    "10:15 or failing that 10:30": Case(
        ["Any chance of Dr Chen at 10:15 on Friday, or failing that 10:30?", OLIVIA, "Great, yes."],
        "p-1005", {(CHEN, at(4, 10, 30))}, said=["Friday, December 4th at 10:30 AM. Shall I go ahead?"]),
    "the first time free, the fallback not needed": Case(
        ["Dr Patel tomorrow at 11, otherwise 11:30 is ok", OLIVIA, "yes"], "p-1005", {(PATEL, at(2, 11))}),
    # ---- a change of mind, in the same turn or the next
    "thursday, no wait, friday": Case(
        ["Book me with Dr Chen Thursday at 2 - no wait, make it Friday.", OLIVIA, "Yes."], "p-1005",
        {(CHEN, at(4, 14))}, said=["Friday, December 4th at 2 PM"]),
    "a day turned down at the proposal": Case(
        ["Dr Patel on Monday at 11 please", OLIVIA, "oh hang on, Monday's no good, Tuesday instead", "yes"],
        "p-1005", {(PATEL, at(8, 11))}, said=["Tuesday, December 8th at 11 AM"]),
    "make that thursday, in the first breath": Case(
        ["book dr patel wednesday at 9, no wait, make that thursday", OLIVIA, "yes"], "p-1005", {(PATEL, at(3, 9))}),
    "change that to thursday, a sentence later": Case(
        ["I'd like to see Dr Chen on Wednesday. Actually, change that to Thursday at 11.", OLIVIA, "yes"],
        "p-1005", {(CHEN, at(3, 11))}),
    "the last slot of the day after an offer": Case(
        ["Dr Chen tomorrow please", OLIVIA, "hmm, actually make it the last slot of the day", "yes"], "p-1005",
        {(CHEN, at(2, 16, 30))}),
    "the day after the proposed one": Case(
        ["Dr Chen tomorrow at 11", OLIVIA, "no wait, the day after instead", "yes"], "p-1005", {(CHEN, at(3, 11))},
        said=["Thursday, December 3rd at 11 AM. Shall I go ahead?"]),
    "an hour later than proposed": Case(
        ["Dr Patel on Friday at 10", OLIVIA, "could we make it an hour later?", "yes"], "p-1005",
        {(PATEL, at(4, 11))}),
    "tuesday week, the earliest": Case(
        ["Could I have Dr Patel's earliest on Tuesday week?", OLIVIA, "yes"], "p-1005", {(PATEL, at(15, 9))}),
    "speech: half three tomorrow": Case(
        ["can i see doctor chen half three tomorrow", "olivia martinez may ninth nineteen ninety eight", "yes"],
        "p-1005", {(CHEN, at(2, 15, 30))}),
    "speech: twenty past two, or else half two": Case(
        ["can doctor rodriguez see me at twenty past two on friday or else half two",
         "olivia martinez may ninth nineteen ninety eight", "yes"], "p-1005", {(RODRIGUEZ, at(4, 14, 30))}),
    # ---- moves relative to the appointment (Emily: Thursday 10 AM, James: Friday 2:30 PM)
    "two hours later": Case(
        ["I need to push my appointment back two hours", EMILY, "yes"], "p-1003", {(PATEL, at(3, 12))},
        said=["to Thursday, December 3rd at 12 PM"]),
    "the day after, same time": Case(
        [EMILY, "could you move my appointment to the day after, same time?", "yes"], "p-1003",
        {(PATEL, at(4, 10))}),
    "bring it forward a day": Case(
        ["can i bring my appointment forward a day", EMILY, "yes"], "p-1003", {(PATEL, at(2, 10))}),
    "out a week": Case(["Please move my appointment out a week.", JAMES, "Yes."], "p-1004", {(CHEN, at(11, 14, 30))}),
    "same day, at 4": Case(
        [f"{JAMES}. Can my Friday appointment be later the same day, 4pm?", "yes"], "p-1004", {(CHEN, at(4, 16))}),
    "from friday to monday at 11": Case(
        ["shift my appt from fri to mon at 11", JAMES, "yes"], "p-1004", {(CHEN, at(7, 11))}),
    "push it to the next day": Case(
        ["I need to push my appointment to the next day", EMILY, "yes"], "p-1003", {(PATEL, at(4, 10))},
        said=["to Friday, December 4th at 10 AM"]),
    "the next day at 3": Case(
        [EMILY, "can I move my appointment to the following day at 3?", "yes"], "p-1003", {(PATEL, at(4, 15))}),
    "can't make thursday's physical, friday instead": Case(
        ["I won't make my physical on Thursday. Could we do Friday at 11 instead? Emily Davis, July 23 1990", "yes"],
        "p-1003", {(PATEL, at(4, 11))}),
    "the same time next week is the appointment's time": Case(
        ["can you move my appointment to the same time next week", JAMES, "yes"], "p-1004", {(CHEN, at(11, 14, 30))}),
    "the same day but at 4": Case([JAMES, "can we do the same day but at 4 instead", "yes"], "p-1004",
                                  {(CHEN, at(4, 16))}),
    "an hour earlier, typed short": Case(["move my thurs appt an hour earlier", EMILY, "yes"], "p-1003",
                                         {(PATEL, at(3, 9))}),
    "back by 30 mins": Case(["push my appointment back by 30 mins", JAMES, "yes"], "p-1004", {(CHEN, at(4, 15))}),
    # ---- prepone (Indian English): bring earlier
    "prepone by one day": Case([JAMES, "please prepone my appointment by one day", "yes"], "p-1004",
                               {(CHEN, at(3, 14, 30))}),
    "prepone to tomorrow": Case(
        [f"{EMILY}. I want to prepone my appointment to tomorrow at 9.", "Yes."], "p-1003", {(PATEL, at(2, 9))}),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_conversation(case: Case, chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(chat, case.turns, None)
    assert await booked(demo, case.person) == case.booked, transcript
    for phrase in case.said:
        assert phrase in transcript, transcript
    for phrase in case.not_said:
        assert phrase not in transcript, transcript
