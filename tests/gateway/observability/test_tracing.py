"""Turn traces of a real gateway, in an in-memory exporter: one trace per turn, a span per stage,
the conversation id on every span, and nothing a caller said or is on any of them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan

from gateway.clients.call_simulator import CallSimulator, text_turns
from gateway.clients.chat_client import ChatClient
from tests.fakes.openai_server import Fail, FakeOpenAIServer, Say
from tests.gateway.observability.conftest import Observed, observed_settings, start_observed, value

AUTH_TOKEN = "test-twilio-token"
CALLER_NUMBER = "+15035550101"  # Sarah, a demo patient
# What the visitors and callers below say or are: none of it may reach a span.
PRIVATE = ("Charlotte", "Clark", "November", "1989", "11/15", "doctors", "5035550101", "Sarah")


def _attributes(span: ReadableSpan) -> dict[str, object]:
    values: dict[str, object] = dict(span.attributes or {})
    for event in span.events:
        values.update({f"event:{event.name}:{k}": v for k, v in (event.attributes or {}).items()})
    return values


def _assert_no_private_data(spans: list[ReadableSpan]) -> None:
    for span in spans:
        assert not any(word.lower() in span.name.lower() for word in PRIVATE), span.name
        for key, item in _attributes(span).items():
            if key == "frontdesk.conversation_id":
                continue  # a random id (its digits may happen to look like anything)
            for word in PRIVATE:
                assert word.lower() not in str(item).lower(), (span.name, key, item)


def _traces(spans: list[ReadableSpan]) -> dict[int, list[ReadableSpan]]:
    by_trace: dict[int, list[ReadableSpan]] = {}
    for span in spans:
        assert span.context is not None
        by_trace.setdefault(span.context.trace_id, []).append(span)
    return by_trace


def _root(spans: list[ReadableSpan]) -> ReadableSpan:
    [root] = [s for s in spans if s.name == "turn"]
    assert root.parent is None
    return root


def test_chat_turns_are_traced_without_patient_data(observed: Observed) -> None:
    async def chat() -> str:
        async with ChatClient(observed.server.url) as client:
            await client.greeting()
            await client.say("which doctors do you have?")
            await client.say("I need an appointment")
            await client.say("Charlotte Clark, born November 15 1989")
            assert client.conversation_id is not None
            return client.conversation_id

    conversation_id = asyncio.run(chat())
    spans = observed.spans(conversation_id)
    traces = _traces(spans)
    assert len(traces) == 4  # the greeting and three turns, one trace each
    names = {s.name for s in spans}
    assert {"turn", "planning", "connector.call", "audit.write"} <= names, names
    for trace_spans in traces.values():
        root = _root(trace_spans)
        assert root.attributes is not None and root.attributes["frontdesk.channel"] == "chat"
        for span in trace_spans:
            assert span.attributes is not None
            assert span.attributes["frontdesk.conversation_id"] == conversation_id
            if span is not root:
                assert span.parent is not None and span.parent.span_id == root.context.span_id
                assert root.start_time <= span.start_time and span.end_time <= root.end_time
    calls = [s for s in spans if s.name == "connector.call"]
    capabilities = {(s.attributes or {}).get("frontdesk.capability") for s in calls}
    assert {"list_providers", "find_person_by_name_dob"} <= capabilities
    assert all((s.attributes or {}).get("frontdesk.outcome") == "ok" for s in calls)
    _assert_no_private_data(spans)


@pytest.mark.slow
def test_call_turns_have_listening_stt_and_synthesis_spans(observed: Observed, caller_tts) -> None:
    async def call() -> str:
        turns = await text_turns(["Which doctors do you have?", "No, that's all. Goodbye."], caller_tts)
        simulator = CallSimulator(
            observed.server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=CALLER_NUMBER
        )
        report = await simulator.run(turns)
        return str(report.transcript["conversation_id"])

    conversation_id = asyncio.run(call())
    spans = observed.spans(conversation_id)
    traces = _traces(spans)
    assert len(traces) == 3  # the greeting and two turns
    caller_turns = [t for t in traces.values() if any(s.name == "listening" for s in t)]
    assert len(caller_turns) == 2
    for trace_spans in caller_turns:
        root = _root(trace_spans)
        names = [s.name for s in trace_spans]
        for stage in ("listening", "stt", "planning", "synthesis"):
            assert names.count(stage) == 1, (stage, names)
        # the turn's events stored at its end, and before that each one the caller must not hear
        # about before it is on record (a connector call and its result)
        assert names.count("audit.write") == 1 + names.count("connector.call"), names
        by_name = {s.name: s for s in trace_spans}
        listening, stt, planning = by_name["listening"], by_name["stt"], by_name["planning"]
        assert listening.end_time is not None and stt.start_time is not None
        assert listening.start_time == root.start_time
        assert listening.end_time <= stt.start_time <= planning.end_time  # type: ignore[operator]
        assert (listening.attributes or {})["frontdesk.audio_ms"] > 0  # type: ignore[operator]
    assert any(s.name == "connector.call" for s in spans)
    _assert_no_private_data(spans)


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(model="clinic-7b") as server:
        yield server


@pytest.fixture(scope="module")
def observed_with_model(
    tmp_path_factory: pytest.TempPathFactory, model_server: FakeOpenAIServer
) -> Iterator[Observed]:
    settings = observed_settings(
        tmp_path_factory.mktemp("model"),
        llm_base_url=model_server.base_url,
        llm_model="clinic-7b",
        llm_max_retries=0,
        llm_timeout_s=5.0,
    )
    running = start_observed(settings)
    yield running
    running.server.stop()


def test_model_calls_are_spans_and_a_failing_model_degrades(
    observed_with_model: Observed, model_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    observed = observed_with_model
    before = observed.scrape()

    async def chat() -> str:
        async with ChatClient(observed.server.url) as client:
            await client.greeting()
            model_server.push(Say("We have three doctors: Dr. Patel, Dr. Chen and Dr. Okafor."))
            await client.say("which doctors do you have?")
            model_server.push(Fail(500))
            assert await client.say("what are your opening hours?")  # the offline planner answers
            assert client.conversation_id is not None
            return client.conversation_id

    conversation_id = asyncio.run(chat())
    after = observed.scrape()
    spans = observed.spans(conversation_id)
    [model_call] = [s for s in spans if s.name == "model.call"]
    attributes = model_call.attributes or {}
    assert attributes["frontdesk.model"] == "clinic-7b"
    assert attributes["frontdesk.conversation_id"] == conversation_id
    [root] = [
        s
        for s in spans
        if s.name == "turn" and model_call.parent and s.context.span_id == model_call.parent.span_id
    ]
    assert root.start_time <= model_call.start_time  # type: ignore[operator]
    assert any(e.name == "model unavailable" for s in spans for e in s.events)
    _assert_no_private_data(spans)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("frontdesk_turn_stage_seconds_count", channel="chat", stage="model") == 1
    assert moved("frontdesk_model_errors_total", planner="model") == 1
    assert moved("frontdesk_degraded_turns_total", channel="chat") == 1
