"""The chat client against a real local HTTP server speaking the OpenAI wire format."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import SecretStr

from agents.llm import (
    ChatClient,
    Completion,
    ModelClientConfig,
    ModelProtocolError,
    ModelUnavailable,
    TextDelta,
)
from tests.fakes.openai_server import Call, Fail, FakeOpenAIServer, GoDown, Raw, Say, ScriptedCall, Stall

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "list_free_slots",
            "description": "List free slots.",
            "parameters": {"type": "object", "properties": {"start_date": {"type": "string"}}},
        },
    }
]


def config(server: FakeOpenAIServer, **overrides: object) -> ModelClientConfig:
    values: dict[str, object] = {
        "base_url": server.base_url,
        "model": "clinic-model",
        "api_key": SecretStr("sk-test-123"),
        "timeout_s": 1.0,
        "max_retries": 2,
        "backoff_base_s": 0.01,
        "retry_budget_s": 10.0,
    }
    values.update(overrides)
    return ModelClientConfig(**values)


async def collect(client: ChatClient, **kwargs: object) -> tuple[list[str], Completion]:
    deltas: list[str] = []
    final: Completion | None = None
    async for event in client.stream([{"role": "user", "content": "hello"}], **kwargs):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        else:
            assert final is None, "exactly one Completion per stream"
            final = event
    assert final is not None
    return deltas, final


async def test_streamed_text_is_assembled_and_usage_reported(fake_llm: FakeOpenAIServer) -> None:
    reply = "Good morning, Riverside Family Clinic. How can I help you today?"
    fake_llm.push(Say(reply, chunk_chars=5))
    async with ChatClient(config(fake_llm)) as client:
        deltas, completion = await collect(client)
    assert len(deltas) > 5  # really arrived in pieces
    assert "".join(deltas) == reply == completion.text
    assert completion.tool_calls == []
    assert completion.finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens == len(reply) // 4
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.latency_ms > 0 and completion.first_token_ms is not None
    assert completion.first_token_ms <= completion.latency_ms

    sent = fake_llm.requests[0]
    assert sent.headers["Authorization"] == "Bearer sk-test-123"
    assert sent.body["model"] == "clinic-model"
    assert sent.body["stream"] is True and sent.body["stream_options"] == {"include_usage": True}


async def test_parallel_tool_calls_assembled_by_index(fake_llm: FakeOpenAIServer) -> None:
    first = {"start_date": "2030-01-07", "end_date": "2030-01-11", "part_of_day": "afternoon"}
    second = {"first_name": "Ana María", "last_name": "O'Neil", "date_of_birth": "1984-02-29"}
    fake_llm.push(
        Call(
            [
                ScriptedCall("list_free_slots", first, id="call_a"),
                ScriptedCall("find_person", second, id="call_b"),
            ],
            text="One moment.",
            chunk_chars=4,
        )
    )
    async with ChatClient(config(fake_llm)) as client:
        deltas, completion = await collect(client, tools=TOOLS)
    assert "".join(deltas) == "One moment."
    assert [(c.id, c.name) for c in completion.tool_calls] == [
        ("call_a", "list_free_slots"),
        ("call_b", "find_person"),
    ]
    assert completion.tool_calls[0].arguments == first
    assert completion.tool_calls[1].arguments == second
    assert completion.finish_reason == "tool_calls"
    assert fake_llm.requests[0].body["tools"] == TOOLS
    assert fake_llm.requests[0].body["tool_choice"] == "auto"
    # The assistant message round-trips the calls verbatim for the next request's history.
    wire = completion.assistant_message()["tool_calls"]
    assert [json.loads(c["function"]["arguments"]) for c in wire] == [first, second]


async def test_malformed_tool_arguments_are_surfaced_not_raised(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Call([ScriptedCall("list_free_slots", '{"start_date": "2030-01-07",')]))
    fake_llm.push(Call([ScriptedCall("list_free_slots", '["2030-01-07"]')]))
    async with ChatClient(config(fake_llm)) as client:
        _, broken = await collect(client, tools=TOOLS)
        _, not_object = await collect(client, tools=TOOLS)
    call = broken.tool_calls[0]
    assert call.arguments is None
    assert call.arguments_error is not None and "not valid JSON" in call.arguments_error
    assert call.arguments_json == '{"start_date": "2030-01-07",'
    assert not_object.tool_calls[0].arguments is None
    assert "JSON object" in (not_object.tool_calls[0].arguments_error or "")


async def test_non_streaming_completion(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Call([ScriptedCall("list_free_slots", {"start_date": "2030-02-01"})], text="Let me look."))
    async with ChatClient(config(fake_llm, api_key=None)) as client:
        completion = await client.complete([{"role": "user", "content": "any slots?"}], tools=TOOLS)
    assert completion.text == "Let me look."
    assert completion.tool_calls[0].arguments == {"start_date": "2030-02-01"}
    assert completion.usage is not None and completion.usage.prompt_tokens > 0
    sent = fake_llm.requests[0]
    assert sent.body["stream"] is False and "stream_options" not in sent.body
    assert "Authorization" not in sent.headers


async def test_5xx_is_retried_then_succeeds(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Fail(500), Fail(503), Say("Hello again."))
    async with ChatClient(config(fake_llm, max_retries=2)) as client:
        deltas, completion = await collect(client)
    assert "".join(deltas) == "Hello again."
    assert completion.attempts == 3
    assert len(fake_llm.requests) == 3
    # Every attempt sent the same request.
    assert all(r.body == fake_llm.requests[0].body for r in fake_llm.requests)


async def test_5xx_beyond_the_retry_budget_is_model_unavailable(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Fail(500), Fail(502), Fail(503), Say("never sent"))
    async with ChatClient(config(fake_llm, max_retries=2)) as client:
        with pytest.raises(ModelUnavailable) as caught:
            await collect(client)
        assert [e for e in fake_llm.script] == [Say("never sent")]  # gave up before it
        fake_llm.script.clear()
        with pytest.raises(ModelUnavailable):
            fake_llm.push(Fail(500), Fail(500), Fail(500))
            await client.complete([{"role": "user", "content": "hi"}])
    assert caught.value.reason == "http 503"
    assert caught.value.attempts == 3
    assert len(fake_llm.requests) == 6


async def test_4xx_is_a_protocol_error_and_not_retried(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Fail(400, "unknown field"), Say("not reached"))
    async with ChatClient(config(fake_llm)) as client:
        with pytest.raises(ModelProtocolError) as caught:
            await collect(client)
    assert caught.value.status == 400 and "unknown field" in (caught.value.body or "")
    assert len(fake_llm.requests) == 1


async def test_stall_longer_than_timeout_is_retried(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(Stall(10.0, then=Say("too late")), Say("Sorry for the wait."))
    async with ChatClient(config(fake_llm, timeout_s=1.0)) as client:
        started = time.monotonic()
        _, completion = await collect(client)
    assert completion.text == "Sorry for the wait."
    assert completion.attempts == 2
    assert time.monotonic() - started < 6.0  # gave up on the stall, did not wait it out


async def test_stalls_only_end_as_model_unavailable_within_budget(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(*[Stall(5.0) for _ in range(5)])
    async with ChatClient(config(fake_llm, timeout_s=0.2, max_retries=10, retry_budget_s=0.9)) as client:
        started = time.monotonic()
        with pytest.raises(ModelUnavailable) as caught:
            await collect(client)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 3.0  # the wall-clock budget, not the attempt count, ended it
    assert 2 <= caught.value.attempts < 10


async def test_server_going_down_is_model_unavailable() -> None:
    with FakeOpenAIServer() as server:
        server.push(Say("first answer"), GoDown())
        async with ChatClient(config(server, max_retries=1)) as client:
            _, completion = await collect(client)
            assert completion.text == "first answer"
            with pytest.raises(ModelUnavailable) as caught:
                await collect(client)
        assert server.down
        assert caught.value.reason == "connection failed"
        assert caught.value.attempts == 2
        assert len(server.requests) == 2  # the retry was refused at connect, never reached a handler


def test_config_from_gateway_settings() -> None:
    from gateway.settings import load_settings

    assert ModelClientConfig.from_settings(load_settings()) is None  # offline planner then
    settings = load_settings(
        llm_base_url="http://127.0.0.1:9/v1",
        llm_model="qwen",
        llm_api_key="k",
        llm_timeout_s=7,
        llm_max_retries=4,
    )
    cfg = ModelClientConfig.from_settings(settings)
    assert cfg is not None
    assert (cfg.base_url, cfg.model, cfg.timeout_s, cfg.max_retries) == (
        "http://127.0.0.1:9/v1",
        "qwen",
        7,
        4,
    )
    assert cfg.api_key is not None and cfg.api_key.get_secret_value() == "k"


async def test_a_whole_json_answer_to_a_stream_request_is_still_read(fake_llm: FakeOpenAIServer) -> None:
    # Some servers ignore `stream: true` (or drop it on some paths) and send one JSON object.
    body = {
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Whole answer."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }
    fake_llm.push(Raw(json.dumps(body), content_type="application/json"))
    async with ChatClient(config(fake_llm)) as client:
        deltas, completion = await collect(client)
    assert deltas == ["Whole answer."] and completion.text == "Whole answer."
    assert completion.usage is not None and completion.usage.total_tokens == 15


async def test_ollama_style_calls_without_index_and_object_arguments(fake_llm: FakeOpenAIServer) -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {"id": "a", "function": {"name": "list_providers", "arguments": {}}},
                        {
                            "id": "b",
                            "function": {
                                "name": "list_free_slots",
                                "arguments": {"start_date": "2030-01-07"},
                            },
                        },
                    ]
                },
                "finish_reason": "tool_calls",
            }
        ]
    }
    fake_llm.push(Raw(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"))
    async with ChatClient(config(fake_llm)) as client:
        _, completion = await collect(client)
    assert [(c.id, c.name, c.arguments) for c in completion.tool_calls] == [
        ("a", "list_providers", {}),
        ("b", "list_free_slots", {"start_date": "2030-01-07"}),
    ]
    assert completion.usage is None  # this server sent none; nothing is made up


@pytest.mark.parametrize(
    "raw",
    [
        "data: {not json}\n\n",  # garbage event
        'data: ["a list"]\n\n',  # JSON, but not a chunk
        'data: {"error": {"message": "CUDA out of memory"}}\n\n',  # an error reported mid-stream
    ],
)
async def test_garbage_stream_is_a_protocol_error(fake_llm: FakeOpenAIServer, raw: str) -> None:
    fake_llm.push(Raw(raw))
    async with ChatClient(config(fake_llm)) as client:
        with pytest.raises(ModelProtocolError):
            await collect(client)
    assert len(fake_llm.requests) == 1  # not retried: the same request would get the same answer


async def test_sse_comments_and_multiline_data_are_parsed() -> None:
    from agents.llm.sse import sse_data

    async def lines():
        for line in [
            ": keep-alive",
            "event: message",
            'data: {"a":',
            "data: 1}",
            "",
            "data: [DONE]",
            "",
            "data: x",
        ]:
            yield line

    assert [d async for d in sse_data(lines())] == ['{"a":\n1}']


async def test_answer_cut_mid_stream_is_not_retried(fake_llm: FakeOpenAIServer) -> None:
    fake_llm.push(
        Say("I have three openings on Monday. The first is at nine.", chunk_chars=5, cut_after_chunks=3)
    )
    fake_llm.push(Say("A retry would repeat words the caller already heard."))
    deltas: list[str] = []
    async with ChatClient(config(fake_llm)) as client:
        with pytest.raises(ModelUnavailable) as caught:
            async for event in client.stream([{"role": "user", "content": "slots?"}]):
                if isinstance(event, TextDelta):
                    deltas.append(event.text)
    assert "".join(deltas) == "I have three op"  # 3 chunks of 5
    assert caught.value.reason.endswith("mid-answer")
    assert len(fake_llm.requests) == 1
