"""Held-out set #14's failure families (phone callers as Whisper writes them, other accents), in
other names, dates and wordings than that set: a doctor's surname heard as two words ("Dr. Pay
tell", sent to billing for its "pay") and a misheard surname in a move or a cancellation ("doctor
chin", "Dr. Rodriquez": "I don't see that appointment", then a second question)."""

from __future__ import annotations

import pytest

from agents.offline.choices import find_provider
from agents.offline.numbers import normalize
from connectors.base import Provider
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

PROVIDERS = [
    Provider(id=PATEL, name="Dr. Priya Patel"),
    Provider(id=CHEN, name="Dr. Marcus Chen"),
    Provider(id=RODRIGUEZ, name="Dr. Elena Rodriguez"),
]


@pytest.mark.parametrize(
    ("said", "doctor"),
    [
        ("could I see doctor pat tell on monday", PATEL),
        ("with Dr. Pay tel please", PATEL),
        ("Dr. Rod riguez on Friday", RODRIGUEZ),
        ("dr chen on monday", CHEN),
    ],
)
def test_a_surname_heard_as_two_words(said: str, doctor: str) -> None:
    found = find_provider(normalize(said), PROVIDERS)
    assert found is not None and found.id == doctor


@pytest.mark.parametrize("said", ["Dr. Smith on Monday", "doctor who?"])
def test_no_doctor_is_made_up_from_two_words(said: str) -> None:
    assert find_provider(normalize(said), PROVIDERS) is None


async def test_a_doctor_heard_as_pay_tell_is_booked_not_billing(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        ["okay um this is Sarah Johnson March 14th 1985 can I see Dr. Pay tell on Friday at 11", "yup"],
        None,
    )
    assert "billing" not in transcript.lower(), transcript
    assert await booked(demo, "p-1001") == {(PATEL, at(4, 11))}, transcript


@pytest.mark.parametrize(
    ("turns", "person", "after"),
    [
        (
            ["okay James Wilson 01/30/1965 could I- can I move my appointment with doctor chin to Monday at 10 a. m.",
             "yeah that's right"],
            "p-1004",
            {(CHEN, at(7, 10))},
        ),
        (
            ["Emily Davis, July 23 1990, I need to cancel my appointment with Dr. Pattel", "yes"],
            "p-1003",
            set(),
        ),
    ],
)  # fmt: skip
async def test_a_misheard_doctor_names_the_appointment(
    turns: list[str], person: str, after: set[tuple[str, object]], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(chat, turns, None)
    assert "I don't see that appointment" not in transcript, transcript
    assert await booked(demo, person) == after, transcript


async def test_no_to_a_proposal_with_a_misheard_request_is_not_the_same_proposal_again(
    chat: Chat, demo: DemoConnector
) -> None:
    # from a phone call: "Doctor Rodriguez" heard as "not to begin", so no doctor was read
    _, transcript = await converse(
        chat,
        [
            "Ryan Walker, December 12 1992. Good morning, I'd like to see not to begin next Wednesday at 4pm.",
            "No, good morning. I'd like to see not terribly again next when they at 4 p.m.",
        ],
        None,
    )
    assert "Shall I go ahead?" not in transcript and "Which doctor would you like to see" in transcript, (
        transcript
    )
    assert await booked(demo, "p-1020") == set(), transcript


async def test_someone_to_see_who_was_not_caught_is_asked_for_not_guessed(
    chat: Chat, demo: DemoConnector
) -> None:
    # from a phone call: "I'd like to see Doctor Rodriguez next Wednesday at 4 PM", the doctor lost
    _, transcript = await converse(
        chat,
        ["Good morning, I'd like to see not to begin next Wednesday at 4pm.", "December 12, 1992", "Yes."],
        "+15035550120",
    )
    assert "didn't catch which doctor" in transcript, transcript
    assert await booked(demo, "p-1020") == set(), transcript


async def test_a_doctor_not_caught_twice_on_the_phone_is_offered_on_the_keypad(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Good morning, I'd like to see not to begin next Wednesday at 4pm.",
        "December 12, 1992",
        "I'd like to see rod to reg next Wednesday at 4 p.m.",
    ]
    talk, transcript = await converse(chat, turns, "+15035550120")
    assert "press 1 for Dr." in transcript.rsplit("\n", 1)[-1], transcript
    keys = transcript.rsplit("\n", 1)[-1]
    rodriguez_key = keys[keys.index("for Dr. Elena Rodriguez") - 2]
    for said in (rodriguez_key, "yes"):
        await talk.say(said)
    assert await booked(demo, "p-1020") == {(RODRIGUEZ, at(9, 16))}, transcript


async def test_a_doctor_not_caught_three_times_goes_to_a_person(chat: Chat, demo: DemoConnector) -> None:
    turns = [
        "Ryan Walker, December 12 1992. I'd like to see not to begin next Wednesday at 4pm.",
        "I'd like to see rod to reg next Wednesday",
        "can I see rot rig next Wednesday",
    ]
    _, transcript = await converse(chat, turns, None)
    assert chat.handoff is not None, transcript
    assert await booked(demo, "p-1020") == set(), transcript
