"""The `take_message` built-in with the model planner (played by the fake OpenAI-compatible server)
and the HubSpot connector against the local HubSpot server: no identity check is needed to leave a
message; the runtime reads it back and stores it only after a yes; a verified caller's message also
becomes a task on her own contact; a chat message without a number is refused back to the model."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from agents.api import ConversationState, ReplyDelta, UserTurn
from agents.callbacks import MemoryCallbackBook
from agents.events import EventKind, MemoryAuditSink
from agents.llm import ChatClient, ModelClientConfig
from agents.model_planner import ModelPlanner
from agents.runtime import AgentRuntime
from connectors.hubspot import HubSpotConnector
from tests.agents.test_crm_binding import AMARA, AMARA_PHONE, FAST
from tests.fakes.hubspot_server import FakeHubSpot, RunningFake
from tests.fakes.openai_server import Call, FakeOpenAIServer, Say, ScriptedCall

FAKE_LLM_MODEL = "qwen-messages"


@pytest.fixture
def hubspot() -> Iterator[RunningFake]:
    fake = FakeHubSpot()
    fake.add("contacts", dict(AMARA))
    with RunningFake(fake) as running:
        yield running


class Talk:
    def __init__(
        self, runtime: AgentRuntime, audit: MemoryAuditSink, channel: str, phone: str | None
    ) -> None:
        self.runtime, self.audit = runtime, audit
        self.state = ConversationState(conversation_id="msg-1", channel=channel, caller_phone=phone)

    async def say(self, text: str) -> str:
        turn = UserTurn(text=text, channel=self.state.channel)
        outputs = [o async for o in self.runtime.respond(self.state, turn)]
        return " ".join(o.text for o in outputs if isinstance(o, ReplyDelta))

    def events(self, kind: str) -> list[dict[str, object]]:
        return [payload for _, k, _, payload in self.audit.events if k == kind]


@pytest.fixture
async def runtime_parts(
    fake_llm: FakeOpenAIServer, hubspot: RunningFake
) -> AsyncIterator[tuple[AgentRuntime, MemoryAuditSink, MemoryCallbackBook]]:
    config = ModelClientConfig(
        base_url=fake_llm.base_url, model=FAKE_LLM_MODEL, timeout_s=2.0, max_retries=1, backoff_base_s=0.01
    )
    planner = ModelPlanner(ChatClient(config))
    audit, book = MemoryAuditSink(), MemoryCallbackBook()
    connector = HubSpotConnector(hubspot.fake.token, base_url=hubspot.url, policy=FAST)
    runtime = AgentRuntime(
        connector=connector,
        audit=audit,
        planner=planner,
        timezone="America/Los_Angeles",
        business_name="Bay Clinic",
        callbacks=book,
    )
    try:
        yield runtime, audit, book
    finally:
        await planner.aclose()
        await connector.aclose()


async def test_an_unverified_caller_leaves_a_message(
    runtime_parts: tuple[AgentRuntime, MemoryAuditSink, MemoryCallbackBook],
    fake_llm: FakeOpenAIServer,
    hubspot: RunningFake,
) -> None:
    runtime, audit, book = runtime_parts
    talk = Talk(runtime, audit, "voice", "+15035550112")
    fake_llm.push(
        Call(
            [
                ScriptedCall(
                    "take_message",
                    {"name": "Dana Ortiz", "reason": "my quote", "best_time": "this afternoon"},
                )
            ]
        )
    )
    question = await talk.say(
        "Please have someone call me back about my quote, this afternoon. It's Dana Ortiz."
    )
    assert (
        question
        == "So that's Dana Ortiz, at 503 555 0112, this afternoon, about your quote. Shall I pass that on?"
    )
    tools = {t["function"]["name"] for t in fake_llm.requests[0].body["tools"]}
    assert "take_message" in tools
    assert book.taken == []
    done = await talk.say("Yes, that's right.")
    assert done.startswith(
        "I'll make sure someone calls you back at 503 555 0112 this afternoon about your quote."
    )
    [taken] = book.taken
    assert (taken.name, taken.phone, taken.best_time, taken.channel) == (
        "Dana Ortiz",
        "+15035550112",
        "this afternoon",
        "voice",
    )
    assert hubspot.fake.created("tasks") == []  # not verified: no contact to put a task on
    assert [e["tool"] for e in talk.events(EventKind.CONFIRMATION_GIVEN)] == ["take_message"]


async def test_a_chat_message_needs_a_number(
    runtime_parts: tuple[AgentRuntime, MemoryAuditSink, MemoryCallbackBook], fake_llm: FakeOpenAIServer
) -> None:
    runtime, audit, book = runtime_parts
    talk = Talk(runtime, audit, "chat", None)
    fake_llm.push(
        Call([ScriptedCall("take_message", {"name": "Raj Mehta", "reason": "an invoice"})]),
        Say("What's the best number to reach you?"),
    )
    assert (
        await talk.say("Can someone call me about an invoice? Raj Mehta.")
        == "What's the best number to reach you?"
    )
    [result] = [m for m in fake_llm.requests[-1].messages if m["role"] == "tool"]
    assert json.loads(result["content"])["outcome"] == "invalid"
    assert "No number to call back" in json.loads(result["content"])["error"]
    fake_llm.push(
        Call(
            [
                ScriptedCall(
                    "take_message", {"name": "Raj Mehta", "reason": "an invoice", "phone": "(971) 555-0143"}
                )
            ]
        )
    )
    assert "at 971 555 0143, about an invoice" in await talk.say("971 555 0143")
    assert "Okay, I haven't passed it on" in await talk.say("no")
    assert book.taken == []


async def test_a_verified_callers_message_is_also_a_task_on_her_contact(
    runtime_parts: tuple[AgentRuntime, MemoryAuditSink, MemoryCallbackBook],
    fake_llm: FakeOpenAIServer,
    hubspot: RunningFake,
) -> None:
    runtime, audit, book = runtime_parts
    talk = Talk(runtime, audit, "voice", AMARA_PHONE)
    fake_llm.push(
        Call([ScriptedCall("verify_identity", {"date_of_birth": "1984-02-11"})]), Say("Thank you, Amara.")
    )
    await talk.say("February 11th 1984")
    amara = talk.state.verified_person_id
    assert amara is not None
    fake_llm.push(
        Call(
            [
                ScriptedCall(
                    "take_message",
                    {"name": "Amara Okafor", "reason": "my lab results", "best_time": "tomorrow"},
                )
            ]
        )
    )
    assert "Shall I pass that on?" in await talk.say(
        "Could the nurse call me back tomorrow about my lab results?"
    )
    assert "calls you back at 415 555 0142 tomorrow about your lab results" in await talk.say("yes")
    [task] = hubspot.fake.created("tasks")
    assert task["properties"]["hs_task_subject"] == "Call back: my lab results"
    assert [a["to"]["id"] for a in task["associations"]] == [amara]
    assert book.tasks == {"cb-1": task["id"]}
