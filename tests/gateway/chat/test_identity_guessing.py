"""Date-of-birth guessing spread over many chats, over a real server and real WebSockets: failures
count per patient and per client address across conversations, with backoff and a lockout that
hands the conversation to staff (the right date of birth then verifies nobody), every step on the
audit chain, and the console's alert for a record under attack."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from websockets.asyncio.client import connect

from agents.identity_guard import LOCKED_REASON
from gateway.console.accounts import StaffAccounts
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, HandoffRow
from tests.conftest import LiveServer
from tests.gateway.chat.conftest import (
    PASSWORD,
    STAFF_EMAIL,
    Chat,
    chat_settings,
    staff_login,
    start_server,
    stop_server,
)

HANDOFF = "connect you with a member of our team"
NOT_VERIFIED = "couldn't verify"


async def chat_from(server: LiveServer, address: str) -> Chat:
    """A visitor connecting from `address` (any 127.x.y.z reaches the server on loopback)."""
    return Chat(await connect(f"{server.ws_url}/chat/ws", local_addr=(address, 0)))


async def claim_to_be(
    server: LiveServer, who: str, dobs: list[str], address: str = "127.0.0.1"
) -> tuple[str, list[str]]:
    """One chat: ask for my appointments, then give `who` with each date of birth in turn."""
    chat = await chat_from(server, address)
    welcome = await chat.hello()
    await chat.greeting()
    replies = []
    for n, text in enumerate(["What are my upcoming appointments?", *[f"{who}, born {d}" for d in dobs]]):
        frames = await chat.say(text, f"m-{n}")
        replies.append(frames[-1]["text"])
    await chat.close()
    return welcome["conversation_id"], replies


async def events(server: LiveServer, conversation_id: str) -> list[tuple[str, dict]]:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            rows = await s.execute(
                select(AuditEventRow)
                .where(AuditEventRow.conversation_id == conversation_id)
                .order_by(AuditEventRow.seq)
            )
            return [(r.kind, r.payload) for r in rows.scalars()]
    finally:
        await db.close()


async def handoff_reasons(server: LiveServer, conversation_id: str) -> list[str]:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            rows = await s.execute(
                select(HandoffRow.reason).where(HandoffRow.conversation_id == conversation_id)
            )
            return list(rows.scalars())
    finally:
        await db.close()


def kinds(found: list[tuple[str, dict]]) -> list[str]:
    return [k for k, _ in found if k.startswith("agent.identity")]


async def add_staff(server: LiveServer) -> None:
    db = Database(server.settings.database_url)
    try:
        await StaffAccounts(db).add(STAFF_EMAIL, "staff", PASSWORD)
    finally:
        await db.close()


async def test_guesses_over_several_chats_lock_the_record_and_alert_staff(
    tmp_path: Path, db_url: str
) -> None:
    settings = chat_settings(
        tmp_path, database_url=db_url, identity_lockout_after=4, identity_backoff_after=10
    )
    server = await start_server(settings)
    try:
        first, replies = await claim_to_be(server, "Emily Davis", ["January 1 1990", "February 2 1990"])
        assert all(NOT_VERIFIED in r for r in replies[1:]), replies
        second, replies = await claim_to_be(server, "Emily Davis", ["March 3 1990", "April 4 1990"])
        assert NOT_VERIFIED in replies[1] and HANDOFF in replies[2], replies  # the 4th failure locks
        # The right date of birth, in a new chat: a person must verify; nothing is read out.
        third, replies = await claim_to_be(server, "Emily Davis", ["July 23 1990"])
        assert HANDOFF in replies[1], replies
        assert "Patel" not in replies[1] and "appointment" not in replies[1].lower()
        assert "paused" not in " ".join(replies)  # the caller is not told why

        assert kinds(await events(server, first)) == ["agent.identity_failed"] * 2
        second_events = await events(server, second)
        assert kinds(second_events) == ["agent.identity_failed"] * 2 + ["agent.identity_locked"]
        failed = [p for k, p in second_events if k == "agent.identity_failed"]
        assert [p["failures"] for p in failed] == [1, 2]  # this chat's
        assert [p["across"] for p in failed] == [3, 4]  # all chats'
        third_events = await events(server, third)
        assert kinds(third_events) == ["agent.identity_locked"]
        locked = dict(third_events)["agent.identity_locked"]
        assert locked["keys"] == ["client_address", "patient"] and locked["failures"] == 4
        assert await handoff_reasons(server, second) == [LOCKED_REASON]
        assert await handoff_reasons(server, third) == [LOCKED_REASON]

        await add_staff(server)
        client, _ = await asyncio.to_thread(staff_login, server, STAFF_EMAIL)
        try:
            page = await asyncio.to_thread(client.get, "/console")
            assert 'hx-get="/console/identity-alerts"' in page.text
            alert = await asyncio.to_thread(client.get, "/console/identity-alerts")
            locked_page = await asyncio.to_thread(client.get, f"/console/conversations/{third}")
        finally:
            client.close()
        assert alert.status_code == 200
        assert "Identity checks under attack" in alert.text
        assert "1 patient record had repeated failed identity checks" in alert.text
        assert alert.text.count(f'href="/console/conversations/{second}"') == 2  # patient, address
        assert "locked" in alert.text and "Emily" not in alert.text and "127.0.0.1" not in alert.text
        assert "Identity checks locked: staff verify this caller" in locked_page.text
    finally:
        await stop_server(server)


async def test_backoff_holds_back_even_the_right_answer_from_elsewhere(tmp_path: Path) -> None:
    settings = chat_settings(
        tmp_path,
        identity_backoff_after=2,
        identity_backoff_base_s=3600,
        identity_backoff_max_s=3600,
        identity_lockout_after=10,
    )
    server = await start_server(settings)
    try:
        await claim_to_be(server, "Emily Davis", ["January 1 1990", "February 2 1990"], "127.0.0.2")
        # Another address, the right answer: the record's checks are spaced out, so no check runs.
        chat = await chat_from(server, "127.0.0.3")
        welcome = await chat.hello()
        await chat.greeting()
        await chat.say("What are my upcoming appointments?", "m-0")
        reply = (await chat.say("Emily Davis, born July 23 1990", "m-1"))[-1]["text"]
        assert "can't check those details again just yet" in reply and "transfer" in reply, reply
        assert "Patel" not in reply
        again = (await chat.say("yes please", "m-2"))[-1]["text"]
        assert HANDOFF in again
        await chat.close()
        found = await events(server, welcome["conversation_id"])
        assert kinds(found) == ["agent.identity_held_back"]
        held = dict(found)["agent.identity_held_back"]
        assert held["failures"] == 2 and 3500 < held["retry_after_s"] <= 3600
    finally:
        await stop_server(server)


async def test_one_address_guessing_several_patients_is_locked_and_others_are_not(tmp_path: Path) -> None:
    settings = chat_settings(tmp_path, identity_backoff_after=10, identity_lockout_after=3)
    server = await start_server(settings)
    try:
        attacker = "127.0.0.4"
        for who in ("Michael Brown", "James Wilson"):
            _, replies = await claim_to_be(server, who, ["January 1 1950"], attacker)
            assert NOT_VERIFIED in replies[-1]
        _, replies = await claim_to_be(server, "Mia White", ["January 1 1950"], attacker)
        assert HANDOFF in replies[-1]  # the address's third failure
        # Right details from the attacker's address: locked. The same from elsewhere: verified.
        _, replies = await claim_to_be(server, "Charlotte Clark", ["November 15 1989"], attacker)
        assert HANDOFF in replies[-1]
        other, replies = await claim_to_be(server, "Charlotte Clark", ["November 15 1989"], "127.0.0.5")
        assert HANDOFF not in replies[-1] and NOT_VERIFIED not in replies[-1], replies
        assert kinds(await events(server, other)) == ["agent.identity_verified"]
    finally:
        await stop_server(server)
