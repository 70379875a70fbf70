"""The read-back on a bad line (voice set, session 23): the answer to "Shall I go ahead?" lost
twice in a row, often the caller's date of birth said again and misheard ("September 13, 1975"),
gets the whole read-back again both times, so the next yes books what was read back; a day or time
in the lost words still asks again instead."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; James Wilson sees Dr Chen on Friday 4th at 2:30 PM
DAVID = "+15035550106"
JAMES = "+15035550104"

TWICE_LOST = [
    (["I'd like an appointment with Dr. Patel on Monday the 7th at 9 AM.", "David Anderson, born September 17, 1958",
      "Game will come long, can you have it over.", "They will end of a month, September 13, 1975.", "Yes, go ahead."],
     "p-1006", {(PATEL, at(7, 9))}, DAVID),
    (["I need to move my appointment to Wednesday the 9th at 11 AM.", "James Wilson, January 30th, 1965",
      "James Wilson, born and married for the 1965.", "Hm, the line is a bit, uh, what was that?", "Yes please."],
     "p-1004", {(CHEN, at(9, 11))}, JAMES),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), TWICE_LOST)
async def test_the_whole_read_back_again_after_lost_answers(
    turns: list[str], person: str, after: set[object], phone: str, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_time_in_the_lost_words_is_read_back_as_a_change(chat: Chat, demo: DemoConnector) -> None:
    turns = ["I'd like an appointment with Dr. Patel on Monday the 7th at 9 AM.", "David Anderson, born September 17, 1958",
             "mumble mumble at 3 then", "Yes."]  # fmt: skip
    _, transcript = await converse(chat, turns, DAVID)
    # the time heard is read back as the change it is, and only that is booked on yes
    assert await booked(demo, "p-1006") == {(PATEL, at(7, 15))}, transcript
