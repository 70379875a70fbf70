"""OpenTelemetry traces: one per turn, its stages as child spans.

The tracer comes from a provider handed in (tests: an in-memory exporter) or, when
`FRONTDESK_OTEL_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` is set, one built here that exports
over OTLP/HTTP; otherwise spans are no-ops. The global tracer provider is never touched.

Many stages are known only once they are over (the turn's audio, a model request the agent
reports with its latency), so spans take explicit start and end times: `TurnTrace.span` turns a
monotonic clock reading into the wall-clock nanoseconds OpenTelemetry wants.

Attributes are ids, counts, durations and fixed words: never what anyone said, never a name,
number or date of birth (docs/observability.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.trace import Span, Tracer

from gateway.logging import get_logger

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = get_logger(__name__)

Attributes = Mapping[str, str | bool | int | float]
CONVERSATION_ID = "frontdesk.conversation_id"
CHANNEL = "frontdesk.channel"


class TurnTrace:
    """One turn's trace: the root span `turn` and its stages."""

    def __init__(
        self, tracer: Tracer, conversation_id: str, channel: str, started: float | None = None
    ) -> None:
        self._tracer = tracer
        self.conversation_id = conversation_id
        self.channel = channel
        self._common: dict[str, str] = {CONVERSATION_ID: conversation_id, CHANNEL: channel}
        # One clock for the whole trace: monotonic readings, shifted once to the epoch, so that
        # stages measured apart (listening, then STT from the same instant) line up exactly.
        self._epoch_ns = time.time_ns() - time.monotonic_ns()
        start = self._wall(started if started is not None else time.monotonic())
        self.root: Span = tracer.start_span("turn", attributes=self._common, start_time=start)
        self._context = trace.set_span_in_context(self.root)
        self.ended = False

    def set(self, key: str, value: str | bool | int | float) -> None:
        self.root.set_attribute(f"frontdesk.{key}", value)

    def span(
        self, name: str, started: float, ended: float | None = None, attributes: Attributes | None = None
    ) -> None:
        """A finished stage, from `started` to `ended` (monotonic; None: now)."""
        span = self._tracer.start_span(
            name,
            context=self._context,
            attributes={**self._common, **(attributes or {})},
            start_time=self._wall(started),
        )
        span.end(end_time=self._wall(ended if ended is not None else time.monotonic()))

    @contextmanager
    def stage(self, name: str, attributes: Attributes | None = None) -> Iterator[Span]:
        """A stage running now; an exception leaving it marks the span as failed (its type only)."""
        span = self._tracer.start_span(
            name,
            context=self._context,
            attributes={**self._common, **(attributes or {})},
            start_time=self._wall(time.monotonic()),
        )
        try:
            yield span
        except Exception as exc:
            span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            raise
        finally:
            span.end(end_time=self._wall(time.monotonic()))

    def event(self, name: str, attributes: Attributes | None = None) -> None:
        self.root.add_event(name, attributes=dict(attributes or {}))

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self.root.end(end_time=self._wall(time.monotonic()))

    def _wall(self, monotonic: float) -> int:
        """A `time.monotonic()` reading as nanoseconds since the epoch."""
        return self._epoch_ns + int(monotonic * 1e9)


class Tracing:
    def __init__(self, provider: TracerProvider | None = None, *, owned: bool = False) -> None:
        self._provider = provider
        self._owned = owned
        source = provider if provider is not None else trace.NoOpTracerProvider()
        self.tracer: Tracer = source.get_tracer("frontdesk.gateway")

    @property
    def enabled(self) -> bool:
        return self._provider is not None

    @classmethod
    def exporting_to(cls, endpoint: str) -> Tracing:
        """Spans batched to an OTLP/HTTP collector at `endpoint` (its base URL, as
        OTEL_EXPORTER_OTLP_ENDPOINT gives it: the exporter's path /v1/traces is added)."""
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        resource = Resource.create()  # OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, if set
        if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
            resource = resource.merge(Resource({SERVICE_NAME: "frontdesk"}))
        provider = TracerProvider(resource=resource)
        url = endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
        log.info("traces are exported over OTLP/HTTP")
        return cls(provider, owned=True)

    def turn(self, conversation_id: str, channel: str, started: float | None = None) -> TurnTrace:
        return TurnTrace(self.tracer, conversation_id, channel, started)

    def close(self) -> None:
        """Send what is still buffered (a provider built here only; one handed in is its owner's)."""
        if self._owned and self._provider is not None:
            self._provider.shutdown()
