"""The model server failing under a real conversation: the factory's agent (model planner, offline
planner as its degraded mode, the demo practice) against `FaultyModelServer` over real HTTP.

For each fault: the turn ends within a bound derived from the client settings (the retry budget
plus one interval of the fault), the visitor gets an answer (the offline planner's or a handoff),
`agent.model_unavailable` names the reason, and once the server answers again (and the planner's
recheck window has passed) the same conversation's next turn is the model's again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from agents.events import EventKind, MemoryAuditSink
from agents.factory import build_agent, fixed_clock
from agents.llm import ModelClientConfig
from agents.model_planner import ModelPlanner
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, TZ, Chat
from tests.fakes.faulty_model_server import OK_TEXT, FaultyModelServer

# Short client settings (production: 20 s read timeout, 30 s budget, 2 retries, 10 s recheck).
TIMEOUT_S = 2.5  # longer than the slow fault's interval: only the budget can end it
BUDGET_S = 3.0
RECHECK_S = 0.3
INTERVAL_S = 2.0  # the slow fault: one chunk every 2 s
# Worst case for one model attempt series: the budget, plus one fault interval the client waits
# for before it sees the budget is spent, plus slack for a loaded 2-core machine.
TURN_BOUND_S = BUDGET_S + INTERVAL_S + 2.0

# fault -> what the audited reason must contain
FAULTS = {
    "refuse": "connection failed",
    "die": "mid-answer",
    "slow": "timeout",
    "keepalive": "timeout",
    "garbage_json": "not JSON",
    "garbage_shape": "protocol error",
    "http500": "http 500",
    "http429": "http 429",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyModelServer]:
    with FaultyModelServer(interval_s=INTERVAL_S, die_after=2) as s:
        yield s


@pytest.fixture
def model(server: FaultyModelServer) -> Iterator[FaultyModelServer]:
    server.mode = "ok"
    server.requests.clear()
    yield server
    server.mode = "ok"


def _config(server: FaultyModelServer) -> ModelClientConfig:
    return ModelClientConfig(
        base_url=server.base_url,
        timeout_s=TIMEOUT_S,
        connect_timeout_s=0.5,
        max_retries=2,
        retry_budget_s=BUDGET_S,
        backoff_base_s=0.05,
        recheck_after_s=RECHECK_S,
    )


def _chat(
    server: FaultyModelServer, demo: DemoConnector, audit: MemoryAuditSink, channel: str = "chat"
) -> Chat:
    agent = build_agent(
        connector=demo,
        audit=audit,
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
        llm=_config(server),
    )
    return Chat(agent, audit, channel=channel)


async def _timed(chat: Chat, text: str) -> tuple[str, float]:
    started = time.monotonic()
    reply = await chat.say(text)
    return reply, time.monotonic() - started


def _wait_until_back(planner: Any, deadline_s: float = 5.0) -> None:
    assert isinstance(planner, ModelPlanner)
    end = time.monotonic() + deadline_s
    while not planner.available():
        assert time.monotonic() < end, "the planner's recheck window did not pass"
        time.sleep(0.02)


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_model_fault_degrades_within_bound_and_recovers(
    fault: str, model: FaultyModelServer, demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    chat = _chat(model, demo, audit)
    assert OK_TEXT in await chat.say("Hello")
    assert len(chat.events(EventKind.MODEL_CALL)) == 1

    model.mode = fault
    reply, took = await _timed(chat, "What are your opening hours?")
    assert took < TURN_BOUND_S, f"{fault}: the turn took {took:.1f} s"
    assert reply.strip() and OK_TEXT not in reply  # the offline planner answered
    [unavailable] = chat.events(EventKind.MODEL_UNAVAILABLE)
    assert unavailable["planner"] == "model" and unavailable["fallback"] is True
    assert FAULTS[fault] in unavailable["reason"], unavailable
    assert not chat.state.handed_off  # the offline planner carried on
    print(f"\nFAULT {fault}: turn {took:.2f} s, reason {unavailable['reason'][:80]!r}")

    # The model answers again: once the recheck window has passed, the next turn is the model's.
    model.mode = "ok"
    _wait_until_back(chat.agent.planner)
    asked = model.requests["ok"]
    assert OK_TEXT in await chat.say("Thanks. One more question.")
    assert model.requests["ok"] == asked + 1
    assert len(chat.events(EventKind.MODEL_CALL)) == 2
    assert len(chat.events(EventKind.MODEL_UNAVAILABLE)) == 1


async def test_a_broken_model_is_not_waited_for_again_within_the_recheck_window(
    model: FaultyModelServer, demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    """The slow server costs one conversation its budget; a new call right after goes to the offline
    planner at once instead of waiting the budget out again."""
    first = _chat(model, demo, audit)
    planner = first.agent.planner
    assert isinstance(planner, ModelPlanner)
    planner.recheck_after_s = 60.0  # the window stays open for this test
    model.mode = "slow"
    _, slow_turn = await _timed(first, "Hello")
    assert slow_turn >= BUDGET_S * 0.9
    second = Chat(first.agent, audit, channel="voice")
    asked = sum(model.requests.values())
    reply, took = await _timed(second, "Hello, what are your opening hours?")
    assert took < 1.0 and reply.strip()
    assert sum(model.requests.values()) == asked  # not asked
    reasons = [p["reason"] for _, k, _, p in audit.events if k == EventKind.MODEL_UNAVAILABLE]
    assert len(reasons) == 2 and "not asked again" in reasons[1], reasons


async def test_tool_calls_with_invalid_arguments_end_in_a_bounded_turn(
    model: FaultyModelServer, demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    """A model that only ever writes broken tool arguments: each is refused and sent back for
    repair, a bounded number of times, then a person takes over; no write happens."""
    chat = _chat(model, demo, audit)
    model.mode = "bad_tool_args"
    reply, took = await _timed(chat, "Do you have anything free tomorrow?")
    assert took < TURN_BOUND_S
    assert chat.state.handed_off and reply.strip()
    refusals = chat.events(EventKind.POLICY_REFUSAL)
    assert refusals and {r["rule"] for r in refusals} == {"invalid_arguments"}
    [handoff] = chat.events(EventKind.HANDOFF)
    assert "refused" in handoff["reason"]
    assert not [e for e in chat.events(EventKind.TOOL_CALL) if e.get("outcome") == "ok"]
    print(f"\nFAULT bad_tool_args: turn {took:.2f} s, {model.requests['bad_tool_args']} model calls")


async def test_a_voice_call_with_the_model_down_from_the_start(
    model: FaultyModelServer, demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    """Model server down before the call: the greeting and the first turn come at once, from the
    offline planner; the reason is audited."""
    model.mode = "refuse"
    chat = _chat(model, demo, audit, channel="voice")
    reply, took = await _timed(chat, "Hi, I'd like to know your opening hours.")
    assert took < 2.0 and reply.strip()
    [unavailable] = chat.events(EventKind.MODEL_UNAVAILABLE)
    assert "connection failed" in unavailable["reason"] and unavailable["fallback"] is True
    print(f"\nFAULT refuse before the call (voice): turn {took:.2f} s")
