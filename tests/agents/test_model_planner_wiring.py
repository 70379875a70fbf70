"""The model planner as the gateway builds it from `FRONTDESK_LLM_*` settings."""

from __future__ import annotations

from pathlib import Path

from agents.api import ConversationState, ReplyDelta, UserTurn
from agents.events import EventKind, MemoryAuditSink
from agents.model_planner import ModelPlanner
from agents.offline.planner import OfflinePlanner
from gateway.wiring import build_agent_for
from tests.agents.test_model_planner import TZ, _practice
from tests.conftest import make_settings
from tests.fakes.openai_server import FakeOpenAIServer, Say, Stall


async def test_settings_select_the_model_planner_with_offline_fallback(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        settings = make_settings(
            tmp_path,
            timezone=TZ,
            llm_base_url=server.base_url,
            llm_model="clinic-7b",
            llm_api_key="secret-key",
            llm_timeout_s=1.0,
            llm_max_retries=0,
            llm_max_tokens=200,
        )
        audit = MemoryAuditSink()
        agent = build_agent_for(settings, await _practice(), audit)
        assert isinstance(agent.planner, ModelPlanner) and isinstance(agent.fallback, OfflinePlanner)
        try:
            state = ConversationState(conversation_id="wired", channel="voice")
            server.push(Say("Happy to help. What is your full name and date of birth?"))
            out = [
                o async for o in agent.respond(state, UserTurn(text="I need an appointment", channel="voice"))
            ]
            assert [o.text for o in out if isinstance(o, ReplyDelta)] == [
                "Happy to help.",
                "What is your full name and date of birth?",
            ]
            sent = server.requests[0]
            assert sent.body["model"] == "clinic-7b" and sent.body["max_tokens"] == 200
            assert sent.headers["Authorization"] == "Bearer secret-key"
            assert "Riverside Family Clinic" in sent.messages[0]["content"]  # the configured business name

            # The configured timeout is the one in force: a stall past it degrades to offline.
            server.push(Stall(10.0))
            out = [o async for o in agent.respond(state, UserTurn(text="Book me in please", channel="voice"))]
            assert any(isinstance(o, ReplyDelta) for o in out) and not state.handed_off
            unavailable = [p for _, k, _, p in audit.events if k == EventKind.MODEL_UNAVAILABLE]
            assert unavailable and "timeout" in unavailable[0]["reason"]
        finally:
            await agent.planner.aclose()
