"""The CRM tools act on the verified caller's own contact: the runtime, not the model, says whose.

The real runtime with the model planner (played by the fake OpenAI-compatible server) and the
HubSpot connector against the local HubSpot server. Amara calls from the number she shares with
Kofi; Lena is someone else. Whatever contact the model names, nothing reaches Lena or Kofi.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from agents.api import ConversationState, ReplyDelta, UserTurn
from agents.events import EventKind, MemoryAuditSink
from agents.llm import ChatClient, ModelClientConfig
from agents.model_planner import ModelPlanner
from agents.runtime import AgentRuntime
from connectors.hubspot import HubSpotConnector
from connectors.resilience import ResiliencePolicy
from tests.fakes.hubspot_server import FakeHubSpot, RunningFake
from tests.fakes.openai_server import Call, FakeOpenAIServer, RecordedRequest, Say, ScriptedCall

FAKE_LLM_MODEL = "qwen-crm"
FAST = ResiliencePolicy(timeout_s=2.0, attempts=2, backoff_initial_s=0.01, backoff_max_s=0.05, jitter_s=0.0)
AMARA_PHONE = "+14155550142"
# The caller on file in these tests (a HubSpot contact's properties).
AMARA = {"firstname": "Amara", "lastname": "Okafor", "phone": "(415) 555-0142", "date_of_birth": "1984-02-11"}


@pytest.fixture
def hubspot() -> Iterator[RunningFake]:
    fake = FakeHubSpot()
    fake.add("contacts", dict(AMARA))
    # Same household number, another person.
    fake.add(
        "contacts",
        {
            "firstname": "Kofi",
            "lastname": "Okafor",
            "phone": "+1 415 555 0142",
            "date_of_birth": "2011-06-03",
        },
    )
    fake.add(
        "contacts",
        {"firstname": "Lena", "lastname": "Berg", "phone": "+14155550199", "email": "lena@example.org"},
    )
    with RunningFake(fake) as running:
        yield running


def _contact_id(hubspot: RunningFake, first_name: str) -> str:
    return next(
        c["id"] for c in hubspot.fake.created("contacts") if c["properties"]["firstname"] == first_name
    )


class Caller:
    """One call from Amara's number through the runtime: what she heard, what was audited."""

    def __init__(self, runtime: AgentRuntime, audit: MemoryAuditSink) -> None:
        self.runtime = runtime
        self.audit = audit
        self.state = ConversationState(conversation_id="crm-call", channel="voice", caller_phone=AMARA_PHONE)

    async def say(self, text: str) -> str:
        outputs = [o async for o in self.runtime.respond(self.state, UserTurn(text=text, channel="voice"))]
        return " ".join(o.text for o in outputs if isinstance(o, ReplyDelta))

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [payload for _, k, _, payload in self.audit.events if k == kind]

    def kinds(self) -> list[str]:
        return [k for _, k, _, _ in self.audit.events]


@pytest.fixture
async def caller(fake_llm: FakeOpenAIServer, hubspot: RunningFake) -> AsyncIterator[Caller]:
    planner = ModelPlanner(
        ChatClient(
            ModelClientConfig(
                base_url=fake_llm.base_url,
                model=FAKE_LLM_MODEL,
                timeout_s=2.0,
                max_retries=1,
                backoff_base_s=0.01,
            )
        )
    )
    audit = MemoryAuditSink()
    connector = HubSpotConnector(hubspot.fake.token, base_url=hubspot.url, policy=FAST)
    runtime = AgentRuntime(
        connector=connector,
        audit=audit,
        planner=planner,
        timezone="America/Los_Angeles",
        business_name="Bay Clinic",
    )
    try:
        yield Caller(runtime, audit)
    finally:
        await planner.aclose()
        await connector.aclose()


def _tool_results(request: RecordedRequest, name: str) -> list[dict[str, Any]]:
    return [
        json.loads(m["content"]) for m in request.messages if m["role"] == "tool" and m.get("name") == name
    ]


def _refusals(caller: Caller, tool: str) -> list[str]:
    return [e["rule"] for e in caller.events(EventKind.POLICY_REFUSAL) if e["tool"] == tool]


async def test_crm_tools_name_no_contact_and_need_a_verified_caller(
    caller: Caller, fake_llm: FakeOpenAIServer, hubspot: RunningFake
) -> None:
    amara, kofi, lena = (_contact_id(hubspot, n) for n in ("Amara", "Kofi", "Lena"))

    # Not verified: no ticket, even one on nobody's file.
    fake_llm.push(
        Call([ScriptedCall("open_ticket", {"subject": "Billing question"})]),
        Say("May I have your date of birth?"),
    )
    await caller.say("I have a billing question, please open a ticket.")
    assert _refusals(caller, "open_ticket") == ["identity_not_verified"]
    assert hubspot.fake.created("tickets") == []
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in fake_llm.requests[0].body["tools"]}
    # What the model may fill in: nothing that says whose contact.
    assert set(tools["add_note"]["properties"]) == {"body"}
    assert set(tools["open_ticket"]["properties"]) == {"subject", "body"}
    assert tools["find_contact"].get("properties", {}) == {}
    described = {
        t["function"]["name"]: t["function"]["description"] for t in fake_llm.requests[0].body["tools"]
    }
    assert all(
        "verified caller's own contact" in described[n] for n in ("find_contact", "add_note", "open_ticket")
    )

    fake_llm.push(
        Call([ScriptedCall("verify_identity", {"date_of_birth": "1984-02-11"})]), Say("Thank you, Amara.")
    )
    await caller.say("February 11th 1984")
    assert caller.state.verified_person_id == amara

    # A contact the model names is refused with the reason; the caller's own is looked up (by her
    # number: she has no e-mail on file), and the model sees only hers, not Kofi's on that number.
    fake_llm.push(
        Call([ScriptedCall("find_contact", {"phone": "+14155550199"})]),
        Call([ScriptedCall("find_contact", {})]),
        Say("We have (415) 555-0142 for you."),
    )
    await caller.say("Which phone number do you have for me?")
    assert _refusals(caller, "find_contact") == ["invalid_arguments"]
    [found] = _tool_results(fake_llm.requests[-1], "find_contact")[-1:]
    assert [c["id"] for c in found["result"]["contacts"]] == [amara]
    searched = caller.events(EventKind.TOOL_CALL)[-1]
    assert searched["tool"] == "find_contact" and searched["arguments"]["phone"] == "(415) 555-0142"
    assert kofi in json.dumps(searched["result"])  # the audit keeps what the CRM answered

    # A note: Lena's id is refused; without an id it goes to Amara's file, and the question says so.
    fake_llm.push(
        Call([ScriptedCall("add_note", {"contact_id": lena, "body": "Prefers morning calls."})]),
        Call([ScriptedCall("add_note", {"body": "Prefers morning calls."})]),
    )
    question = await caller.say("Please note that I prefer calls in the morning.")
    assert _refusals(caller, "add_note") == ["invalid_arguments"]
    assert 'to Amara Okafor\'s file saying: "Prefers morning calls". Shall I go ahead?' in question, question
    assert "your file" not in question
    done = await caller.say("Yes, please.")
    assert "Done. I've added the note to Amara Okafor's file." in done, done
    [note] = hubspot.fake.created("notes")
    assert [a["to"]["id"] for a in note["associations"]] == [amara]
    intent = caller.events(EventKind.WRITE_INTENT)[-1]
    assert intent["tool"] == "add_note" and intent["request"]["contact_id"] == amara
    kinds = caller.kinds()
    assert kinds.index(EventKind.WRITE_INTENT) < max(
        i
        for i, e in enumerate(caller.audit.events)
        if e[1] == EventKind.TOOL_CALL and e[3]["tool"] == "add_note"
    )

    # A ticket, now that she is verified: on her file, named in the question.
    fake_llm.push(
        Call([ScriptedCall("open_ticket", {"subject": "Billing question", "body": "Charged twice."})])
    )
    question = await caller.say("And open that billing ticket now.")
    assert 'open a request about "Billing question" on Amara Okafor\'s file' in question, question
    done = await caller.say("Yes.")
    assert "Done. I've opened the request on Amara Okafor's file." in done, done
    [ticket] = hubspot.fake.created("tickets")
    assert [a["to"]["id"] for a in ticket["associations"]] == [amara]
    assert all(kofi not in json.dumps(o["associations"]) for o in [*hubspot.fake.created("notes"), ticket])
    validation = caller.events(EventKind.VALIDATION)
    assert [v["ok"] for v in validation] == [True, True]
    assert [v["expected"] for v in validation] == [{"contact_id": amara}, {"contact_id": amara}]
