"""The model planner's single steps against the fake model server (no runtime in between):
what it sends, what it hands back, how it streams and fails."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agents.llm import ChatClient, ModelClientConfig
from agents.model_planner import MAX_SAY_CHARS, ModelPlanner
from agents.planner import CallerFacts, Message, PlanContext, PlannerUnavailable, PlanStep, ToolCall
from agents.tools import ToolRegistry
from connectors.base import Capability
from tests.fakes.openai_server import Call, Fail, FakeOpenAIServer, Say, ScriptedCall

FAKE_LLM_MODEL = "served-model"  # what the shared `fake_llm` fixture serves this module
TZ = ZoneInfo("America/Chicago")


@pytest.fixture
async def planner(fake_llm: FakeOpenAIServer):
    config = ModelClientConfig(
        base_url=fake_llm.base_url, model="clinic", timeout_s=1, max_retries=1, backoff_base_s=0.01
    )
    planner = ModelPlanner(ChatClient(config), max_steps=4)
    yield planner
    await planner.aclose()


def context(
    messages: list[Message], *, step: int = 0, verified: bool = False, pending: str | None = None
) -> PlanContext:
    return PlanContext(
        conversation_id="c-1",
        channel="voice",
        business_name="Lakeside Dental Care",
        timezone="America/Chicago",
        # 23:30 in Chicago is already the next day in UTC: the prompt must say the local date.
        now=datetime(2031, 3, 4, 23, 30, tzinfo=TZ),
        messages=messages,
        tools=ToolRegistry.from_capabilities(set(Capability)),
        caller=CallerFacts(
            verified=verified,
            first_name="Jo" if verified else None,
            person_id="p-9" if verified else None,
            pending_action=pending,
        ),
        step=step,
    )


async def test_request_carries_prompt_history_and_tools(
    planner: ModelPlanner, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.push(Say("Sure. What is your full name and date of birth?"))
    ctx = context([Message(role="user", content="I'd like to see the dentist next week.")])
    step = await planner.plan(ctx)
    assert step.say == "Sure. What is your full name and date of birth?"
    assert step.tool_calls == []

    sent = fake_llm.requests[0].body
    system = sent["messages"][0]
    assert system["role"] == "system"
    assert "Lakeside Dental Care" in system["content"]
    assert "Tuesday, March 4th" in system["content"] and "2031-03-04" in system["content"]
    assert "NOT verified" in system["content"]
    assert sent["messages"][1:] == [{"role": "user", "content": "I'd like to see the dentist next week."}]
    assert sent["tools"] == ctx.tools.openai_tools()
    assert sent["tool_choice"] == "auto"
    # The identity lookups stay behind verify_identity; the model never sees them.
    assert "find_person_by_name_dob" not in fake_llm.requests[0].tool_names
    assert "verify_identity" in fake_llm.requests[0].tool_names

    info = step.model_call
    assert info is not None and info.model == "served-model"
    assert info.latency_ms > 0 and info.prompt_tokens and info.completion_tokens
    assert info.prompt["system"] == system["content"]
    assert info.prompt["this_turn"] == sent["messages"][1:] and info.prompt["earlier_messages"] == 0
    canonical = json.dumps(sent["messages"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert info.prompt["messages_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert info.output["text"] == step.say


async def test_tool_calls_come_back_verbatim_even_when_malformed(
    planner: ModelPlanner, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.push(
        Call(
            [
                ScriptedCall(
                    "list_free_slots", {"start_date": "2031-03-10", "end_date": "2031-03-14"}, id="c1"
                ),
                ScriptedCall("verify_identity", '{"first_name": "Jo", "date_of_birth": 1990-01-0', id="c2"),
            ],
            text="Let me check.",
        )
    )
    step = await planner.plan(context([Message(role="user", content="anything next week?")]))
    assert step.say == "Let me check."
    assert [c.name for c in step.tool_calls] == ["list_free_slots", "verify_identity"]
    assert json.loads(step.tool_calls[0].arguments) == {"start_date": "2031-03-10", "end_date": "2031-03-14"}
    assert step.tool_calls[1].arguments == '{"first_name": "Jo", "date_of_birth": 1990-01-0'


async def test_tool_history_is_sent_in_wire_form(planner: ModelPlanner, fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Say("I have Thursday at 9 AM."))
    history = [
        Message(role="user", content="a slot on Thursday"),
        Message(
            role="assistant",
            content=None,
            tool_calls=[
                ToolCall(
                    id="t1",
                    name="list_free_slots",
                    arguments={"start_date": "2031-03-06", "end_date": "2031-03-06"},
                )
            ],
        ),
        Message(role="tool", tool_call_id="t1", name="list_free_slots", content='{"outcome": "ok"}'),
        Message(role="tool", tool_call_id="zz", name="list_providers", content='{"outcome": "ok"}'),  # orphan
    ]
    await planner.plan(context(history, step=1, verified=True, pending="book you with Dr. Ray"))
    sent = fake_llm.requests[0].body["messages"]
    assert sent[2]["tool_calls"][0]["function"] == {
        "name": "list_free_slots",
        "arguments": json.dumps({"start_date": "2031-03-06", "end_date": "2031-03-06"}),
    }
    assert sent[3] == {
        "role": "tool",
        "tool_call_id": "t1",
        "name": "list_free_slots",
        "content": '{"outcome": "ok"}',
    }
    assert (
        sent[4]["role"] == "user" and "list_providers" in sent[4]["content"]
    )  # an orphan would break templates
    assert "verified as Jo" in sent[0]["content"] and "book you with Dr. Ray" in sent[0]["content"]


async def test_last_allowed_step_switches_tools_off(
    planner: ModelPlanner, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.push(
        Call([ScriptedCall("list_providers", {})], text="I could not finish that. Shall I transfer you?")
    )
    step = await planner.plan(context([Message(role="user", content="hi")], step=3))
    assert fake_llm.requests[0].body["tool_choice"] == "none"
    assert step.tool_calls == []  # a model ignoring tool_choice gets no more steps
    assert step.say == "I could not finish that. Shall I transfer you?"


async def test_reply_streams_in_sentences_without_markdown(
    planner: ModelPlanner, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.push(Say("**Sure.** I found Dr. Ray on Friday at 9 AM. Shall I book it?", chunk_chars=3))
    items = [item async for item in planner.plan_stream(context([Message(role="user", content="book me")]))]
    assert items[:-1] == ["Sure.", "I found Dr. Ray on Friday at 9 AM.", "Shall I book it?"]
    assert isinstance(items[-1], PlanStep)
    assert items[-1].say == "Sure. I found Dr. Ray on Friday at 9 AM. Shall I book it?"


async def test_enormous_history_is_capped(planner: ModelPlanner, fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Say("Could you say that more briefly?"))
    history = [Message(role="user", content="blah " * 5000) for _ in range(20)]
    history.append(Message(role="user", content="The last thing I said."))
    await planner.plan(context(history))
    sent = fake_llm.requests[0].body["messages"]
    assert len(json.dumps(sent[1:])) < 30000
    assert sent[-1]["content"] == "The last thing I said."


async def test_outage_and_garbage_become_planner_unavailable(
    planner: ModelPlanner, fake_llm: FakeOpenAIServer
) -> None:
    planner.recheck_after_s = 0.0  # asked again at once (tests/agents/llm/test_faults.py: the window)
    fake_llm.push(Fail(500), Fail(500))
    with pytest.raises(PlannerUnavailable) as outage:
        await planner.plan(context([Message(role="user", content="hello")]))
    assert "http 500" in outage.value.reason
    fake_llm.push(Fail(404, "no such model"))
    with pytest.raises(PlannerUnavailable) as protocol:
        await planner.plan(context([Message(role="user", content="hello")]))
    assert "404" in protocol.value.reason
    fake_llm.push(Say(""))
    with pytest.raises(PlannerUnavailable) as empty:
        await planner.plan(context([Message(role="user", content="hello")]))
    assert "empty" in empty.value.reason


async def test_rambling_reply_is_cut_at_whole_sentences(
    planner: ModelPlanner, fake_llm: FakeOpenAIServer
) -> None:
    sentence = "We are open every weekday from nine in the morning until five in the afternoon."
    fake_llm.push(Say(" ".join([sentence] * 60), chunk_chars=40))
    items = [item async for item in planner.plan_stream(context([Message(role="user", content="hours?")]))]
    step = items[-1]
    assert isinstance(step, PlanStep) and step.say is not None
    assert 0 < len(step.say) <= MAX_SAY_CHARS
    assert items[:-1] == [sentence] * len(items[:-1])  # only whole sentences were streamed
    assert step.say == " ".join(items[:-1])

    fake_llm.push(Say("word " * 2000))  # one endless sentence
    step = await planner.plan(context([Message(role="user", content="hours?")]))
    assert step.say is not None and len(step.say) <= MAX_SAY_CHARS + 1 and step.say.endswith(".")
