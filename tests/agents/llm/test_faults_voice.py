"""A phone call while the model server crawls (one chunk every 2 s): over the real voice edge (the
signed webhook, the Media Streams WebSocket, Piper speaking the replies), each keypad turn is
answered within the retry budget plus the speech work, the call is not stuck and ends normally,
the reason is on the audit chain and the chain verifies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallSimulator, dtmf_turn
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow
from tests.conftest import LiveServer, make_settings
from tests.fakes.faulty_model_server import FaultyModelServer

AUTH_TOKEN = "test-twilio-token"  # what tests.conftest.make_settings configures

pytestmark = pytest.mark.slow  # Piper speaks the gateway's replies

BUDGET_S = 3.0
SARAH_PHONE = "+15035550101"  # a demo patient: her date of birth alone verifies her


@pytest.fixture
def model() -> Iterator[FaultyModelServer]:
    with FaultyModelServer(interval_s=2.0) as server:
        yield server


async def _chain(settings: Settings, call_sid: str) -> tuple[list[Any], bool]:
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            [conversation] = (
                await s.execute(select(ConversationRow).where(ConversationRow.external_id == call_sid))
            ).scalars()
            events = list(
                (
                    await s.execute(
                        select(AuditEventRow)
                        .where(AuditEventRow.conversation_id == conversation.id)
                        .order_by(AuditEventRow.seq)
                    )
                ).scalars()
            )
        return events, (await AuditLog(db).verify()).ok
    finally:
        await db.close()


def test_a_call_with_a_crawling_model_server_is_answered_and_ends(
    tmp_path: Path, model: FaultyModelServer, live_server_factory: Callable[[Settings], LiveServer]
) -> None:
    settings = make_settings(
        tmp_path,
        twilio_playback_lead_ms=120_000,  # replies are not paced to real time (the simulator's fast mode)
        llm_base_url=model.base_url,
        llm_timeout_s=2.5,  # longer than the 2 s between chunks: only the budget ends it
        llm_max_retries=2,
        llm_retry_budget_s=BUDGET_S,
        llm_recheck_after_s=60.0,
    )
    server = live_server_factory(settings)
    model.mode = "slow"
    simulator = CallSimulator(
        server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=SARAH_PHONE, reply_timeout_s=30
    )
    report = asyncio.run(simulator.run([dtmf_turn("03141985"), dtmf_turn("1")]))
    first, second = report.turns
    for turn in (first, second):
        assert turn.bot and turn.latency_ms is not None, turn  # answered, with audio
    assert first.latency_ms is not None and second.latency_ms is not None
    # The crawling server costs the first turn its budget (plus speech), the second nothing.
    assert first.latency_ms < (BUDGET_S + 5.0) * 1000, first
    assert second.latency_ms < 5000, second
    assert model.requests["slow"] == 1  # asked once; within the recheck window not again
    events, chain_ok = asyncio.run(_chain(settings, report.call_sid))
    assert chain_ok
    kinds = [e.kind for e in events]
    unavailable = next(e.payload for e in events if e.kind == "agent.model_unavailable")
    assert "timeout" in unavailable["reason"] and unavailable["fallback"] is True
    assert "conversation.ended" in kinds
    print(f"\nVOICE slow model: first turn {first.latency_ms:.0f} ms, second {second.latency_ms:.0f} ms")
