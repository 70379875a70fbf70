"""Handoff over chat: the visitor sees `waiting`, the conversation is queued, visitor messages go to
staff (stored as turns, no bot reply), and a staff message posted through the staff API (by the
staff member who claimed the handoff) reaches the visitor live."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from gateway.console.accounts import StaffAccounts
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, HandoffRow, TurnRow
from tests.conftest import LiveServer, running_server
from tests.gateway.chat.conftest import AUDITOR_EMAIL, PASSWORD, STAFF_EMAIL, Chat, chat_settings, staff_login


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = chat_settings(tmp_path_factory.mktemp("handoff"))
    with running_server(settings) as live:

        async def add_staff() -> None:
            db = Database(settings.database_url)
            try:
                accounts = StaffAccounts(db)
                await accounts.add(STAFF_EMAIL, "staff", PASSWORD)
                await accounts.add(AUDITOR_EMAIL, "auditor", PASSWORD)
            finally:
                await db.close()

        asyncio.run(add_staff())
        yield live


async def handed_over(server: LiveServer) -> tuple[Chat, str]:
    chat, welcome, _ = await handed_over_with_token(server)
    return chat, welcome


async def handed_over_with_token(server: LiveServer) -> tuple[Chat, str, tuple[str, int]]:
    """A visitor whose conversation waits for a person; also (token, last seq) for resuming."""
    chat = await Chat.open(server)
    welcome = await chat.hello()
    await chat.greeting()
    frames = await chat.say("I want to talk to a real person please", "h-1")
    assert frames[-1]["text"]
    status = await chat.recv()
    assert status["type"] == "status" and status["status"] == "waiting", status
    assert status["seq"] == frames[-1]["seq"] + 1
    return chat, welcome["conversation_id"], (welcome["token"], status["seq"])


def claim(client: httpx.Client, csrf: str, conversation_id: str) -> None:
    """Take the handoff through the console, as staff must before talking to the visitor."""
    resp = client.post(f"/console/conversations/{conversation_id}/claim", data={"csrf_token": csrf})
    assert resp.status_code == 303, resp.text


async def rows(server: LiveServer, model: type, conversation_id: str) -> list:  # type: ignore[type-arg]
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            result = await s.execute(select(model).where(model.conversation_id == conversation_id))
            return list(result.scalars())
    finally:
        await db.close()


async def test_handoff_queues_the_conversation_and_routes_visitor_messages_to_staff(
    server: LiveServer,
) -> None:
    chat, conversation_id = await handed_over(server)
    handoffs = await rows(server, HandoffRow, conversation_id)
    assert [h.status for h in handoffs] == ["waiting"]
    events = await rows(server, AuditEventRow, conversation_id)
    assert [e.kind for e in events].count("handoff.requested") == 1  # audited once, by the agent

    await chat.send(type="message", text="Are you still there?", client_id="h-2")
    echo = await chat.recv()
    assert echo["type"] == "visitor.message" and echo["client_id"] == "h-2"

    # The turn is stored for staff; the bot says nothing (the staff message is the next event).
    client, csrf = await asyncio.to_thread(staff_login, server, STAFF_EMAIL)

    async def stored() -> list[str]:
        return [t.text for t in await rows(server, TurnRow, conversation_id) if t.speaker == "caller"]

    deadline = asyncio.get_running_loop().time() + 10
    while "Are you still there?" not in await stored():
        assert asyncio.get_running_loop().time() < deadline, await stored()
        await asyncio.sleep(0.05)

    await asyncio.to_thread(claim, client, csrf, conversation_id)
    resp = await asyncio.to_thread(
        client.post,
        f"/console/api/conversations/{conversation_id}/staff-messages",
        json={"text": "Hi, this is Dana from the front desk. How can I help?"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "staff_joined"

    joined = await chat.recv()
    message = await chat.recv()
    assert joined["type"] == "status" and joined["status"] == "staff_joined"
    assert message == {
        "v": 1,
        "type": "staff.message",
        "seq": joined["seq"] + 1,
        "text": "Hi, this is Dana from the front desk. How can I help?",
        "staff_name": "Dana Reyes",
    }
    assert resp.json()["seq"] == message["seq"]
    turns = await rows(server, TurnRow, conversation_id)
    assert [t.speaker for t in turns][-1] == "staff"
    client.close()
    await chat.close()


async def test_staff_message_reaches_a_visitor_who_reconnects_later(server: LiveServer) -> None:
    chat, conversation_id, (token, last_seq) = await handed_over_with_token(server)
    await chat.close()
    client, csrf = await asyncio.to_thread(staff_login, server, STAFF_EMAIL)
    await asyncio.to_thread(claim, client, csrf, conversation_id)
    resp = await asyncio.to_thread(
        client.post,
        f"/console/api/conversations/{conversation_id}/staff-messages",
        json={"text": "Sorry for the wait!"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == 201, resp.text
    client.close()

    again = await Chat.open(server)
    welcome = await again.hello(token=token, last_seq=last_seq)
    assert welcome["status"] == "staff_joined"
    missed = [await again.recv(), await again.recv()]
    assert [(f["type"], f["seq"]) for f in missed] == [
        ("status", last_seq + 1),
        ("staff.message", last_seq + 2),
    ]
    assert missed[1]["text"] == "Sorry for the wait!"
    await again.close()


@pytest.mark.parametrize(
    ("who", "path_id", "body", "status"),
    [
        (None, "real", {"text": "hello"}, 303),  # not logged in: sent to the login page
        (AUDITOR_EMAIL, "real", {"text": "hello"}, 403),  # auditors read, they do not talk
        (STAFF_EMAIL, "no-such-conversation", {"text": "hello"}, 404),
        (STAFF_EMAIL, "real", {"text": "hello"}, 409),  # nobody claimed the handoff yet
        (STAFF_EMAIL, "real", {"text": ""}, 422),
        (STAFF_EMAIL, "real", {"message": "hello"}, 422),
    ],
)
async def test_staff_api_refusals(
    server: LiveServer, who: str | None, path_id: str, body: dict, status: int
) -> None:  # type: ignore[type-arg]
    chat, conversation_id = await handed_over(server)
    target = conversation_id if path_id == "real" else path_id
    if who is None:
        client, csrf = httpx.Client(base_url=server.url, follow_redirects=False), ""
    else:
        client, csrf = await asyncio.to_thread(staff_login, server, who)
    resp = await asyncio.to_thread(
        client.post,
        f"/console/api/conversations/{target}/staff-messages",
        json=body,
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == status, resp.text
    client.close()
    await chat.close()


async def test_staff_post_without_csrf_token_is_refused(server: LiveServer) -> None:
    chat, conversation_id = await handed_over(server)
    client, _ = await asyncio.to_thread(staff_login, server, STAFF_EMAIL)
    resp = await asyncio.to_thread(
        client.post, f"/console/api/conversations/{conversation_id}/staff-messages", json={"text": "hello"}
    )
    assert resp.status_code == 403
    client.close()
    await chat.close()
