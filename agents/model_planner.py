"""The planner for a private language model behind an OpenAI-compatible server (vLLM with tool
calling on; also llama.cpp's llama-server and Ollama).

Each `plan` step sends the system prompt, the conversation and the registry's tools, streams the
answer, and returns what the model said plus the tool calls it made, verbatim: the runtime
validates them (malformed JSON and unknown tools are refused and sent back for repair), enforces
identity and confirmation, runs them and calls `plan` again with the results, a bounded number of
times. On the last step this planner allows, tools are switched off (`tool_choice: "none"`) so the
model has to answer in words.

A model server that cannot answer (down, timing out, 5xx beyond the retry budget, or speaking
something other than the protocol) raises `PlannerUnavailable(reason)`: the runtime audits the
reason and degrades to the offline planner or hands over.

A server that could not answer within the retry budget (`ModelUnavailable`) is not asked again
for `recheck_after_s`: meanwhile every step fails at once ("not asked again for N s"), so a crawling
or dead server costs one conversation its budget, not every call that comes in after it. Once the
window has passed `available()` is true again, and a conversation the offline planner carried on
goes back to the model at its next turn (`agents.plan_loop`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from agents.llm.client import ChatClient
from agents.llm.completion import Completion, TextDelta
from agents.llm.config import ModelClientConfig
from agents.llm.errors import ModelProtocolError, ModelUnavailable
from agents.llm.prompt import build_messages
from agents.planner import ModelCallInfo, PlanContext, PlannerUnavailable, PlanStep, ToolCall
from agents.priority import priority_of
from agents.tools import ToolRegistry
from speech.text import reply_sentences

DEFAULT_MAX_STEPS = 6
MAX_SAY_CHARS = 1200  # about a minute of speech
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_ABBREVIATION = re.compile(r"\b(Dr|Mr|Mrs|Ms|St)\.$")


class ModelPlanner:
    name = "model"

    def __init__(
        self, client: ChatClient, *, max_steps: int = DEFAULT_MAX_STEPS, recheck_after_s: float | None = None
    ) -> None:
        self.client = client
        self.max_steps = max_steps
        self.recheck_after_s = client.config.recheck_after_s if recheck_after_s is None else recheck_after_s
        self._tools: tuple[ToolRegistry, list[dict[str, Any]]] | None = None
        self._failed_at: float | None = None  # monotonic time of the last `ModelUnavailable`
        self._failure = ""

    def available(self) -> bool:
        """False while the server is in its recheck window after failing to answer."""
        return self._failed_at is None or time.monotonic() - self._failed_at >= self.recheck_after_s

    def _openai_tools(self, registry: ToolRegistry) -> list[dict[str, Any]]:
        # The schemas take milliseconds to generate and a runtime's registry never changes.
        if self._tools is None or self._tools[0] is not registry:
            self._tools = (registry, registry.openai_tools())
        return self._tools[1]

    @classmethod
    def from_config(cls, config: ModelClientConfig, *, max_steps: int = DEFAULT_MAX_STEPS) -> ModelPlanner:
        return cls(ChatClient(config), max_steps=max_steps)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def plan(self, ctx: PlanContext) -> PlanStep:
        step: PlanStep | None = None
        async for item in self.plan_stream(ctx):
            if isinstance(item, PlanStep):
                step = item
        assert step is not None
        return step

    async def plan_stream(self, ctx: PlanContext) -> AsyncIterator[str | PlanStep]:
        """Like `plan`, but yields each finished sentence of the reply as the model writes it, then
        the `PlanStep` (whose `say` is the whole reply) last. A runtime that streams to the voice
        edge forwards the sentences and does not speak `PlanStep.say` again."""
        messages = build_messages(ctx)
        tools = self._openai_tools(ctx.tools)
        last_step = ctx.step >= self.max_steps - 1
        tool_choice = "none" if last_step else "auto"
        buffer = ""
        spoken = _SpokenReply()
        completion: Completion | None = None
        if not self.available():
            assert self._failed_at is not None
            ago = time.monotonic() - self._failed_at
            raise PlannerUnavailable(
                f"model server unavailable: {self._failure} {ago:.1f} s ago, "
                f"not asked again for {self.recheck_after_s - ago:.1f} s",
                kind="model server unavailable: in its recheck window",
            )
        try:
            # A caller's step goes to the model server before a chat visitor's (agents.priority).
            stream = self.client.stream(
                messages, tools=tools, tool_choice=tool_choice, priority=priority_of(ctx.channel)
            )
            async for event in stream:
                if isinstance(event, TextDelta):
                    buffer += event.text
                    done, buffer = _split_finished(buffer)
                    for sentence in spoken.admit(done):
                        yield sentence
                else:
                    completion = event
        except ModelUnavailable as exc:
            self._failed_at, self._failure = time.monotonic(), exc.reason
            # The client's reasons are fixed phrases ("timeout", "http 503"): fit for the log too.
            raise PlannerUnavailable(f"model server unavailable: {exc.reason}") from exc
        except ModelProtocolError as exc:
            raise PlannerUnavailable(
                f"model server protocol error: {exc}", kind="model server protocol error"
            ) from exc
        assert completion is not None
        self._failed_at = None
        for sentence in spoken.admit(reply_sentences(buffer)):
            yield sentence
        calls = [] if last_step else completion.tool_calls
        say = " ".join(spoken.kept) or None
        if say is None and not calls:
            # A model that answers nothing at all is as good as down for this conversation.
            raise PlannerUnavailable("model server gave an empty answer")
        yield PlanStep(
            say=say,
            tool_calls=[ToolCall(id=c.id, name=c.name, arguments=c.arguments_json) for c in calls],
            model_call=_model_call_info(completion, messages, tools, tool_choice),
        )


class _SpokenReply:
    """The sentences of one reply, up to `MAX_SAY_CHARS`: a model that rambles (or a server that
    ignores `max_tokens`) must not keep a caller listening for minutes."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self._chars = 0
        self.full = False

    def admit(self, candidates: list[str]) -> list[str]:
        out: list[str] = []
        for sentence in candidates:
            if self.full:
                break
            if self._chars + len(sentence) > MAX_SAY_CHARS:
                self.full = True
                if self.kept:
                    break
                # One enormous run-on sentence: keep its first words.
                sentence = sentence[:MAX_SAY_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "."
            self.kept.append(sentence)
            self._chars += len(sentence) + 1
            out.append(sentence)
        return out


def _split_finished(text: str) -> tuple[list[str], str]:
    """Sentences that are certainly finished, and the unfinished rest to keep buffering.

    A sentence is finished once the next one has started (end mark, space, capital), so the last
    boundary in the buffer splits it; `reply_sentences` then handles abbreviations like "Dr. Patel".
    """
    boundaries = list(_BOUNDARY.finditer(text))
    if not boundaries:
        return [], text
    cut = boundaries[-1].end()
    done = reply_sentences(text[:cut])
    if done and _ABBREVIATION.search(done[-1]):
        return done[:-1], done[-1] + " " + text[cut:]
    return done, text[cut:]


def audit_prompt(
    messages: list[dict[str, Any]], tools: list[dict[str, Any]], tool_choice: str
) -> dict[str, Any]:
    """The prompt as audited with each model call.

    Earlier turns and tool results are audited as their own events already; repeating the whole
    history with every call would grow the log quadratically. So: the system prompt, this turn's
    messages (from the latest user message on), how many earlier messages were sent, and the
    SHA-256 of the exact request messages, so a reconstruction from the log can be checked.
    """
    last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=len(messages))
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {
        "system": messages[0]["content"] if messages and messages[0]["role"] == "system" else None,
        "earlier_messages": max(0, last_user - 1),
        "this_turn": messages[last_user:],
        "messages_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "tools": [t["function"]["name"] for t in tools],
        "tool_choice": tool_choice,
    }


def _model_call_info(
    completion: Completion, messages: list[dict[str, Any]], tools: list[dict[str, Any]], tool_choice: str
) -> ModelCallInfo:
    payload = completion.audit_payload()
    usage = completion.usage
    return ModelCallInfo(
        model=completion.model,
        latency_ms=completion.latency_ms,
        prompt_tokens=None if usage is None else usage.prompt_tokens,
        completion_tokens=None if usage is None else usage.completion_tokens,
        prompt=audit_prompt(messages, tools, tool_choice),
        output={
            **payload["output"],
            "finish_reason": completion.finish_reason,
            "first_token_ms": payload["first_token_ms"],
            "attempts": completion.attempts,
        },
    )
