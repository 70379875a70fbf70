"""A request for a person that says what it is about hands off with that reason, so staff read
'a question about a charge on a bill' rather than only 'asked for a person'."""

from __future__ import annotations

import pytest

from tests.agents.conftest import Chat


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("can I talk to someone about a charge on my bill", "Billing: a question about a charge on a bill"),
        (
            "I want a real person, it's about my lab results",
            "Test results: a question about test or lab results",
        ),
    ],
)
async def test_a_person_asked_for_about_something(said: str, reason: str, chat: Chat) -> None:
    await chat.say(said)
    assert chat.handoff is not None
    assert chat.handoff.reason.startswith(reason)
    assert chat.handoff.summary.startswith(f"Handoff: {reason}")
    assert ".." not in chat.handoff.summary


async def test_a_person_asked_for_about_nothing_in_particular(chat: Chat) -> None:
    await chat.say("can I talk to a person please")
    assert chat.handoff is not None
    assert chat.handoff.reason == "The caller asked to speak to a person."
    assert "a person. " in chat.handoff.summary and ".." not in chat.handoff.summary
