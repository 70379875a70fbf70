"""Nobody free, or after hours, over a real gateway and the chat WebSocket: a handoff nobody claims
within FRONTDESK_HANDOFF_CLAIM_TIMEOUT_S goes back to the assistant, which says so and takes a
message; the widget is told what wait to expect; with FRONTDESK_HANDOFF_AFTER_HOURS=message a
handoff outside the business hours offers a message at once and nobody is left waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import CallbackRow, ConversationRow, HandoffRow
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.console.visitor import Visitor

ASK_PERSON = "Can I please talk to a real person?"
ALWAYS_OPEN = "Mon-Sun 00:00-24:00"
Server = Callable[..., Any]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Server]:
    """`await gateway(**settings)`: a running gateway on its own migrated, seeded database."""
    servers: list[LiveServer] = []
    databases: list[Database] = []

    async def start(**overrides: object) -> tuple[LiveServer, Database]:
        settings = make_settings(tmp_path, **overrides)
        await prepare_database(settings)
        server = LiveServer(settings)
        await asyncio.to_thread(server.start)
        servers.append(server)
        databases.append(Database(settings.database_url))
        return server, databases[-1]

    yield start
    for db in databases:
        await db.close()
    for server in servers:
        await asyncio.to_thread(server.stop)


def _status(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("type") == "status" and f.get("status") == status


async def test_an_unclaimed_handoff_offers_a_message(gateway: Server) -> None:
    server, db = await gateway(handoff_claim_timeout_s=0.5, business_hours=ALWAYS_OPEN)
    async with Visitor(server.ws_url) as visitor:
        await visitor.say(ASK_PERSON)
        waiting = await visitor.wait_for(_status("waiting"))
        assert waiting["detail"] == "A person usually answers within 1 minute."
        # the sweep resolves the handoff and the assistant speaks again, unprompted
        offer = await visitor.wait_for(
            lambda f: f.get("type") == "bot.final" and "nobody from our team is free" in f.get("text", ""),
            within_s=15,
        )
        assert offer["in_reply_to"] is None and "Would you like to leave one?" in offer["text"]
        back = await visitor.wait_for(_status("bot"))
        assert back["seq"] < offer["seq"]
        assert "What is it about?" in (await visitor.say("yes please"))["text"]
        await visitor.say("my lab results")
        await visitor.say("Omar Haddad")
        await visitor.say("503 555 0131")
        assert "Shall I pass that on?" in (await visitor.say("after 4 pm"))["text"]
        done = (await visitor.say("yes"))["text"]
        assert "calls you back at 503 555 0131 after 4 pm about your lab results" in done
    async with db.session() as s:
        handoff = (await s.scalars(select(HandoffRow))).one()
        conversation = await s.get(ConversationRow, visitor.conversation_id)
        callback = (await s.scalars(select(CallbackRow))).one()
    assert handoff.status == "resolved" and handoff.claimed_by is None
    assert handoff.resolution_note == "Not claimed within 1 second: the assistant offered to take a message."
    assert conversation is not None and conversation.status == "active"
    assert (callback.caller_name, callback.phone, callback.reason) == (
        "Omar Haddad",
        "+15035550131",
        "my lab results",
    )
    events = await AuditLog(db).events(visitor.conversation_id)
    kinds = [e.kind for e in events]
    assert (
        kinds.index("handoff.requested") < kinds.index("handoff.unanswered") < kinds.index("callback.taken")
    )
    assert (await AuditLog(db).verify(visitor.conversation_id)).ok


async def test_a_visitor_who_would_rather_wait_is_queued_again(gateway: Server) -> None:
    """Out of hours with FRONTDESK_HANDOFF_AFTER_HOURS=wait (the default): the wait says when we open."""
    server, db = await gateway(handoff_claim_timeout_s=0.5, business_hours=_closed_today())
    async with Visitor(server.ws_url) as visitor:
        await visitor.say(ASK_PERSON)
        first = await visitor.wait_for(_status("waiting"))
        assert first["detail"] == (
            "We're closed right now; we open tomorrow at 9 AM. If nobody answers within 1 minute, you can leave a message."
        )
        await visitor.wait_for(lambda f: f.get("type") == "bot.final" and "nobody" in f.get("text", ""), 15)
        assert "member of our team" in (await visitor.say("no, I'll keep waiting"))["text"]
        await visitor.wait_for(lambda f: _status("waiting")(f) and f["seq"] > first["seq"])
    async with db.session() as s:
        handoffs = (await s.scalars(select(HandoffRow).order_by(HandoffRow.id))).all()
    assert [h.status for h in handoffs][:1] == ["resolved"] and len(handoffs) >= 2


def _closed_today() -> str:
    """Business hours that leave today (UTC, the settings' default zone) closed: tomorrow only."""
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%a")
    return f"{tomorrow} 09:00-17:00"


async def test_after_hours_a_handoff_offers_a_message_instead_of_waiting(gateway: Server) -> None:
    server, db = await gateway(handoff_after_hours="message", business_hours=_closed_today())
    async with Visitor(server.ws_url) as visitor:
        reply = (await visitor.say(ASK_PERSON))["text"]
        assert reply.startswith("We're closed right now; we open tomorrow at 9 AM.")
        assert "I can take a message and have someone call you back." in reply
        assert not [f for f in visitor.frames if _status("waiting")(f)]
        assert "What is it about?" in (await visitor.say("yes"))["text"]
    async with db.session() as s:
        assert (await s.scalars(select(HandoffRow))).all() == []
        conversation = await s.get(ConversationRow, visitor.conversation_id)
    assert conversation is not None and conversation.status == "active"
    unanswered = [
        e for e in await AuditLog(db).events(visitor.conversation_id) if e.kind == "handoff.unanswered"
    ]
    assert [e.payload["why"] for e in unanswered] == ["closed"]
