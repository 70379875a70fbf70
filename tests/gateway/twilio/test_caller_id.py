"""Caller ID is one factor, and a spoofable one: the incoming-call webhook trusts it to stand in for
the caller's name only with STIR/SHAKEN attestation A; date-of-birth guesses from one calling
number count across calls whatever name is claimed, up to a lockout that hands the call to staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from agents.api import UserTurn
from gateway.clients.call_simulator import CallSimulator
from gateway.services import Services
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow
from gateway.twilio.webhook import caller_id_attestation
from tests.conftest import LiveServer, make_settings, prepare_database, running_server
from tests.gateway.twilio.conftest import AUTH_TOKEN

EMILY = "+15035550103"  # Emily Davis, born July 23 1990, on file with this number


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(make_settings(tmp_path_factory.mktemp("caller-id"))) as live:
        yield live


@pytest.mark.parametrize(
    ("stir_verstat", "attestation", "trusted"),
    [
        ("TN-Validation-Passed-A", "A", True),
        ("TN-Validation-Passed-B", "B", False),  # the carrier knows the customer, not the number
        ("TN-Validation-Failed-A", None, False),  # a signature that did not verify
        (None, None, False),  # no STIR/SHAKEN at all (most international calls)
    ],
)
async def test_the_webhook_trusts_caller_id_only_with_full_attestation(
    server: LiveServer, stir_verstat: str | None, attestation: str | None, trusted: bool
) -> None:
    sim = CallSimulator(
        server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=EMILY, stir_verstat=stir_verstat
    )
    async with httpx.AsyncClient() as client:
        await sim.answer(client)
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            row = (
                await s.execute(select(ConversationRow).where(ConversationRow.external_id == sim.call_sid))
            ).scalar_one()
            started = await s.scalar(
                select(AuditEventRow.payload).where(
                    AuditEventRow.conversation_id == row.id, AuditEventRow.kind == "conversation.started"
                )
            )
    finally:
        await db.close()
    assert row.state["caller_id_attestation"] == attestation
    assert row.state["caller_id_trusted"] is trusted
    assert started["caller_id_attestation"] == attestation


def test_attestation_is_read_from_twilios_verdict_only() -> None:
    assert caller_id_attestation("TN-Validation-Passed-C") == "C"
    assert caller_id_attestation("No-TN-Validation") is None
    assert caller_id_attestation("TN-Validation-Passed-Z") is None
    assert caller_id_attestation("") is None


async def call(services: Services, texts: list[str], *, trusted: bool = True) -> tuple[str, list[str]]:
    """One call from Emily's number, driven turn by turn through the gateway's conversation."""
    conversation = await services.conversations.open("voice", caller_phone=EMILY, caller_id_trusted=trusted)
    async for _ in conversation.greet():
        pass
    replies = []
    for text in texts:
        pieces = [t async for t in conversation.user_turn(UserTurn(text=text, channel="voice")).text()]
        replies.append(" ".join(pieces))
    return conversation.id, replies


async def identity_events(services: Services, conversation_id: str) -> list[tuple[str, dict]]:
    async with services.db.session() as s:
        rows = await s.execute(
            select(AuditEventRow)
            .where(
                AuditEventRow.conversation_id == conversation_id, AuditEventRow.kind.like("agent.identity%")
            )
            .order_by(AuditEventRow.seq)
        )
        return [(r.kind, r.payload) for r in rows.scalars()]


@pytest.fixture
async def services(tmp_path: Path, db_url: str) -> Services:
    settings = make_settings(
        tmp_path, database_url=db_url, identity_lockout_after=3, identity_backoff_after=10
    )
    await prepare_database(settings)
    started = await Services.start(settings)
    yield started
    await started.stop()


async def test_guesses_from_one_number_over_several_calls_lock_it(services: Services) -> None:
    for _ in range(2):
        _, replies = await call(services, ["What are my upcoming appointments?", "January 1 1990"])
        assert "couldn't match that to the number" in replies[-1], replies
    third, replies = await call(services, ["What are my upcoming appointments?", "February 2 1990"])
    assert "connect you with a member of our team" in replies[-1]
    # The right date of birth on the next call: the number is locked, a person verifies.
    fourth, replies = await call(services, ["What are my upcoming appointments?", "July 23 1990"])
    assert "connect you with a member of our team" in replies[-1] and "Patel" not in replies[-1]
    assert [k for k, _ in await identity_events(services, third)] == [
        "agent.identity_failed",
        "agent.identity_locked",
    ]
    locked_events = await identity_events(services, fourth)
    locked = {"method": "phone_dob", "failures": 3, "keys": ["caller_number", "patient"]}
    assert locked_events == [("agent.identity_locked", locked)]


async def test_untrusted_caller_id_is_not_enough_with_a_date_of_birth(services: Services) -> None:
    untrusted, replies = await call(
        services, ["What are my upcoming appointments?", "July 23 1990", "Emily Davis"], trusted=False
    )
    assert "full name and date of birth" in replies[0]
    assert "first and last name" in replies[1]  # the date of birth alone did not verify
    assert "Patel" in replies[2]  # name and date of birth did
    trusted, replies = await call(services, ["What are my upcoming appointments?", "July 23 1990"])
    assert "Patel" in replies[1]
    assert [p["method"] for _, p in await identity_events(services, untrusted)] == ["name_dob"]
    assert [p["method"] for _, p in await identity_events(services, trusted)] == ["phone_dob"]


async def test_guesses_by_chat_and_by_phone_add_up_for_one_patient(services: Services) -> None:
    """Two wrong dates of birth for Emily Davis by chat, one from her number: her record is locked
    (3 failures), although the number itself failed only once."""
    for dob, address in (("January 1 1990", "198.51.100.1"), ("February 2 1990", "198.51.100.2")):
        chat = await services.conversations.open("chat", client_address=address)
        async for _ in chat.greet():
            pass
        for text in ("What are my upcoming appointments?", f"Emily Davis, born {dob}"):
            async for _ in chat.user_turn(UserTurn(text=text, channel="chat")):
                pass
    third, replies = await call(services, ["What are my upcoming appointments?", "March 3 1990"])
    assert "connect you with a member of our team" in replies[-1]
    failed, locked = await identity_events(services, third)
    assert failed[1]["across"] == 3 and locked[0] == "agent.identity_locked"
