"""A local OpenAI-compatible chat-completions server that plays a script, over the real wire format.

Each request to `POST /v1/chat/completions` takes the next entry of the script queue:

- `Say(text)`: an assistant text answer (`cut_after_chunks` drops the connection half-way).
- `Call(tool_calls=[ScriptedCall(name, arguments)], text="")`: tool calls; `arguments` is sent
  verbatim when it is a string (so a test can send malformed JSON), else as JSON.
- `Fail(status)`: an HTTP error answer (500, 503, 429, 400 ...).
- `Stall(seconds, then=None)`: wait before answering (longer than the client's timeout to make it
  give up), then answer with `then` if the client is still there.
- `Respond(fn)`: `fn(recorded_request)` returns one of the above, for a scripted model that must
  use what tools returned earlier (e.g. a slot id from the last `list_free_slots` result).
- `Raw(body, content_type)`: exactly these bytes, for servers that break the protocol.
- `GoDown()`: drop the connection without an answer and stop listening: every later request is
  refused at connect, like a model server that crashed.

With `"stream": true` the answer is sent as server-sent events the way vLLM sends them: text in
small `delta.content` pieces, tool calls by `index` with `id` and `function.name` first and the
arguments in fragments, several calls interleaved, a `usage` chunk when `stream_options.include_usage`
is set, then `data: [DONE]`. Without it, one `chat.completion` object.

An empty script answers 500 with "script exhausted", so a test that asks more than it scripted
fails loudly. `requests` records every request body and headers for assertions.

The server is aiohttp on its own event loop in a background thread, on a free loopback port.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.body.get("tools", [])]


@dataclass
class ScriptedCall:
    name: str
    arguments: str | dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class Say:
    text: str
    chunk_chars: int = 6
    cut_after_chunks: int | None = None  # streaming only: drop the connection after this many text chunks


@dataclass
class Call:
    tool_calls: list[ScriptedCall]
    text: str = ""
    chunk_chars: int = 7


@dataclass
class Fail:
    status: int = 500
    message: str = "internal error"


@dataclass
class Stall:
    seconds: float
    then: Say | Call | Fail | Raw | None = None


@dataclass
class GoDown:
    pass


@dataclass
class Raw:
    body: str
    content_type: str = "text/event-stream"
    status: int = 200


@dataclass
class Respond:
    reply: Callable[[RecordedRequest], Say | Call | Fail | Raw]


ScriptEntry = Say | Call | Fail | Stall | GoDown | Respond | Raw


def _estimate_tokens(text: str) -> int:
    # About four characters a token; enough for usage figures that depend on the request.
    return max(1, len(text) // 4)


class FakeOpenAIServer:
    def __init__(self, model: str = "fake-model") -> None:
        self.model = model
        self.script: deque[ScriptEntry] = deque()
        self.requests: list[RecordedRequest] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-openai", daemon=True)
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._stopping: asyncio.Event | None = None
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.down = False
        self._counter = 0

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        self._site = web.SockSite(self._runner, self._sock)
        await self._site.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    async def _stop(self) -> None:
        assert self._stopping is not None
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._sock.close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting -----------------------------------------------------------------------------

    def push(self, *entries: ScriptEntry) -> None:
        self.script.extend(entries)

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()

    # -- handlers ------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": {"message": "body is not JSON"}}, status=400)
        self.requests.append(RecordedRequest(request.path, dict(request.headers), body))
        entry: ScriptEntry | None = self.script.popleft() if self.script else None
        if entry is None:
            return _error(500, "script exhausted")
        if isinstance(entry, Stall):
            assert self._stopping is not None
            try:
                await asyncio.wait_for(self._stopping.wait(), entry.seconds)
            except TimeoutError:
                pass
            if entry.then is None:
                return _error(504, "stalled")
            entry = entry.then
        if isinstance(entry, Respond):
            entry = entry.reply(self.requests[-1])
        if isinstance(entry, GoDown):
            return await self._go_down(request)
        if isinstance(entry, Fail):
            return _error(entry.status, entry.message)
        if isinstance(entry, Raw):
            return web.Response(
                body=entry.body.encode(), status=entry.status, content_type=entry.content_type
            )
        prompt_tokens = _estimate_tokens(json.dumps(body.get("messages", [])))
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return await self._stream(request, entry, prompt_tokens, include_usage)
        return web.json_response(self._whole(entry, prompt_tokens))

    async def _go_down(self, request: web.Request) -> web.StreamResponse:
        self.down = True
        # Stop accepting first, then cut this connection without an answer.
        if self._site is not None:
            await self._site.stop()
        self._sock.close()
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=503)  # never delivered: the connection is already gone

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def _whole(self, entry: Say | Call, prompt_tokens: int) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": entry.text or None}
        output = entry.text
        finish = "stop"
        if isinstance(entry, Call):
            message["tool_calls"] = [
                {
                    "id": c.id or self._next_id("call_"),
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments_text()},
                }
                for c in entry.tool_calls
            ]
            output += "".join(c.name + c.arguments_text() for c in entry.tool_calls)
            finish = "tool_calls"
        completion_tokens = _estimate_tokens(output)
        return {
            "id": self._next_id("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    async def _stream(
        self, request: web.Request, entry: Say | Call, prompt_tokens: int, include_usage: bool
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        completion_id = self._next_id("chatcmpl-")
        created = int(time.time())

        async def send(
            delta: dict[str, Any] | None, finish: str | None = None, usage: dict | None = None
        ) -> None:
            chunk: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model,
                "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if usage is not None:
                chunk["usage"] = usage
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        size = entry.chunk_chars
        for number, start in enumerate(range(0, len(entry.text), size)):
            if (
                isinstance(entry, Say)
                and entry.cut_after_chunks is not None
                and number >= entry.cut_after_chunks
            ):
                if request.transport is not None:
                    request.transport.abort()  # the server died half-way through the answer
                return response
            await send({"content": entry.text[start : start + size]})
        output = entry.text
        finish = "stop"
        if isinstance(entry, Call):
            finish = "tool_calls"
            calls = [(c.id or self._next_id("call_"), c.name, c.arguments_text()) for c in entry.tool_calls]
            for index, (call_id, name, _) in enumerate(calls):
                header = {
                    "index": index,
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": ""},
                }
                await send({"tool_calls": [header]})
            # Interleave the argument fragments of parallel calls, as a server decoding in parallel may.
            longest = max((len(a) for _, _, a in calls), default=0)
            for start in range(0, longest, size):
                for index, (_, _, arguments) in enumerate(calls):
                    piece = arguments[start : start + size]
                    if piece:
                        await send({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            output += "".join(name + arguments for _, name, arguments in calls)
        await send({}, finish=finish)
        if include_usage:
            completion_tokens = _estimate_tokens(output)
            await send(
                None,
                usage={
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            )
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": "server_error", "code": status}}, status=status
    )
