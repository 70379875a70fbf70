"""Voice before chat through the conversations themselves (gateway/voice_first.py wired into
`Conversation.user_turn`): while a caller waits, a chat visitor's message is stored at once and
answered only after the caller's reply; a voice turn never waits. Real agent, store and audit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agents.api import UserTurn
from gateway.services import Services
from gateway.store.models import TurnRow
from tests.conftest import make_settings, prepare_database


@pytest.fixture
async def services(tmp_path: Path, db_url: str) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, database_url=db_url)
    await prepare_database(settings)
    started = await Services.start(settings)
    yield started
    await started.stop()


async def test_a_chat_turn_is_answered_after_the_waiting_caller(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    voice_first = services.conversations.voice_first
    voice_first.max_chat_wait_s = 3600  # only the caller's reply may release the chat turn here
    entered = asyncio.Event()
    chat_turn = voice_first.chat_turn

    async def noted_chat_turn() -> None:
        entered.set()
        await chat_turn()

    monkeypatch.setattr(voice_first, "chat_turn", noted_chat_turn)
    chat = await services.conversations.open("chat")
    await chat.greet().finish()
    call = await services.conversations.open("voice", caller_phone="+15035550101")
    await call.greet().finish()

    caller = object()
    voice_first.caller_waiting(caller, True)  # the caller's turn has ended
    order: list[str] = []

    async def visitor() -> None:
        turn = UserTurn(text="what are your opening hours?", channel="chat")
        said = [text async for text in chat.user_turn(turn)]
        order.append("chat answered" if said else "chat silent")

    waiting_chat = asyncio.create_task(visitor())
    await asyncio.wait_for(entered.wait(), 60)
    async with services.db.session() as s:
        stored = await s.scalar(
            select(func.count()).where(TurnRow.conversation_id == chat.id, TurnRow.speaker == "caller")
        )
    assert stored == 1  # the visitor's message is kept before the wait
    assert voice_first.chat_turns_held == 1 and not waiting_chat.done()

    said = [
        text async for text in call.user_turn(UserTurn(text="what are your opening hours?", channel="voice"))
    ]
    order.append("voice answered" if said else "voice silent")
    voice_first.caller_waiting(caller, False)  # its first audio went out
    await asyncio.wait_for(waiting_chat, 60)
    assert order == ["voice answered", "chat answered"]
    assert voice_first.chat_turns_timed_out == 0
