"""What the service measures, per app: its metrics, its traces, and the turns under way.

`Services` holds one `Telemetry`. The conversation opens a turn's trace (or joins the one the
voice edge opened when the caller stopped speaking: it knows when listening began) and reports
the turn; the agent's audit events, as they pass `ObservedAuditSink`, become the model and
connector calls' spans and counts; the audit log reports each commit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from agents.events import EventKind
from gateway.logging import get_logger
from gateway.observability.metrics import Metrics
from gateway.observability.tracing import Tracing, TurnTrace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

    from gateway.settings import Settings

log = get_logger(__name__)

_IDENTITY_OUTCOMES = {
    EventKind.IDENTITY_FAILED: "failed",
    EventKind.IDENTITY_HELD_BACK: "held_back",
    EventKind.IDENTITY_LOCKED: "locked",
}
_DEGRADED_MAX = 10_000  # conversations remembered as degraded (forgotten when they close)


class Telemetry:
    def __init__(self, metrics: Metrics | None = None, tracing: Tracing | None = None) -> None:
        self.metrics = metrics or Metrics()
        self.tracing = tracing or Tracing()
        self._turns: dict[str, TurnTrace] = {}  # conversation id -> its turn under way
        self._degraded: set[str] = set()  # conversations the offline planner carries on
        self._server: Any = None  # prometheus_client's HTTP server on FRONTDESK_METRICS_PORT

    @classmethod
    def from_settings(cls, settings: Settings, tracer_provider: TracerProvider | None = None) -> Telemetry:
        """`tracer_provider`: where spans go (tests); else OTLP when an endpoint is set, else nowhere."""
        if tracer_provider is not None:
            tracing = Tracing(tracer_provider)
        elif settings.otel_endpoint:
            tracing = Tracing.exporting_to(settings.otel_endpoint)
        else:
            tracing = Tracing()
        return cls(Metrics(), tracing)

    # -- turns ------------------------------------------------------------------------------

    def open_turn(self, conversation_id: str, channel: str, started: float | None = None) -> TurnTrace:
        """Start the conversation's turn trace (`started`: monotonic time it began; None: now).
        Whoever opens it ends it with `close_turn`."""
        current = self._turns.get(conversation_id)
        if current is not None:
            current.end()
        turn = self.tracing.turn(conversation_id, channel, started)
        self._turns[conversation_id] = turn
        return turn

    def close_turn(self, turn: TurnTrace) -> None:
        turn.end()
        if self._turns.get(turn.conversation_id) is turn:
            del self._turns[turn.conversation_id]

    @contextmanager
    def turn(self, conversation_id: str, channel: str, started: float | None = None) -> Iterator[TurnTrace]:
        """The turn under way for the conversation (an edge opened it), or one opened (from
        `started`, monotonic) and closed here."""
        current = self._turns.get(conversation_id)
        if current is not None and not current.ended:
            yield current
            return
        opened = self.open_turn(conversation_id, channel, started)
        try:
            yield opened
        finally:
            self.close_turn(opened)

    def current_turn(self, conversation_id: str) -> TurnTrace | None:
        return self._turns.get(conversation_id)

    def user_turn_done(self, conversation_id: str, channel: str) -> None:
        """A user turn the agent answered: counted as degraded when the offline planner stood in."""
        if conversation_id in self._degraded:
            self.metrics.degraded_turn(channel)

    def conversation_closed(self, conversation_id: str) -> None:
        self._degraded.discard(conversation_id)
        turn = self._turns.pop(conversation_id, None)
        if turn is not None:
            turn.end()

    # -- what the agent reports (its audit events) -----------------------------------------

    def agent_event(self, conversation_id: str, kind: str, payload: dict[str, Any]) -> None:
        """An `agent.*` event on its way to the audit log: counts and spans from its fixed fields
        (tool, outcome, latency, model name, token counts), never its arguments or texts."""
        turn = self._turns.get(conversation_id)
        channel = turn.channel if turn is not None else "terminal"
        if kind == EventKind.MODEL_CALL:
            self._degraded.discard(conversation_id)  # the model answers this conversation again
            seconds = _seconds(payload.get("latency_ms"))
            if seconds is not None:
                self.metrics.stage(channel, "model", seconds)
                if turn is not None:
                    attributes: dict[str, str | int] = {
                        "frontdesk.model": str(payload.get("model", ""))[:100]
                    }
                    for key in ("prompt_tokens", "completion_tokens"):
                        if isinstance(payload.get(key), int):
                            attributes[f"frontdesk.{key}"] = payload[key]
                    turn.span("model.call", _ago(seconds), attributes=attributes)
        elif kind == EventKind.MODEL_UNAVAILABLE:
            planner = str(payload.get("planner", ""))
            self.metrics.model_error(planner)
            if payload.get("fallback") and len(self._degraded) < _DEGRADED_MAX:
                self._degraded.add(conversation_id)
            if turn is not None:
                turn.event("model unavailable", {"frontdesk.planner": planner[:20]})
        elif kind == EventKind.TOOL_CALL:
            capability = str(payload.get("tool", ""))
            outcome = str(payload.get("outcome", ""))
            seconds = _seconds(payload.get("latency_ms"))
            self.metrics.connector_call(capability, outcome, seconds)
            if turn is not None and seconds is not None:
                attributes = {"frontdesk.capability": capability[:50], "frontdesk.outcome": outcome[:20]}
                error = payload.get("error")
                if isinstance(error, dict) and error.get("kind"):
                    attributes["frontdesk.error_kind"] = str(error["kind"])[:50]
                turn.span("connector.call", _ago(seconds), attributes=attributes)
        elif kind in _IDENTITY_OUTCOMES:
            self.metrics.identity_failure(_IDENTITY_OUTCOMES[EventKind(kind)])

    @contextmanager
    def audit_write(self, conversation_id: str, kind: str | None = None) -> Iterator[None]:
        """A turn waiting for its audit events to be stored: a span in the turn's trace."""
        turn = self._turns.get(conversation_id)
        if turn is None:
            yield
            return
        with turn.stage("audit.write", {"frontdesk.event": kind} if kind else None):
            yield

    # -- serving and closing -----------------------------------------------------------------

    def serve_metrics(self, host: str, port: int) -> None:
        """Metrics alone, without a token, on their own address (FRONTDESK_METRICS_PORT)."""
        from prometheus_client import start_http_server

        self._server, _ = start_http_server(port, addr=host, registry=self.metrics.registry)
        log.info("metrics served", host=host, port=port)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for turn in list(self._turns.values()):
            turn.end()
        self._turns.clear()
        self.tracing.close()


def _seconds(latency_ms: object) -> float | None:
    if isinstance(latency_ms, int | float) and not isinstance(latency_ms, bool) and latency_ms >= 0:
        return float(latency_ms) / 1000
    return None


def _ago(seconds: float) -> float:
    return time.monotonic() - seconds
