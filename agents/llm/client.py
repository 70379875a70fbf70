"""Async client for OpenAI-compatible `POST {base_url}/chat/completions`, streaming or not.

Transport failures, timeouts, 429 and 5xx are retried with exponential backoff while both the
attempt count and the wall-clock budget allow; then `ModelUnavailable(reason)`. A streamed answer
that already produced text is not retried (the words may be on their way to a caller); it fails
as `ModelUnavailable` too. Other 4xx and non-protocol answers are `ModelProtocolError`.

At most `config.max_concurrent_requests` requests are out at once (each attempt holds a slot;
the backoff between attempts does not); when more wait, a caller's request (`priority=VOICE`)
goes before a chat visitor's (`agents.priority`): the model server is shared by both channels,
and a caller hears silence while it works.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import httpx

from agents.llm.assembly import StreamAssembler, completion_from_response
from agents.llm.completion import Completion, TextDelta
from agents.llm.config import ModelClientConfig
from agents.llm.errors import ModelProtocolError, ModelUnavailable
from agents.llm.sse import sse_data
from agents.priority import CHAT, PriorityLimiter

StreamEvent = TextDelta | Completion


class _Retryable(Exception):
    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class ChatClient:
    def __init__(
        self, config: ModelClientConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        headers = {"Accept": "application/json"}
        if config.api_key is not None:
            headers["Authorization"] = f"Bearer {config.api_key.get_secret_value()}"
        timeout = httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s)
        self._http = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )
        slots = config.max_concurrent_requests
        self.limiter = PriorityLimiter(slots) if slots is not None else None

    def _slot(self, priority: int) -> AbstractAsyncContextManager[None]:
        """One request out at the model server, once the limiter grants it (voice first)."""
        return nullcontext() if self.limiter is None else self.limiter.hold(priority)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def request_body(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        tool_choice: str | dict[str, Any] | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.config.model, "messages": messages, "stream": stream}
        if tools:
            body["tools"] = tools
            body["tool_choice"] = tool_choice or "auto"
        if self.config.temperature is not None:
            body["temperature"] = self.config.temperature
        if self.config.max_tokens is not None:
            body["max_tokens"] = self.config.max_tokens
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        *,
        priority: int = CHAT,
    ) -> Completion:
        """One non-streaming call, retried within the budget; `priority`: `agents.priority`'s rank."""
        body = self.request_body(messages, tools, tool_choice, stream=False)
        retry = _RetryClock(self.config)
        while True:
            retry.attempts += 1
            started = time.monotonic()
            try:
                async with self._slot(priority):
                    response = await self._http.post("/chat/completions", json=body)
                _raise_for_status(response.status_code, response.text)
                try:
                    payload = response.json()
                except ValueError as exc:
                    raise ModelProtocolError("response is not JSON", body=response.text[:500]) from exc
                if not isinstance(payload, dict):
                    raise ModelProtocolError("response is not a JSON object", body=response.text[:500])
                completion = completion_from_response(payload, self.config.model)
                completion.latency_ms = (time.monotonic() - started) * 1000
                completion.attempts = retry.attempts
                return completion
            except _Retryable as exc:
                await retry.wait_or_give_up(exc)
            except httpx.TimeoutException as exc:
                await retry.wait_or_give_up(_Retryable("timeout", repr(exc)))
            except httpx.TransportError as exc:
                await retry.wait_or_give_up(_Retryable("connection failed", repr(exc)))

    async def stream(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        *,
        priority: int = CHAT,
    ) -> AsyncIterator[StreamEvent]:
        """Yield `TextDelta`s as text arrives, then exactly one assembled `Completion`; the request
        holds one of the limiter's slots, granted by `priority`, until the answer is read."""
        body = self.request_body(messages, tools, tool_choice, stream=True)
        retry = _RetryClock(self.config)
        while True:
            retry.attempts += 1
            started = time.monotonic()
            said_something = False
            try:
                async with (
                    self._slot(priority),
                    self._http.stream("POST", "/chat/completions", json=body) as response,
                ):
                    if response.status_code >= 400:
                        await response.aread()
                        _raise_for_status(response.status_code, response.text)
                    content_type = response.headers.get("content-type", "")
                    if "text/event-stream" not in content_type:
                        # Some servers ignore `stream` on error paths or when streaming is off.
                        await response.aread()
                        completion = completion_from_response(_json_object(response.text), self.config.model)
                        if completion.text:
                            yield TextDelta(completion.text)
                        completion.latency_ms = (time.monotonic() - started) * 1000
                        completion.attempts = retry.attempts
                        yield completion
                        return
                    assembler = StreamAssembler(self.config.model)
                    first_token_ms: float | None = None
                    async for data in sse_data(retry.bounded(response.aiter_lines())):
                        text = assembler.feed(_json_object(data))
                        if text:
                            if first_token_ms is None:
                                first_token_ms = (time.monotonic() - started) * 1000
                            said_something = True
                            yield TextDelta(text)
                    completion = assembler.result()
                    completion.latency_ms = (time.monotonic() - started) * 1000
                    completion.first_token_ms = first_token_ms
                    completion.attempts = retry.attempts
                    yield completion
                    return
            except _Retryable as exc:
                failure = exc
            except httpx.TimeoutException as exc:
                failure = _Retryable("timeout", repr(exc))
            except httpx.TransportError as exc:
                failure = _Retryable("connection failed", repr(exc))
            if said_something:
                raise ModelUnavailable(
                    f"{failure.reason} mid-answer", attempts=retry.attempts, detail=failure.detail
                )
            await retry.wait_or_give_up(failure)


class _RetryClock:
    """Counts attempts and wall-clock time; sleeps the backoff or raises `ModelUnavailable`."""

    def __init__(self, config: ModelClientConfig) -> None:
        self._config = config
        self._deadline = time.monotonic() + config.retry_budget_s
        self.attempts = 0

    async def bounded(self, lines: AsyncIterator[str]) -> AsyncIterator[str]:
        """`lines`, each awaited no longer than the budget has left. A server trickling bytes (a
        token every few seconds, or only `: keep-alive` comments) never trips the read timeout;
        the budget still ends it, within the budget and not one line later."""
        iterator = aiter(lines)
        while True:
            try:
                async with asyncio.timeout(max(0.0, self._deadline - time.monotonic())):
                    line = await anext(iterator)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise _Retryable("timeout", "retry budget spent while streaming") from None
            yield line

    async def wait_or_give_up(self, failure: _Retryable) -> None:
        delay = self._config.backoff_base_s * (2 ** (self.attempts - 1))
        out_of_attempts = self.attempts > self._config.max_retries
        out_of_time = time.monotonic() + delay >= self._deadline
        if out_of_attempts or out_of_time:
            raise ModelUnavailable(failure.reason, attempts=self.attempts, detail=failure.detail)
        await asyncio.sleep(delay)


def _raise_for_status(status: int, text: str) -> None:
    if status == 429 or status >= 500:
        raise _Retryable(f"http {status}", text[:500])
    if status >= 400:
        raise ModelProtocolError(
            f"model server refused the request with HTTP {status}", status=status, body=text[:500]
        )


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelProtocolError(f"server sent something that is not JSON: {text[:200]!r}") from exc
    if not isinstance(value, dict):
        raise ModelProtocolError(f"server sent JSON that is not an object: {text[:200]!r}")
    return value
