"""Summaries: the deterministic one from a conversation's structured record, and a model-written
one through the real model client against the local OpenAI-compatible server, kept only when it
names nothing the record does not hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from agents.llm.client import ChatClient
from agents.llm.config import ModelClientConfig
from gateway.after_call.model_summary import facts_of, summarize, unsupported_claims
from gateway.after_call.record import Action, CallRecord, TakenMessage, VerifiedPerson
from gateway.after_call.summary import deterministic_summary
from tests.fakes.openai_server import Fail, FakeOpenAIServer, Say

BOOKED = {
    "id": "appt-77",
    "person_id": "p-1017",
    "provider_id": "dr-chen",
    "provider_name": "Dr. Marcus Chen",
    "start": "2026-12-09T14:00:00-08:00",
    "end": "2026-12-09T14:30:00-08:00",
    "status": "booked",
}


def booked_call() -> CallRecord:
    return CallRecord(
        conversation_id="c1",
        channel="voice",
        caller_phone="+15035550117",
        started_at=datetime(2026, 12, 5, 17, 14, tzinfo=UTC),
        ended_at=datetime(2026, 12, 5, 17, 18, tzinfo=UTC),
        timezone="America/Los_Angeles",
        verified=VerifiedPerson("p-1017", "Charlotte", "Clark", "+15035550117", None, "name_dob"),
        actions=[
            Action("list_free_slots", True, {"provider_id": "dr-chen"}, {"slots": []}, None),
            Action("book_appointment", True, {"slot_id": "dr-chen:x"}, BOOKED, None),
        ],
        end_reason="caller said goodbye",
    )


def test_deterministic_summary_says_who_what_and_what_was_done() -> None:
    text = deterministic_summary(booked_call())
    assert text.splitlines() == [
        "Phone call on Saturday, December 5th at 9:14 AM from +15035550117.",
        "Caller: Charlotte Clark, identity verified.",
        "Asked about: an appointment.",
        "Done: booked an appointment with Dr. Marcus Chen on Wednesday, December 9th at 2 PM (appointment appt-77).",
        "Ended: caller said goodbye.",
    ]


def test_unfinished_work_and_messages_are_named() -> None:
    record = booked_call()
    record.verified = None
    record.actions = [
        Action("cancel_appointment", False, {"appointment_id": "appt-9"}, None, "It is in the past.")
    ]
    record.handoff_reason = "The caller asked to speak to a person."
    record.messages = [TakenMessage("cb1", "Ines Moreau", "+15035550199", "About her bill", "mornings")]
    text = deterministic_summary(record)
    assert "Caller: Ines Moreau (not verified)." in text
    assert "Not done: could not cancel appointment appt-9 (It is in the past.)." in text
    assert "Handed over to staff: The caller asked to speak to a person.\n" in text
    assert "Message taken: call Ines Moreau back on +15035550199, best time mornings: About her bill." in text
    assert record.unfinished[0] == "handed over: The caller asked to speak to a person."


def test_claims_the_record_does_not_hold_are_found() -> None:
    facts = facts_of(booked_call())
    assert (
        unsupported_claims("Booked Charlotte with Dr. Chen for Wednesday, December 9th at 2 PM.", facts) == []
    )
    wrong = unsupported_claims(
        "Booked Dr. Patel on Friday, December 11 at 10:30 am; cancelled the old one.", facts
    )
    assert wrong == ["10:30 am", "December 11", "friday", "Dr. Patel", "cancelled"]


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def model(model_server: FakeOpenAIServer) -> ModelClientConfig:
    model_server.reset()
    return ModelClientConfig(base_url=model_server.base_url, max_retries=0, retry_budget_s=2.0)


async def test_a_faithful_model_summary_is_kept(
    model_server: FakeOpenAIServer, model: ModelClientConfig
) -> None:
    model_server.push(
        Say("Charlotte Clark called and was booked with Dr. Chen on Wednesday, December 9th at 2 PM.")
    )
    async with ChatClient(model) as client:
        summary = await summarize(booked_call(), client)
    assert (summary.source, summary.rejected) == ("model", [])
    assert summary.text.startswith("Charlotte Clark called")
    sent = model_server.requests[-1].messages[-1]["content"]
    assert "Done: booked an appointment with Dr. Marcus Chen" in sent  # the record is its only facts


async def test_a_model_summary_inventing_an_appointment_is_rejected(
    model_server: FakeOpenAIServer, model: ModelClientConfig
) -> None:
    model_server.push(
        Say("Booked with Dr. Chen on Wednesday at 2 PM, and a follow-up on Thursday, December 17th at 9 AM.")
    )
    async with ChatClient(model) as client:
        summary = await summarize(booked_call(), client)
    assert summary.source == "deterministic" and summary.text == deterministic_summary(booked_call())
    assert summary.rejected == ["9 AM", "December 17th", "thursday"]


async def test_no_model_answer_gives_the_deterministic_summary(
    model_server: FakeOpenAIServer, model: ModelClientConfig
) -> None:
    model_server.push(Fail(503))
    async with ChatClient(model) as client:
        summary = await summarize(booked_call(), client)
    assert (summary.source, summary.text) == ("deterministic", deterministic_summary(booked_call()))


def test_a_handoff_a_person_resolved_leaves_nothing_unfinished() -> None:
    record = booked_call()
    record.handoff_reason = "The caller asked to speak to a person."
    assert record.unfinished == ["handed over: The caller asked to speak to a person."]
    record.resolved_by_staff = "Rebooked her for Friday by phone"
    assert record.unfinished == []
    assert "Resolved by staff: Rebooked her for Friday by phone." in deterministic_summary(record)
