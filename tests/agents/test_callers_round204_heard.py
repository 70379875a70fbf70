"""Speech-recogniser errors of held-out set #204, in other names, dates and wordings than the set: a
digit of a spoken birth year written as its homophone ("two thousand and won", "nineteen sixty
ate"), words run together ("dateofbirth", "twentyfirst", "sixtyone"), and "mourning" for "morning"
after a bare hour ("eleven in the mourning")."""

from __future__ import annotations

import pytest

from agents.offline.numbers import normalize
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00
MARIA = "+15035550112"

A_YEAR_HEARD_AS_HOMOPHONES = [
    (["hi sophia taylor born december fifth two thousand and won", "doctor chen wednesday the ninth at two pm",
      "yes"], "p-1007", {(CHEN, at(9, 14))}, None),
    (["joshua lewis date of birth september first two thousand for",
      "could i see doctor patel monday the seventh at eleven", "yes"], "p-1018", {(PATEL, at(7, 11))}, None),
    (["this is harper young august twentieth nineteen sixty ate", "book doctor chen thursday the tenth at three",
      "yes"], "p-1021", {(CHEN, at(10, 15))}, "+15035550121"),
    (["nathan allen june sixteenth nineteen eighty for and i need doctor patel wednesday the ninth at ten",
      "yes"], "p-1022", {(PATEL, at(9, 10))}, None),
    (["maria garcia october nineteenth nineteen eighty two, my son lucas garcia april eighth twenty fifteen",
      "book lucas with doctor rodriguez thursday the tenth at four", "yes"], "p-1013",
     {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(10, 16))}, MARIA),
]  # fmt: skip

WORDS_RUN_TOGETHER = [
    (["andrewharris here dateofbirth march sixth nineteen sixtyone",
      "i wantto book with doctor chen on wednesday december ninth at nine am", "yes"], "p-1016",
     {(CHEN, at(9, 9))}, "+15035550116"),
    (["ryan walker dateofbirth december twelfth nineteen ninetytwo", "doctor patel friday the fourth at two pm",
      "yes"], "p-1020", {(PATEL, at(4, 14))}, None),
    (["mia white january twentyfifth nineteen ninetysix", "doctor rodriguez monday the seventh at three thirty",
      "yes"], "p-1015", {(RODRIGUEZ, at(7, 15, 30))}, None),
]  # fmt: skip

A_BARE_HOUR_IN_THE_MOURNING = [
    (["christopher lee july fourth nineteen seventy five",
      "book me with doctor patel wednesday december ninth eleven in the mourning", "yes"], "p-1014",
     {(PATEL, at(9, 11))}, None),
    (["isabella jackson february third nineteen eighty seven", "doctor chen thursday nine in the mourning please",
      "yes"], "p-1011", {(CHEN, at(3, 9))}, None),
    (["charlotte clark november fifteenth nineteen eighty nine",
      "can i get doctor rodriguez monday the seventh ten thirty in the mourning", "yes"], "p-1017",
     {(RODRIGUEZ, at(7, 10, 30))}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "person", "after", "phone"),
    [*A_YEAR_HEARD_AS_HOMOPHONES, *WORDS_RUN_TOGETHER, *A_BARE_HOUR_IN_THE_MOURNING],
)
async def test_what_a_recogniser_wrote_is_booked_as_said(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    "first",
    [
        # a homophone read as the digit still has to be the year on record: 2008 is not Joshua's 2004
        "joshua lewis date of birth september first two thousand and ate",
        # ... nor 1969 Harper's 1968
        "harper young august twentieth nineteen sixty nine",
    ],
)
async def test_a_year_heard_otherwise_than_on_record_books_nothing(
    first: str, chat: Chat, demo: DemoConnector
) -> None:
    person = "p-1018" if "joshua" in first else "p-1021"
    _, transcript = await converse(chat, [first, "doctor chen wednesday the ninth at two pm", "yes"], None)
    assert await booked(demo, person) == set(), transcript


@pytest.mark.parametrize(
    ("said", "read"),
    [
        # a homophone is a digit only inside a spoken number or date, never an ordinary word
        ("i paid two thousand for it", "i paid 2000 for it"),
        ("two thousand for the roof", "2000 for the roof"),
        ("born july fourth two thousand and to. i need a visit", "born july 4th 2002. i need a visit"),
        ("may third nineteen oh ate", "may 3rd 1908"),
        ("november twentysecond at ten", "november 22nd at 10"),
        # grief stays grief
        ("we are in mourning", "we are in mourning"),
        ("she is mourning her mother", "she is mourning her mother"),
        ("tomorrow mourning", "tomorrow morning"),
    ],
)
def test_homophones_and_run_together_words_are_read_only_as_numbers_where_numbers_are(
    said: str, read: str
) -> None:
    assert normalize(said) == read
