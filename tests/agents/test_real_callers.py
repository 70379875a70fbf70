"""How real callers introduce themselves and answer (held-out set #5's failure families), with other
names, dates and wordings than that set: the name on the records beside a nickname, surname first,
a name set off by a dash, dotted and year-first dates, a numeric date explained in words, greetings
and yeses in other languages, "Dra." for a doctor, "check whether I'm booked", a doctor turned down."""

from __future__ import annotations

from datetime import date

import pytest

from agents.offline.birthdates import find_dob
from agents.offline.choices import find_provider
from agents.offline.intents import Intent, intents, task_of
from agents.offline.introductions import explained_dob, name_by_dob, record_name, without_nicknames
from agents.offline.names import find_name
from agents.offline.numbers import normalize
from agents.offline.refusals import without_refusals
from agents.policy import classify_confirmation
from connectors.base import Provider
from tests.agents.conftest import TODAY
from tests.agents.test_phrasings import converse


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("hey it's chris - christopher lee on your system - can i book", ("Christopher", "Lee")),
        ("bella here, registered as isabella jackson", ("Isabella", "Jackson")),
        ("i go by nate, full name nathan allen", ("Nathan", "Allen")),
        ("everyone calls me josh but it's under the name joshua lewis", ("Joshua", "Lewis")),
        ("this is andy, andrew harris in your records", ("Andrew", "Harris")),
        ("bella (isabella jackson on file)", ("Isabella", "Jackson")),
        ("i go by chris but the system has christopher lee", ("Christopher", "Lee")),
        ("my legal name is amelia robinson", ("Amelia", "Robinson")),
    ],
)
def test_the_name_on_the_records_beside_the_one_they_go_by(said: str, name: tuple[str, str]) -> None:
    assert record_name(normalize(said)) == name


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("harper young here, but friends call me harp", ("Harper", "Young")),
        ("this is nathan allen, though most people know me as nate", ("Nathan", "Allen")),
    ],
)
def test_a_nickname_after_the_name_is_not_the_name(said: str, name: tuple[str, str]) -> None:
    assert find_name(without_nicknames(normalize(said))) == name


@pytest.mark.parametrize(
    ("before", "name"),
    [
        ("when is my next visit? lee, christopher - ", ("Christopher", "Lee")),
        ("walker, ryan: ", ("Ryan", "Walker")),
        ("i'd like to cancel. surname first: clark, charlotte ", ("Charlotte", "Clark")),
        ("harper young – dob ", ("Harper", "Young")),
        ("nathan allen - born ", ("Nathan", "Allen")),
    ],
)
def test_a_name_beside_the_date_of_birth(before: str, name: tuple[str, str]) -> None:
    assert name_by_dob(normalize(before), "") == name


@pytest.mark.parametrize("before", ["thanks, ok - ", "yes, please - born ", "hello, hi - "])
def test_words_beside_the_date_that_are_no_name(before: str) -> None:
    assert name_by_dob(normalize(before), "") is None


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("dob 27.05.1977", date(1977, 5, 27)),
        ("born 20-08-1968", date(1968, 8, 20)),
        ("1984.06.16", date(1984, 6, 16)),
        ("born 2004/09/01", date(2004, 9, 1)),
        ("31.10.1994 is my birthday", date(1994, 10, 31)),
    ],
)
def test_dotted_dashed_and_year_first_dates_of_birth(said: str, born: date) -> None:
    assert find_dob(normalize(said), TODAY)[0] == born


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("04/07/1975 - that is the 4th of july", date(1975, 7, 4)),
        ("11/02/1972 (2nd november)", date(1972, 11, 2)),
        ("05/09/1998, i.e. 5 september", date(1998, 9, 5)),
        ("03/02/1987 - february 3rd", date(1987, 2, 3)),
        ("09/05/1998 meaning may 9th", date(1998, 5, 9)),
    ],
)
def test_a_numeric_date_explained_in_words(said: str, born: date) -> None:
    text = normalize(said)
    found, span = find_dob(text, TODAY)
    assert found is not None and span is not None
    explained = explained_dob(text, found, span)
    assert explained is not None and explained[0] == born


@pytest.mark.parametrize(
    "said",
    [
        "06/03/1961, can i come on the 9th of march",  # other numbers: a day to book
        "06/03/1961 - march 6th at 4pm please",  # a day and time to book
        "06/03/1961. book me in please",
    ],
)
def test_no_explanation(said: str) -> None:
    text = normalize(said)
    found, span = find_dob(text, TODAY)
    assert found is not None and span is not None
    assert explained_dob(text, found, span) is None


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("bonjour, marie dupont ici. je voudrais un rendez-vous", None),
        ("buenas tardes, soy ana lopez", ("Ana", "Lopez")),
        ("hola buenos días, aquí maria garcia speaking", ("Maria", "Garcia")),
        ("namaste, this is priya sharma", ("Priya", "Sharma")),
        ("guten tag, jürgen müller here", ("Jürgen", "Müller")),
    ],
)
def test_greetings_in_other_languages_are_no_name(said: str, name: tuple[str, str] | None) -> None:
    found = find_name(normalize(said))
    if name is None:
        assert found is None or "Bonjour" not in found
    else:
        assert found == name


def test_a_doctor_title_in_other_languages() -> None:
    providers = [
        Provider(id="dr-patel", name="Dr. Priya Patel", specialty="Family Medicine"),
        Provider(id="dr-chen", name="Dr. Marcus Chen", specialty="Internal Medicine"),
    ]
    for said in ["con la Dra. Chen", "with doctora chen please", "docteur Chen si possible"]:
        provider = find_provider(normalize(said), providers)
        assert provider is not None and provider.id == "dr-chen", said


@pytest.mark.parametrize(
    "said", ["Sí, gracias", "oui, d'accord, merci", "claro que sí", "Ja, danke schön", "vale, perfecto",
             "SÍ", "yes por favor", "sim, obrigada", "haan ji, theek hai"],
)  # fmt: skip
def test_yes_in_other_languages(said: str) -> None:
    assert classify_confirmation(said) == "yes"


@pytest.mark.parametrize("said", ["no, gracias", "sí, pero el jueves", "sí, at 3 instead", "non merci"])
def test_not_a_yes_in_other_languages(said: str) -> None:
    assert classify_confirmation(said) != "yes"


@pytest.mark.parametrize(
    "said",
    [
        "could you see if I'm scheduled for anything",
        "can you check whether we have anything booked",
        "just want to know if she's booked in",
        "look up whether I have an appointment coming up",
    ],
)
def test_asking_whether_booked(said: str) -> None:
    assert task_of(intents(normalize(said))) == Intent.LIST


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("any doctor, just not the children's doctor", "any doctor"),
        ("i'd rather not see dr chen", None),
        ("anyone but the heart specialist", None),
        ("not tuesday with dr patel", "dr patel"),
        ("not tuesday dr patel", "dr patel"),
    ],
)
def test_a_doctor_turned_down_names_no_one(said: str, kept: str | None) -> None:
    left = without_refusals(normalize(said))
    for word in ("children", "chen", "heart"):
        assert word not in left
    if kept is not None:
        assert kept in left


async def test_the_name_on_the_records_and_a_dotted_date_verify(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Hiya, Chris - Christopher Lee in your system - DOB 04.07.1975. Have I got anything coming up?"],
        None,
    )
    assert "couldn't verify" not in transcript and "first and last name" not in transcript, transcript


async def test_surname_first_after_the_request_keeps_the_request(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat, ["Can you see whether I'm booked in at all? Wilson, James: 30.01.1965"], None
    )
    assert "couldn't verify" not in transcript and "How can I help" not in transcript, transcript
    assert "Dr. Marcus Chen" in transcript, transcript  # James's appointment


async def test_a_numeric_date_explained_in_words_verifies_and_books_that_day(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Buenas tardes. Christopher Lee, 04/07/1975 - the 4th of July. Could I see Dra. Patel on Friday "
         "at 11?", "Sí, claro"],
        None,
    )  # fmt: skip
    assert "couldn't verify" not in transcript, transcript
    assert "July" not in transcript.split("\n", 2)[-1], transcript  # not a visit on July 4th
    assert "You're booked with Dr. Priya Patel" in transcript, transcript


async def test_a_kind_of_doctor_turned_down_is_not_booked(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Nathan Allen - born 16.06.1984. Whoever is free Friday at 9, not the children's doctor though"],
        None,
    )
    assert "couldn't verify" not in transcript, transcript
    assert "Rodriguez" not in transcript, transcript


async def test_a_doctor_turned_down_is_left_out_of_the_search(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        ["Could I book whoever is free Thursday at 9am - anyone but Dr Chen. Harper Young – 20/08/1968"],
        None,
    )
    assert "couldn't verify" not in transcript, transcript
    assert "Chen" not in transcript.split("\n", 1)[1], transcript


async def test_the_file_says_another_name(chat, demo) -> None:  # type: ignore[no-untyped-def]
    _, transcript = await converse(
        chat,
        [
            "Evening! I'm Liv, though the file says Olivia Martinez, born May 9 1998. Do I have anything booked?"
        ],
        None,
    )
    assert "couldn't verify" not in transcript, transcript
