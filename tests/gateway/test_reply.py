"""One reply type for every channel: a conversation's reply is its text as the agent produces it,
then its outcome (done, a handoff, the end), with the conversation's own bookkeeping already done.
Over the real agent, store and audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import select

from agents.api import EndConversation, Handoff, UserTurn
from gateway.chat.protocol import ChatStatus, chat_status
from gateway.reply import Done
from gateway.services import Services
from gateway.statuses import ConversationStatus
from gateway.store.models import ConversationRow, TurnRow
from tests.conftest import make_settings, prepare_database


@pytest.fixture
async def services(tmp_path: Path, db_url: str) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, database_url=db_url)
    await prepare_database(settings)
    started = await Services.start(settings)
    yield started
    await started.stop()


def _turn(text: str) -> UserTurn:
    return UserTurn(text=text, channel="terminal")


async def test_text_then_the_outcome(services: Services) -> None:
    conversation = await services.conversations.open("terminal")
    greeting = conversation.greet()
    said = " ".join([t async for t in greeting])
    assert "How can I help" in said and isinstance(greeting.outcome, Done)

    handed = conversation.user_turn(_turn("can I talk to a real person please"))
    said = " ".join([t async for t in handed])
    assert said and isinstance(handed.outcome, Handoff)
    # The conversation stored the handoff before the channel saw the outcome.
    assert conversation.status is ConversationStatus.WAITING and conversation.with_person
    async with services.db.session() as s:
        row = await s.get(ConversationRow, conversation.id)
    assert row is not None and row.status == "waiting"

    # With a person on it, a turn is stored and the bot says nothing.
    quiet = conversation.user_turn(_turn("hello?"))
    assert [t async for t in quiet] == [] and isinstance(quiet.outcome, Done)


async def test_a_goodbye_ends_the_conversation(services: Services) -> None:
    conversation = await services.conversations.open("terminal")
    await conversation.greet().finish()
    outcome = await conversation.user_turn(_turn("no that's all, goodbye")).finish()
    assert isinstance(outcome, EndConversation) and conversation.state.ended


async def test_a_reply_closed_early_is_stored_as_said_so_far(services: Services) -> None:
    """What a barge-in does to a reply: its text closed after the first piece."""
    conversation = await services.conversations.open("terminal")
    pieces = conversation.greet().text()
    first = await anext(pieces)
    await pieces.aclose()
    async with services.db.session() as s:
        bot = (
            await s.scalars(
                select(TurnRow).where(TurnRow.conversation_id == conversation.id, TurnRow.speaker == "bot")
            )
        ).all()
    assert len(bot) == 1 and bot[0].text == first.strip()


def test_every_status_has_one_chat_name() -> None:
    names = [chat_status(status) for status in ConversationStatus]
    assert sorted(names) == sorted(get_args(ChatStatus))
    assert [s for s in ConversationStatus if s.with_person] == [
        ConversationStatus.WAITING,
        ConversationStatus.WITH_STAFF,
    ]
