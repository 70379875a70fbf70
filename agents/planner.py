"""The planner interface: what any planner (offline rules or a language model) receives and returns.

The runtime owns the loop and the policy. Each step it hands the planner a `PlanContext` (the
conversation so far in OpenAI-like messages, the tools, what the runtime knows about the caller)
and gets back a `PlanStep`: words to say and/or tool calls to make. The runtime checks every tool
call against the policy, runs the allowed ones, appends their results as `tool` messages and asks
the planner again, up to a bounded number of steps per turn. A planner never talks to a connector
itself and never sees an `idempotency_key`.

A planner whose backend is down raises `PlannerUnavailable`; the factory then degrades to the
offline planner and the runtime audits `agent.model_unavailable` with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from agents.tools import ToolRegistry

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One call a planner wants made. `arguments` is the raw JSON text a model produced (it may be
    malformed: the runtime validates it) or an already-parsed object."""

    id: str
    name: str
    arguments: str | dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One entry of the conversation as a planner sees it (shaped like OpenAI chat messages)."""

    role: Role
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)  # role == "assistant"
    tool_call_id: str | None = None  # role == "tool"
    name: str | None = None  # tool name, role == "tool"


ToolOutcome = Literal[
    "ok",  # ran; `result` holds the (capped) record
    "refused",  # the policy refused it; `error` says why, phrased for a planner to repair
    "invalid",  # arguments failed the schema; `error` holds the validation message
    "awaiting_confirmation",  # a write: the runtime asked the caller to confirm it
    "failed",  # the connector failed (not_found, conflict, unavailable, rejected)
]


class ToolResult(BaseModel):
    """What came of one tool call; also sent back to the planner as a `tool` message."""

    call_id: str
    name: str
    outcome: ToolOutcome
    result: Any = None
    error: str | None = None


class ModelCallInfo(BaseModel):
    """Metadata of one model request, audited by the runtime as `agent.model_call`."""

    model: str
    latency_ms: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt: Any = None  # what was sent (capped by the runtime before audit)
    output: Any = None  # what came back


class PlanStep(BaseModel):
    """A planner's decision for one step.

    `say` is text for the caller (plain, speakable sentences). With no `tool_calls` the turn ends
    after `say`. With tool calls, the runtime runs them and calls `plan` again; `say` given along
    with tool calls is spoken first (e.g. "Let me check that for you.").
    """

    say: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    model_call: ModelCallInfo | None = None
    offers_transfer: bool = False  # `say` asks "shall I transfer you?": the runtime treats a yes as one
    transfer_reason: str | None = None  # with `offers_transfer`: what the handoff summary says on a yes


class CallerFacts(BaseModel):
    """What the runtime tells a planner about the caller. Never another person's data."""

    verified: bool = False
    first_name: str | None = None  # of the verified person only
    person_id: str | None = None  # of the verified person only
    has_caller_phone: bool = False  # the phone network gave us a number (usable with a DOB)
    identity_failures: int = 0
    pending_action: str | None = None  # spoken summary of the write awaiting confirmation
    # whose the verified person is to the caller ("son"), when the caller's relative's request
    # followed their own (`agents.next_person`); None: the caller themselves
    speaking_for: str | None = None
    # on a call whose system of record finds people by date of birth: the last name may be typed
    # on the keypad (`agents.keyed_names`)
    name_keys: bool = False


class PlanContext(BaseModel):
    """Everything a planner may use for one step."""

    model_config = {"arbitrary_types_allowed": True}

    conversation_id: str
    channel: str
    business_name: str
    timezone: str
    now: datetime  # timezone-aware, in the business's time zone (from the runtime's clock)
    messages: list[Message]  # the conversation so far, latest user turn last (then this turn's tools)
    turn_results: list[ToolResult] = Field(default_factory=list)  # results of this turn's calls
    tools: ToolRegistry
    caller: CallerFacts
    # Planner-private, persisted between turns; the runtime clears it when a task completes (a
    # confirmed write ran, or the caller declined it), so a planner starts the next task afresh;
    # only `carry` (a second request the caller made with the first) survives a confirmed write.
    scratch: dict[str, Any] = Field(default_factory=dict)
    step: int = 0  # 0 for the first plan() of this turn


class PlannerUnavailable(Exception):
    """The planner's backend (a model server) cannot be reached; `reason` is audited.

    `kind` is what the text log may say: a fixed phrase that quotes nothing (a protocol error's
    `reason` can quote the model's output, and with it what the caller said). Default: `reason`,
    for reasons that are fixed phrases themselves.
    """

    def __init__(self, reason: str, *, kind: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind or reason


class Planner(Protocol):
    name: str

    async def plan(self, ctx: PlanContext) -> PlanStep:
        """Decide the next step. May mutate `ctx.scratch` (persisted by the runtime)."""
        ...


@runtime_checkable
class HasStockPhrases(Protocol):
    """A planner whose replies open with a few fixed words ("On Tuesday,"): see `stock_phrases`."""

    def stock_phrases(self) -> list[str]: ...
