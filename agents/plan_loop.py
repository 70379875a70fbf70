"""The planner's part of a turn: ask for a step (bounded), speak what it says, run its tool calls
through the executor, feed the results back, until it answers without a tool call.

A planner that cannot answer hands the turn to the fallback planner (the conversation is then
degraded); without one, or when the fallback fails too, a person takes over. A degraded
conversation goes back to the planner at the start of a later turn once the planner says it is
`available()` again (the model planner: its recheck window after a failure has passed); a planner
without `available` is not asked again in that conversation.
Too many steps, or too many refused calls in a turn, also hand over.

A planner failing is audited (`agent.model_unavailable`) and logged: the log is where an operator's
alarm looks (the model server is down, callers get the offline planner or a person). The log line
says which planner, why (`PlannerUnavailable.kind`, never what anyone said) and what happens next;
the gateway tags it with the conversation id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import structlog

from agents.api import AgentOutput, ReplyDelta
from agents.events import EventKind
from agents.execution import ToolExecutor, tool_message
from agents.handoff import hand_off
from agents.limits import (
    MAX_AUDIT_CHARS,
    MAX_REPAIRS_PER_TURN,
    MAX_RESULT_CHARS,
    MAX_STEPS_PER_TURN,
    cap_json,
)
from agents.planner import Message, PlanContext, Planner, PlannerUnavailable, PlanStep, ToolResult
from agents.turn import Turn
from speech.text import plain, reply_sentences

log: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(__name__)

# (the turn, this planner's results so far in the turn, its step number) -> what it is shown
ContextFor = Callable[[Turn, list[ToolResult], int], PlanContext]


async def plan_turn(
    turn: Turn, *, planner: Planner, fallback: Planner | None, context: ContextFor, executor: ToolExecutor
) -> AsyncIterator[AgentOutput]:
    memory = turn.memory
    repairs = 0
    turn_results: list[ToolResult] = []
    step_base = results_base = 0  # a fallback planner starts the turn afresh at its own step 0
    if memory.degraded and fallback is not None and _available_again(planner):
        memory.degraded = False  # the model may answer again: try it first, fall back again if not
        memory.scratch.clear()
    for step_no in range(MAX_STEPS_PER_TURN):
        current = fallback if (memory.degraded and fallback) else planner
        ctx = context(turn, turn_results[results_base:], step_no - step_base)
        streamed = False
        try:
            step: PlanStep | None = None
            async for item in _steps(current, ctx):
                if isinstance(item, PlanStep):
                    step = item
                elif item.strip():
                    streamed = True
                    yield ReplyDelta(item)
            if step is None:
                raise PlannerUnavailable("the planner returned no step")
        except PlannerUnavailable as exc:
            can_fall_back = fallback is not None and current is not fallback
            await turn.emit(
                EventKind.MODEL_UNAVAILABLE,
                "system",
                {"planner": current.name, "reason": exc.reason, "fallback": can_fall_back},
            )
            if can_fall_back and fallback is not None:
                log.warning(
                    "planner unavailable, the fallback carries on",
                    planner=current.name,
                    fallback=fallback.name,
                    reason=exc.kind,
                )
            else:
                log.warning("planner unavailable, a person takes over", planner=current.name, reason=exc.kind)
            if can_fall_back:
                memory.degraded = True
                memory.scratch.clear()
                step_base, results_base = step_no + 1, len(turn_results)
                continue
            for out in await hand_off(turn, f"assistant unavailable: {exc.reason}"):
                yield out
            return
        memory.scratch = ctx.scratch
        if step.model_call is not None:
            payload = cap_json(step.model_call.model_dump(mode="json"), MAX_AUDIT_CHARS)
            await turn.emit(EventKind.MODEL_CALL, "agent", payload)
        if step.say and not streamed:
            for s in reply_sentences(step.say):
                yield ReplyDelta(s)
        if step.offers_transfer:
            memory.transfer_offered = step.transfer_reason or "the caller accepted a transfer"
        if not step.tool_calls:
            memory.messages.append(Message(role="assistant", content=plain(step.say or "")))
            return
        memory.messages.append(Message(role="assistant", content=step.say, tool_calls=step.tool_calls))
        for call in step.tool_calls:
            cap = getattr(current, "result_chars", MAX_RESULT_CHARS)
            result, outputs, stop = await executor.execute(turn, call, cap)
            turn_results.append(result)
            memory.messages.append(tool_message(call, result))
            for out in outputs:
                yield out
            if stop:
                return
            if result.outcome in ("refused", "invalid"):
                repairs += 1
        if repairs > MAX_REPAIRS_PER_TURN:
            for out in await hand_off(turn, "the assistant kept making requests that were refused"):
                yield out
            return
    for out in await hand_off(turn, "the request took too many steps to complete"):
        yield out


def _available_again(planner: Planner) -> bool:
    available = getattr(planner, "available", None)
    return bool(available()) if callable(available) else False


async def _steps(planner: Planner, ctx: PlanContext) -> AsyncIterator[PlanStep | str]:
    """A model planner streams (each sentence as soon as the model finishes it, then the step);
    any other planner gives its step at once."""
    stream = getattr(planner, "plan_stream", None)
    if stream is None:
        yield await planner.plan(ctx)
        return
    async for item in stream(ctx):
        yield item
