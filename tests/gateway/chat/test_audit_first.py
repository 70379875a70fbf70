"""Audit before disclosure, over a real gateway (SQLite and PostgreSQL) and real chat connections.

The database is made to refuse the audit inserts that matter, for real: a trigger on
`audit_events` that raises. A verified identity, a tool call's result and a write's intent must
be on the chain before the visitor learns of them; when they cannot be stored, the visitor hears
a short apology and a transfer offer, nothing of what was found, and an unrecorded write never runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from connectors.demo.models import DemoAppointment
from gateway.store.audit import AuditLog, StoredEvent
from gateway.store.db import Database
from tests.conftest import LiveServer
from tests.gateway.audit_outage import AuditOutage
from tests.gateway.chat.conftest import Chat, server_on

APOLOGY = (
    "I'm sorry, something went wrong on our side. Would you like me to transfer you to a member of our team?"
)
EMILY = "Emily Davis, born July 23 1990"  # p-1003: one seeded appointment, with Dr. Priya Patel at 10 AM


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from server_on(request.param, tmp_path_factory.mktemp("audit-first"))


@pytest.fixture
async def outage(server: LiveServer) -> AsyncIterator[AuditOutage]:
    outage = AuditOutage(server.settings.database_url)
    yield outage
    await outage.close()


async def _events(server: LiveServer, conversation_id: str) -> list[StoredEvent]:
    db = Database(server.settings.database_url)
    try:
        return await AuditLog(db).events(conversation_id)
    finally:
        await db.close()


async def _chain_ok(server: LiveServer) -> bool:
    db = Database(server.settings.database_url)
    try:
        return (await AuditLog(db).verify()).ok
    finally:
        await db.close()


async def _booked(server: LiveServer, patient_id: str) -> set[str]:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            rows = await s.execute(
                select(DemoAppointment.id).where(
                    DemoAppointment.patient_id == patient_id, DemoAppointment.status == "booked"
                )
            )
            return set(rows.scalars())
    finally:
        await db.close()


def _said(frames: list[dict[str, Any]]) -> str:
    """Everything the visitor was sent as bot text: the deltas as they streamed, and the final."""
    return " ".join(f["text"] for f in frames if f["type"] in ("bot.delta", "bot.final"))


def _tools(events: list[StoredEvent]) -> list[str]:
    return [e.payload["tool"] for e in events if e.kind == "agent.tool_call"]


async def _open(server: LiveServer) -> tuple[Chat, str]:
    chat = await Chat.open(server)
    welcome = await chat.hello()
    await chat.greeting()
    return chat, welcome["conversation_id"]


async def test_a_protected_read_that_cannot_be_put_on_record_is_not_said(
    server: LiveServer, outage: AuditOutage
) -> None:
    chat, conversation_id = await _open(server)
    await outage.start("agent.tool_call", "list_appointments")
    try:
        asked = await chat.say("When is my next appointment?", "a1")
        assert "date of birth" in asked[-1]["text"]
        frames = await chat.say(EMILY, "a2")
    finally:
        await outage.end()
    said = _said(frames)
    # Nothing of the appointment, streamed or final; the apology and the offer, once.
    assert "Patel" not in said and "10 AM" not in said and "appointment" not in said, said
    assert frames[-1]["text"] == APOLOGY
    events = await _events(server, conversation_id)
    assert "list_appointments" not in _tools(events)

    # The offer stands: a yes hands the visitor to a person.
    await chat.say("Yes, please.", "a3")
    status = await chat.recv()
    assert status["type"] == "status" and status["status"] == "waiting", status
    await chat.close()
    events = await _events(server, conversation_id)
    assert "handoff.requested" in [e.kind for e in events]
    assert await _chain_ok(server)


async def test_an_identity_that_cannot_be_put_on_record_does_not_count(
    server: LiveServer, outage: AuditOutage
) -> None:
    chat, conversation_id = await _open(server)
    await chat.say("When is my next appointment?", "b1")
    await outage.start("agent.identity_verified")
    try:
        frames = await chat.say(EMILY, "b2")
        # Still unrecorded: still nothing, however the visitor asks.
        again = await chat.say("No thanks. When is my next appointment?", "b3")
    finally:
        await outage.end()
    for reply in (frames, again):
        said = _said(reply)
        assert "Patel" not in said and "Emily" not in said, said
        assert reply[-1]["text"] == APOLOGY
    events = await _events(server, conversation_id)
    assert "agent.identity_verified" not in [e.kind for e in events]
    assert "list_appointments" not in _tools(events)

    # With the audit log back, the identity is on record first, then the lookup, then the answer.
    answer = await chat.say("No. When is my next appointment?", "b4")
    await chat.close()
    assert "Patel" in answer[-1]["text"], answer
    events = await _events(server, conversation_id)
    [verified] = [e for e in events if e.kind == "agent.identity_verified"]
    [lookup] = [e for e in events if e.kind == "agent.tool_call" and e.payload["tool"] == "list_appointments"]
    [reply] = [e for e in events if e.kind == "turn.bot" and "Patel" in e.payload["said"]]
    assert verified.seq < lookup.seq < reply.seq
    assert await _chain_ok(server)


BOOKING = [
    "Hi, I need to make an appointment",
    "with Dr. Chen next Wednesday afternoon",
    "the first one",
]


async def _up_to_the_question(chat: Chat, who: str, tag: str) -> str:
    replies = [
        (await chat.say(text, f"{tag}{n}"))[-1]["text"]
        for n, text in enumerate([BOOKING[0], who, *BOOKING[1:]])
    ]
    assert replies[-1].endswith("Shall I go ahead?"), replies
    return replies[-1]


async def test_a_write_whose_intent_cannot_be_put_on_record_never_runs(
    server: LiveServer, outage: AuditOutage
) -> None:
    before = await _booked(server, "p-1017")
    chat, conversation_id = await _open(server)
    await _up_to_the_question(chat, "Charlotte Clark, born November 15 1989", "c")
    await outage.start("agent.write_intent")
    try:
        frames = await chat.say("yes", "c-yes")
    finally:
        await outage.end()
    await chat.close()
    assert frames[-1]["text"] == APOLOGY, _said(frames)
    assert "booked" not in _said(frames)
    assert await _booked(server, "p-1017") == before  # the practice was never asked
    events = await _events(server, conversation_id)
    assert "book_appointment" not in _tools(events)
    assert "agent.write_intent" not in [e.kind for e in events]


async def test_a_write_is_on_record_before_it_runs_and_before_it_is_confirmed(server: LiveServer) -> None:
    before = await _booked(server, "p-1001")
    chat, conversation_id = await _open(server)
    await _up_to_the_question(chat, "Sarah Johnson, born March 14 1985", "d")
    done = await chat.say("yes", "d-yes")
    await chat.close()
    assert "booked" in done[-1]["text"].lower(), done[-1]
    [new] = await _booked(server, "p-1001") - before
    events = await _events(server, conversation_id)
    [intent] = [e for e in events if e.kind == "agent.write_intent"]
    [call] = [e for e in events if e.kind == "agent.tool_call" and e.payload["tool"] == "book_appointment"]
    [check] = [e for e in events if e.kind == "agent.validation"]
    assert intent.seq < call.seq < check.seq
    assert intent.payload["request"] == call.payload["arguments"]  # the same request, same idempotency key
    assert intent.payload["request"]["idempotency_key"]
    assert call.payload["result"]["id"] == new and check.payload["ok"] is True
