"""Turns the chunks of a streamed chat completion into one `Completion`.

Text arrives as `choices[0].delta.content` fragments. Tool calls arrive as `delta.tool_calls`
entries keyed by `index`: the first entry for an index carries `id` and `function.name`, later
ones carry more of `function.arguments`; several calls may be interleaved. With
`stream_options.include_usage` the last chunk has `usage` and an empty `choices` list.
Servers differ in small ways (Ollama sends whole calls without `index`, some send `arguments` as
an object); those are accepted too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agents.llm.completion import Completion, ToolCall, Usage
from agents.llm.errors import ModelProtocolError


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class StreamAssembler:
    def __init__(self, model: str) -> None:
        self._model = model
        self._text: list[str] = []
        self._calls: dict[int, _PartialCall] = {}
        self._finish_reason: str | None = None
        self._usage: Usage | None = None

    def feed(self, chunk: dict[str, Any]) -> str:
        """Take one decoded `data:` chunk; return the text it adds (may be empty).

        A chunk of the wrong shape (`choices` not a list, a `delta` that is not an object, usage
        figures that are not numbers) is a `ModelProtocolError`, like one that is not JSON."""
        if not isinstance(chunk, dict):
            raise ModelProtocolError(f"stream chunk is not an object: {chunk!r:.200}")
        if "error" in chunk and "choices" not in chunk:
            raise ModelProtocolError(f"server reported an error mid-stream: {chunk['error']!r:.300}")
        try:
            return self._feed(chunk)
        except (AttributeError, TypeError, ValueError) as exc:
            raise ModelProtocolError(f"stream chunk has the wrong shape ({exc}): {chunk!r:.200}") from exc

    def _feed(self, chunk: dict[str, Any]) -> str:
        if not isinstance(chunk.get("choices") or [], list):
            raise TypeError("choices is not a list")
        if isinstance(chunk.get("model"), str) and chunk["model"]:
            self._model = chunk["model"]
        usage = Usage.from_wire(chunk.get("usage"))
        if usage is not None:
            self._usage = usage
        added = ""
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue  # we always ask for n=1
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                self._text.append(content)
                added += content
            for entry in delta.get("tool_calls") or []:
                self._feed_tool_call(entry)
            if choice.get("finish_reason"):
                self._finish_reason = choice["finish_reason"]
        return added

    def _feed_tool_call(self, entry: dict[str, Any]) -> None:
        index = entry.get("index")
        call_id = entry.get("id") or ""
        if not isinstance(index, int):
            # No index: a new id starts a new call, otherwise it continues the last one.
            known = [i for i, c in self._calls.items() if call_id and c.id == call_id]
            if known:
                index = known[0]
            elif call_id or not self._calls:
                index = len(self._calls)
            else:
                index = max(self._calls)
        partial = self._calls.setdefault(index, _PartialCall())
        if call_id and not partial.id:
            partial.id = call_id
        function = entry.get("function") or {}
        name = function.get("name")
        if isinstance(name, str) and name:
            # The name comes whole in the first delta; a few servers repeat it, never split it.
            if not partial.name:
                partial.name = name
            elif not partial.name.endswith(name):
                partial.name += name
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            partial.arguments.append(arguments)
        elif isinstance(arguments, dict):
            partial.arguments.append(json.dumps(arguments))

    def result(self) -> Completion:
        calls = [
            ToolCall(id=p.id or f"call_{index}", name=p.name, arguments_json="".join(p.arguments))
            for index, p in sorted(self._calls.items())
        ]
        return Completion(
            model=self._model,
            text="".join(self._text),
            tool_calls=calls,
            finish_reason=self._finish_reason,
            usage=self._usage,
        )


def completion_from_response(body: dict[str, Any], model: str) -> Completion:
    """Read a non-streaming `chat.completion` object (one of the wrong shape: `ModelProtocolError`)."""
    try:
        return _completion_from_response(body, model)
    except (AttributeError, TypeError, ValueError) as exc:
        raise ModelProtocolError(f"response has the wrong shape ({exc}): {json.dumps(body)[:300]}") from exc


def _completion_from_response(body: dict[str, Any], model: str) -> Completion:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelProtocolError(f"response has no choices: {json.dumps(body)[:300]}")
    message = choices[0].get("message") or {}
    calls = []
    for i, entry in enumerate(message.get("tool_calls") or []):
        function = entry.get("function") or {}
        arguments = function.get("arguments", "")
        if isinstance(arguments, dict):
            arguments = json.dumps(arguments)
        calls.append(
            ToolCall(
                id=entry.get("id") or f"call_{i}", name=function.get("name") or "", arguments_json=arguments
            )
        )
    content = message.get("content")
    return Completion(
        model=body.get("model") or model,
        text=content if isinstance(content, str) else "",
        tool_calls=calls,
        finish_reason=choices[0].get("finish_reason"),
        usage=Usage.from_wire(body.get("usage")),
    )
