"""Chat resume tokens over a real server (docs/security.md): a resume replaces the token and the old
one stops working, a conversation can be resumed only for a fixed time after it started, and a
closed one only shortly after it closed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from gateway.store.db import Database
from gateway.store.models import ConversationRow
from tests.conftest import LiveServer
from tests.gateway.chat.conftest import Chat, server_on


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def chat_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A gateway on each database: the token generation is a compare-and-set in SQL."""
    yield from server_on(request.param, tmp_path_factory.mktemp("resume"))


async def _set_times(server: LiveServer, conversation_id: str, **values: object) -> None:
    """Move a conversation's clock (started_at, ended_at, status) as if time had passed."""
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s, s.begin():
            await s.execute(
                update(ConversationRow).where(ConversationRow.id == conversation_id).values(**values)
            )
    finally:
        await db.close()


async def _refusal(server: LiveServer, token: str) -> dict[str, object]:
    chat = await Chat.open(server)
    await chat.send(type="hello", token=token, last_seq=0)
    frame = await chat.recv()
    await chat.close()
    assert frame["type"] == "error", frame
    return frame


async def _started(server: LiveServer) -> dict[str, object]:
    chat = await Chat.open(server)
    welcome = await chat.hello()
    await chat.greeting()
    await chat.close()
    return welcome


async def test_a_resume_revokes_the_older_token(chat_server: LiveServer) -> None:
    welcome = await _started(chat_server)
    again = await Chat.open(chat_server)
    resumed = await again.hello(token=welcome["token"], last_seq=0)
    assert resumed["resumed"] is True and resumed["conversation_id"] == welcome["conversation_id"]
    assert resumed["token"] != welcome["token"]
    await again.close()

    refused = await _refusal(chat_server, str(welcome["token"]))  # a copied old token
    assert refused["code"] == "token_revoked"

    third = await Chat.open(chat_server)  # the newest token still works, and is replaced in turn
    latest = await third.hello(token=resumed["token"], last_seq=0)
    assert latest["conversation_id"] == welcome["conversation_id"] and latest["resumed"] is True
    await third.close()
    assert (await _refusal(chat_server, str(resumed["token"])))["code"] == "token_revoked"


async def test_no_resume_past_the_absolute_lifetime(chat_server: LiveServer) -> None:
    welcome = await _started(chat_server)
    max_age = chat_server.settings.chat_session_max_age_s
    # The token itself is fresh; the conversation started longer ago than the lifetime allows.
    started = datetime.now(UTC) - timedelta(seconds=max_age + 60)
    await _set_times(chat_server, str(welcome["conversation_id"]), started_at=started)
    again = await Chat.open(chat_server)
    await again.send(type="hello", token=welcome["token"], last_seq=0)
    refused = await again.recv()
    assert refused["type"] == "error" and refused["code"] == "token_expired"
    assert (await again.hello())["conversation_id"] != welcome["conversation_id"]  # a new one starts
    await again.close()


async def test_a_closed_conversation_is_replayed_only_shortly_after_it_closed(
    chat_server: LiveServer,
) -> None:
    just_closed = await _started(chat_server)
    await _set_times(
        chat_server, str(just_closed["conversation_id"]), status="closed", ended_at=datetime.now(UTC)
    )
    again = await Chat.open(chat_server)
    resumed = await again.hello(token=just_closed["token"], last_seq=0)
    assert resumed["resumed"] is True
    await again.close()

    long_closed = await _started(chat_server)
    ended = datetime.now(UTC) - timedelta(seconds=chat_server.settings.chat_closed_resume_s + 60)
    await _set_times(chat_server, str(long_closed["conversation_id"]), status="closed", ended_at=ended)
    refused = await _refusal(chat_server, str(long_closed["token"]))
    assert refused["code"] == "token_expired" and "ended" in str(refused["message"])
