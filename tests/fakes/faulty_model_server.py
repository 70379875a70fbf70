"""An OpenAI-compatible model server that misbehaves on demand, for the fault tests.

`POST /v1/chat/completions` answers according to `server.mode`, which a test switches at any time:

- `ok`: a normal streamed answer (`OK_TEXT`, in small `delta.content` pieces, then `[DONE]`);
  without `"stream": true`, one `chat.completion` object.
- `refuse`: nothing listens on the port any more (connection refused); `ok` again listens again,
  on the same port, like a model server that was restarted.
- `die`: `die_after` text chunks, then the socket is closed mid-stream.
- `slow`: one text chunk every `interval_s` seconds (a model server crawling under load).
- `keepalive`: only SSE comments (`: keep-alive`), one every `interval_s` seconds, never data.
- `garbage_json`: a `data:` line that is not JSON.
- `garbage_shape`: JSON whose fields have the wrong types (`choices` a string, `delta` a list).
- `bad_tool_args`: a tool call (`list_free_slots`) whose arguments are not valid JSON.
- `http500`, `http429`: an error status (429 with `Retry-After: 1`).

`requests` counts the chat-completion requests answered (or cut) in each mode, so a test can tell
whether the model server was asked at all. aiohttp on its own event loop in a background thread,
on a free loopback port.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from typing import Any

from aiohttp import web

OK_TEXT = "Hello from the model. How can I help you today?"
MODES = (
    "ok",
    "refuse",
    "die",
    "slow",
    "keepalive",
    "garbage_json",
    "garbage_shape",
    "bad_tool_args",
    "http500",
    "http429",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class FaultyModelServer:
    def __init__(self, *, interval_s: float = 2.0, die_after: int = 2, model: str = "faulty-model") -> None:
        self.interval_s = interval_s
        self.die_after = die_after
        self.model = model
        self.port = _free_port()
        self.requests: Counter[str] = Counter()
        self._mode = "ok"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="faulty-model", daemon=True)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._stopping = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FaultyModelServer:
        self._thread.start()
        self._call(self._setup())
        self._call(self._listen())
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._stopping.set()
        self._call(self._cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultyModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _setup(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.2)
        await self._runner.setup()

    async def _listen(self) -> None:
        if self._site is None and self._runner is not None:
            self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
            await self._site.start()

    async def _unlisten(self) -> None:
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    async def _cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
        # Answers still trickling (slow, keepalive) to clients that are gone.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # -- the fault switch ------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self._mode = mode
        self._call(self._unlisten() if mode == "refuse" else self._listen())

    # -- handlers --------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._answer(request)
        except ConnectionError:  # the client gave up (its budget) while we were still sending
            return web.Response(status=499)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        mode = self._mode
        self.requests[mode] += 1
        if mode == "refuse":  # a keep-alive connection from before the port closed: cut it too
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        if mode == "http500":
            return web.json_response({"error": {"message": "internal error"}}, status=500)
        if mode == "http429":
            return web.json_response(
                {"error": {"message": "rate limited"}}, status=429, headers={"Retry-After": "1"}
            )
        if not body.get("stream"):
            return web.json_response(self._whole())
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        if mode == "garbage_json":
            await response.write(b'data: {"choices": [{"delta": {"content": "Hel\n\n')
        elif mode == "garbage_shape":
            await response.write(b'data: {"choices": "not a list"}\n\n')
            await response.write(b'data: {"choices": [{"index": 0, "delta": ["content", "x"]}]}\n\n')
        elif mode == "bad_tool_args":
            call = {
                "index": 0,
                "id": "call_bad",
                "function": {"name": "list_free_slots", "arguments": "{date: "},
            }
            await self._chunk(response, {"role": "assistant", "tool_calls": [call]})
            await self._chunk(response, {}, finish="tool_calls")
        elif mode == "keepalive":
            while not self._stopping.is_set():
                await response.write(b": keep-alive\n\n")
                await asyncio.sleep(self.interval_s)
        else:
            pieces = [OK_TEXT[i : i + 6] for i in range(0, len(OK_TEXT), 6)]
            if mode == "slow":
                pieces = pieces * 50  # longer than any budget: the client has to give up
            for number, piece in enumerate(pieces):
                if mode == "die" and number >= self.die_after:
                    if request.transport is not None:
                        request.transport.abort()
                    return response
                if mode == "slow" and number:
                    await asyncio.sleep(self.interval_s)
                    if self._stopping.is_set():
                        return response
                await self._chunk(response, {"content": piece})
            await self._chunk(response, {}, finish="stop")
        await response.write(b"data: [DONE]\n\n")
        return response

    async def _chunk(
        self, response: web.StreamResponse, delta: dict[str, Any], finish: str | None = None
    ) -> None:
        chunk = {
            "id": "chatcmpl-faulty",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

    def _whole(self) -> dict[str, Any]:
        return {
            "id": "chatcmpl-faulty",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": OK_TEXT}, "finish_reason": "stop"}
            ],
        }
