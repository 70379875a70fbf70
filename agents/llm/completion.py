"""What a chat-completions call returns once assembled: text, tool calls, usage, timings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> Usage | None:
        if not isinstance(data, dict):
            return None
        prompt = int(data.get("prompt_tokens") or 0)
        completion = int(data.get("completion_tokens") or 0)
        return cls(prompt, completion, int(data.get("total_tokens") or prompt + completion))


@dataclass(frozen=True)
class ToolCall:
    """One tool call as the model wrote it.

    `arguments_json` is kept verbatim; `arguments` is its parsed object, or None with
    `arguments_error` saying why when the model wrote something that is not a JSON object. The
    runtime refuses such a call and asks the model to repair it; nothing here raises.
    """

    id: str
    name: str
    arguments_json: str

    @property
    def arguments(self) -> dict[str, Any] | None:
        parsed, _ = _parse_arguments(self.arguments_json)
        return parsed

    @property
    def arguments_error(self) -> str | None:
        _, error = _parse_arguments(self.arguments_json)
        return error

    def to_wire(self) -> dict[str, Any]:
        """The assistant message's `tool_calls` entry, for sending the history back."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments_json},
        }


def _parse_arguments(text: str) -> tuple[dict[str, Any] | None, str | None]:
    if not text.strip():
        return {}, None  # servers send "" for a call without arguments
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON: {exc.msg} at position {exc.pos}"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, None


@dataclass
class Completion:
    """One assembled model answer plus what the audit log needs about the call."""

    model: str
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    latency_ms: float = 0.0
    first_token_ms: float | None = None
    attempts: int = 1

    def assistant_message(self) -> dict[str, Any]:
        """This answer as the `assistant` message of the next request's history."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [call.to_wire() for call in self.tool_calls]
        return message

    def audit_payload(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "latency_ms": round(self.latency_ms, 1),
            "first_token_ms": None if self.first_token_ms is None else round(self.first_token_ms, 1),
            "attempts": self.attempts,
            "finish_reason": self.finish_reason,
            "tokens": None
            if self.usage is None
            else {
                "prompt": self.usage.prompt_tokens,
                "completion": self.usage.completion_tokens,
                "total": self.usage.total_tokens,
            },
            "output": {
                "text": self.text,
                "tool_calls": [
                    {"id": c.id, "name": c.name, "arguments": c.arguments_json} for c in self.tool_calls
                ],
            },
        }


@dataclass(frozen=True)
class TextDelta:
    """A fragment of the reply text, yielded while the answer streams in."""

    text: str
