"""The model server failing under a chat on a running gateway (uvicorn, the chat WebSocket, the
SQLite audit chain): each faulty turn is answered within its bound, the reason is on the audit
chain, the chain verifies, and the same chat goes back to the model once it answers again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.clients.chat_client import ChatClient
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from tests.conftest import LiveServer, make_settings
from tests.fakes.faulty_model_server import OK_TEXT, FaultyModelServer

BUDGET_S = 3.0
RECHECK_S = 0.5
METRICS_TOKEN = "metrics-token-" + "f" * 32
# fault -> the longest a turn may take: the budget plus one 2 s interval (slow), plus slack for the
# gateway's own work on a loaded machine; the faults that fail at once get a tighter bound.
FAULTS = {"refuse": 3.0, "die": 3.0, "slow": BUDGET_S + 2.0 + 2.0, "garbage_json": 3.0, "http500": 3.0}


def _degraded_turns(url: str) -> float:
    answer = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "frontdesk_degraded_turns_total" and sample.labels.get("channel") == "chat":
                return float(sample.value)
    return 0.0


@pytest.fixture
def model() -> Iterator[FaultyModelServer]:
    with FaultyModelServer(interval_s=2.0, die_after=2) as server:
        yield server


async def _stored_events(settings: Settings, conversation_id: str) -> tuple[list[dict[str, Any]], bool]:
    db = Database(settings.database_url)
    try:
        log = AuditLog(db)
        exported = await log.export(conversation_id)
        verified = await log.verify()
        return exported, verified.ok
    finally:
        await db.close()


def test_a_chat_through_model_faults_is_answered_audited_and_returns_to_the_model(
    tmp_path: Path, model: FaultyModelServer, live_server_factory: Callable[[Settings], LiveServer]
) -> None:
    settings = make_settings(
        tmp_path,
        llm_base_url=model.base_url,
        llm_timeout_s=2.5,  # longer than the slow fault's interval: only the budget ends it
        llm_connect_timeout_s=0.5,
        llm_max_retries=2,
        llm_retry_budget_s=BUDGET_S,
        llm_recheck_after_s=RECHECK_S,
        chat_rate_burst=100,  # the test polls with messages while the recheck window passes
        chat_ip_rate_burst=100,
        metrics_token=METRICS_TOKEN,
    )
    server = live_server_factory(settings)
    timings: dict[str, float] = {}
    offline_replies = 0
    degraded_before = _degraded_turns(server.url)

    async def chat() -> str:
        nonlocal offline_replies
        async with ChatClient(server.url, timeout_s=30) as client:
            await client.greeting()
            assert await client.say("Hello") == OK_TEXT
            for fault, bound in FAULTS.items():
                model.mode = fault
                started = time.monotonic()
                reply = await client.say("What are your opening hours?")
                timings[fault] = time.monotonic() - started
                assert reply and OK_TEXT not in reply, (fault, reply)  # the offline planner answered
                assert timings[fault] < bound, (fault, timings[fault])
                offline_replies += 1
                model.mode = "ok"
                deadline = time.monotonic() + 10
                while True:  # the recheck window passes; then the model has the chat again
                    asked = model.requests["ok"]
                    reply = await client.say("Thanks, and one more thing.")
                    if model.requests["ok"] > asked:
                        assert reply == OK_TEXT, (fault, reply)
                        break
                    assert time.monotonic() < deadline, f"{fault}: the chat never went back to the model"
                    offline_replies += 1
                    await asyncio.sleep(RECHECK_S / 2)  # polling for the window to pass, bounded
            assert client.conversation_id is not None
            return client.conversation_id

    conversation_id = asyncio.run(chat())
    # Degraded turns are the offline planner's, not the ones after the model came back.
    assert _degraded_turns(server.url) - degraded_before == offline_replies
    events, chain_ok = asyncio.run(_stored_events(settings, conversation_id))
    assert chain_ok
    reasons = [e["payload"]["reason"] for e in events if e["kind"] == "agent.model_unavailable"]
    expected = ["connection failed", "mid-answer", "timeout", "not JSON", "http 500"]
    assert len(reasons) == len(expected), reasons
    for reason, phrase in zip(reasons, expected, strict=True):
        assert phrase in reason, (phrase, reason)
    assert sum(1 for e in events if e["kind"] == "agent.model_call") == 1 + len(FAULTS)
    print(
        "\nLIVE CHAT turn times under model faults: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    )
