"""GET /metrics on a real gateway: refused without the token, and its counters moving with a chat,
a call and refused console logins."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest

from gateway.clients.call_simulator import CallSimulator, text_turns
from gateway.clients.chat_client import ChatClient
from tests.conftest import make_settings, running_server
from tests.gateway.observability.conftest import METRICS_TOKEN, Observed, Samples, scrape, value

AUTH_TOKEN = "test-twilio-token"  # what tests.conftest.make_settings configures
DASHBOARD = Path(__file__).parents[3] / "deploy" / "grafana" / "frontdesk-dashboard.json"


def test_metrics_need_the_token(observed: Observed) -> None:
    url = f"{observed.server.url}/metrics"
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
        resp = httpx.get(url, headers=headers)
        assert resp.status_code == 401, headers
        assert resp.headers["www-authenticate"].startswith("Bearer")
        assert "frontdesk_" not in resp.text
    assert value(scrape(observed.server.url), "frontdesk_turns_total", channel="chat") >= 0


def test_metrics_are_not_served_without_a_token_setting(tmp_path: Path) -> None:
    with running_server(make_settings(tmp_path)) as server:
        resp = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert resp.status_code == 404
        assert "frontdesk_" not in resp.text


def _moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_chat_moves_the_counters(observed: Observed) -> None:
    before = observed.scrape()

    async def chat() -> Samples:
        async with ChatClient(observed.server.url) as client:
            await client.greeting()
            during = observed.scrape()
            assert await client.say("which doctors do you have?")
            assert await client.say("I want to talk to a real person please")
            return during

    during = asyncio.run(chat())
    after = observed.scrape()
    assert value(during, "frontdesk_active_conversations", channel="chat") >= 1
    # The chat's connection and the scrape's request are tasks on the gateway's loop at least.
    assert value(during, "frontdesk_event_loop_tasks") >= 2
    assert _moved(before, after, "frontdesk_turns_total", channel="chat") == 2
    assert (
        _moved(before, after, "frontdesk_connector_calls_total", capability="list_providers", outcome="ok")
        >= 1
    )
    assert _moved(before, after, "frontdesk_connector_call_seconds_count", capability="list_providers") >= 1
    assert _moved(before, after, "frontdesk_handoffs_total", reason="caller_request") == 1
    assert _moved(before, after, "frontdesk_turn_stage_seconds_count", channel="chat", stage="planning") == 2
    assert _moved(before, after, "frontdesk_audit_write_seconds_count") >= 1
    assert _moved(before, after, "frontdesk_audit_write_failures_total") == 0


def test_a_failed_identity_check_is_counted(observed: Observed) -> None:
    before = observed.scrape()

    async def chat() -> None:
        async with ChatClient(observed.server.url) as client:
            await client.greeting()
            await client.say("Hi, I need to make an appointment")
            await client.say("Charlotte Clark, born January 2 1970")

    asyncio.run(chat())
    after = observed.scrape()
    assert _moved(before, after, "frontdesk_identity_failures_total", outcome="failed") == 1
    # nobody on file by that name and date of birth: the lookup's outcome is `failed` (not found)
    lookups = sum(
        _moved(
            before, after, "frontdesk_connector_calls_total", capability="find_person_by_name_dob", outcome=o
        )
        for o in ("ok", "failed")
    )
    assert lookups >= 1


@pytest.mark.slow
def test_a_call_moves_the_counters_and_voice_stages(observed: Observed, caller_tts) -> None:
    before = observed.scrape()

    async def call() -> None:
        turns = await text_turns(["Which doctors do you have?", "No, that's all. Goodbye."], caller_tts)
        simulator = CallSimulator(observed.server.ws_url + "/twilio/stream", AUTH_TOKEN)
        await simulator.run(turns)

    asyncio.run(call())
    after = observed.scrape()
    assert _moved(before, after, "frontdesk_turns_total", channel="voice") == 2
    for stage in ("end_of_turn", "stt_queue", "stt_run", "planning", "tts_first_chunk", "reply"):
        assert (
            _moved(before, after, "frontdesk_turn_stage_seconds_count", channel="voice", stage=stage) >= 1
        ), stage
    assert _moved(before, after, "frontdesk_turn_stage_seconds_sum", channel="voice", stage="reply") > 0
    assert (
        _moved(before, after, "frontdesk_connector_calls_total", capability="list_providers", outcome="ok")
        >= 1
    )
    # the call has ended: no voice conversation is open any more; the speech queues are read
    assert value(after, "frontdesk_active_conversations", channel="voice") == 0
    assert ("frontdesk_speech_queue_depth", (("model", "stt"),)) in after


def test_refused_console_logins_are_counted(observed: Observed) -> None:
    before = observed.scrape()
    with httpx.Client(base_url=observed.server.url) as client:
        resp = client.post(
            "/console/login", data={"email": "a@b.example", "password": "x", "csrf_token": "forged"}
        )
        assert resp.status_code == 403
    after = observed.scrape()
    assert _moved(before, after, "frontdesk_console_login_failures_total", reason="csrf_mismatch") == 1


def test_the_dashboard_uses_only_served_metrics(observed: Observed) -> None:
    served = {name for name, _ in observed.scrape()}
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(expressions) >= 14
    used = {name for expr in expressions for name in re.findall(r"\bfrontdesk_[a-z_]+\b", expr)}
    assert used, expressions
    assert used <= served, sorted(used - served)


def test_audit_write_failures_are_counted_and_marked_on_the_trace(tmp_path: Path) -> None:
    from opentelemetry.trace import StatusCode

    from tests.gateway.audit_outage import AuditOutage
    from tests.gateway.observability.conftest import observed_settings, start_observed

    running = start_observed(observed_settings(tmp_path))
    try:
        before = running.scrape()

        async def chat() -> str:
            outage = AuditOutage(running.server.settings.database_url)
            try:
                async with ChatClient(running.server.url) as client:
                    await client.greeting()
                    await outage.start("agent.tool_call", "list_providers")
                    try:
                        reply = await client.say("which doctors do you have?")
                    finally:
                        await outage.end()
                    assert reply and "Patel" not in reply  # not on record: not said
                    assert client.conversation_id is not None
                    return client.conversation_id
            finally:
                await outage.close()

        conversation_id = asyncio.run(chat())
        after = running.scrape()
        assert _moved(before, after, "frontdesk_audit_write_failures_total") >= 1
        failed = [
            s
            for s in running.spans(conversation_id)
            if s.name == "audit.write" and s.status.status_code is StatusCode.ERROR
        ]
        assert failed and (failed[0].attributes or {}).get("frontdesk.event") == "agent.tool_call"
    finally:
        running.server.stop()
