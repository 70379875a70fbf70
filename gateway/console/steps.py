"""Turn a conversation's audit events into what the conversation page shows.

The transcript comes from the turn rows; the audit chain supplies, for every user turn, what the
agent did before answering (model calls, tool calls with arguments and results, policy refusals,
validations, handoffs, latencies), plus the staff access log and the notes on the conversation.
Agent events are attached to the user turn they follow; events before the first user turn belong
to the greeting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.store.audit import StoredEvent
from gateway.store.models import TurnRow

QUIET_KINDS = {"conversation.started", "conversation.ended"}

_LABELS = {
    "agent.model_call": "Model call",
    "agent.model_unavailable": "Model unavailable",
    "agent.tool_call": "Tool call",
    "agent.policy_refusal": "Policy refusal",
    "agent.validation": "Validation",
    "agent.confirmation_requested": "Confirmation requested",
    "agent.confirmation_given": "Confirmation given",
    "agent.identity_verified": "Identity verified",
    "agent.write_intent": "Write about to run",
    "agent.identity_failed": "Identity check failed",
    "agent.identity_set_aside": "Identity set aside: another person's request next",
    "agent.identity_held_back": "Identity check held back: repeated failures",
    "agent.identity_locked": "Identity checks locked: staff verify this caller",
    "handoff.requested": "Handoff requested",
    "handoff.claimed": "Handoff claimed",
    "handoff.resolved": "Handoff resolved",
    "call.event": "Call event",
    "security.rejected": "Security: rejected",
}
_FAILED_KINDS = {
    "agent.policy_refusal",
    "agent.identity_failed",
    "agent.identity_held_back",
    "agent.identity_locked",
    "agent.model_unavailable",
}
_GOOD_OUTCOMES = {None, "ok", "success", "succeeded", "done"}


@dataclass
class Step:
    seq: int
    ts: datetime
    kind: str
    label: str
    headline: str  # tool name, rule, reason ...
    status: str  # ok | failed | info
    latency_ms: float | None
    details: list[tuple[str, str]]  # (name, pretty JSON or text)


@dataclass
class TurnView:
    turn: TurnRow
    steps: list[Step] = field(default_factory=list)

    @property
    def said_differs(self) -> bool:
        """Voice barge-in: the caller heard less than the bot said."""
        heard = self.turn.heard_text
        return heard is not None and (self.turn.interrupted or heard.strip() != self.turn.text.strip())


@dataclass
class ConversationView:
    greeting_steps: list[Step]
    turns: list[TurnView]
    access_log: list[StoredEvent]
    notes: list[StoredEvent]


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _headline(kind: str, p: dict[str, Any]) -> str:
    if kind == "agent.tool_call":
        return str(p.get("tool") or p.get("name") or "")
    if kind == "agent.policy_refusal":
        return " · ".join(str(x) for x in (p.get("tool"), p.get("rule")) if x)
    if kind == "agent.validation":
        return str(p.get("tool") or "")
    if kind == "agent.model_call":
        return str(p.get("model") or "")
    if kind.startswith("handoff."):
        return str(p.get("reason") or p.get("staff") or "")
    if kind == "call.event":
        return str(p.get("event") or p.get("status") or p.get("type") or "")
    return str(p.get("reason") or p.get("tool") or "")


def _status(kind: str, p: dict[str, Any]) -> str:
    if kind in _FAILED_KINDS:
        return "failed"
    if kind == "agent.validation":
        return "ok" if p.get("ok") else "failed"
    if kind == "agent.tool_call":
        outcome = p.get("outcome")
        return "ok" if outcome in _GOOD_OUTCOMES or p.get("ok") is True else "failed"
    return "info"


def _latency(p: dict[str, Any]) -> float | None:
    for key in ("latency_ms", "duration_ms", "elapsed_ms"):
        value = p.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


_DETAIL_ORDER = ("arguments", "args", "result", "outcome", "error", "rule", "detail", "expected", "actual")
_SKIP_DETAIL = {"tool", "latency_ms", "turn"}


def to_step(event: StoredEvent) -> Step:
    p = event.payload
    ordered = [k for k in _DETAIL_ORDER if k in p] + sorted(
        k for k in p if k not in _DETAIL_ORDER and k not in _SKIP_DETAIL
    )
    return Step(
        seq=event.seq,
        ts=event.ts,
        kind=event.kind,
        label=_LABELS.get(event.kind, event.kind),
        headline=_headline(event.kind, p),
        status=_status(event.kind, p),
        latency_ms=_latency(p),
        details=[(k, _pretty(p[k])) for k in ordered],
    )


def build_view(turns: list[TurnRow], events: list[StoredEvent]) -> ConversationView:
    caller_turns = [t for t in turns if t.speaker == "caller"]
    by_seq = {t.seq: t for t in caller_turns}
    views = {t.seq: TurnView(t) for t in turns}
    greeting: list[Step] = []
    access: list[StoredEvent] = []
    notes: list[StoredEvent] = []
    current: list[Step] = greeting
    user_turns_seen = 0
    for event in events:
        kind = event.kind
        if kind.startswith("staff."):
            access.append(event)
            if event.payload.get("action") == "note":
                notes.append(event)
            continue
        if kind == "turn.user":
            # Prefer the turn number the event names; else the n-th caller turn.
            turn_seq = event.payload.get("turn")
            turn = by_seq.get(turn_seq) if isinstance(turn_seq, int) else None
            if turn is None and user_turns_seen < len(caller_turns):
                turn = caller_turns[user_turns_seen]
            user_turns_seen += 1
            current = views[turn.seq].steps if turn is not None else greeting
            continue
        if kind.startswith("turn.") or kind in QUIET_KINDS:
            continue
        current.append(to_step(event))
    return ConversationView(greeting, [views[t.seq] for t in turns], access, notes)
