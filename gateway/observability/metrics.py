"""The service's Prometheus metrics, in a registry of their own (one per app, nothing global).

Every name starts `frontdesk_`; labels take only the fixed words of `labels.py`. What is counted
or timed where: docs/observability.md. Gauges of what exists right now (open conversations,
speech jobs waiting) are read when scraped, from the sources `watch_*` is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from connectors.base import Capability
from gateway.observability import labels

# Seconds: a turn's stages run from a few milliseconds (a cached phrase) to seconds (a slow model).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0)
SPEECH_MODELS = ("stt", "tts")

Counts = Callable[[], Mapping[str, int]]


def _none() -> Mapping[str, int]:
    return {}


class _Current(Collector):
    """Gauges computed at scrape time: open conversations per channel, speech jobs queued per model."""

    def __init__(self) -> None:
        self.conversations: Counts = _none
        self.speech_queues: Counts = _none
        self.database_away: Callable[[], float] = lambda: 0.0
        self.event_loop_tasks: Callable[[], float] = lambda: 0.0
        self.audit_spool: Callable[[], tuple[int, bool]] = lambda: (0, False)
        self.spools_blocked: Callable[[], int] = lambda: 0

    def collect(self) -> Iterable[Metric]:
        yield _gauge(
            "frontdesk_active_conversations",
            "Conversations open in this process (calls in progress, chats not closed), by channel.",
            "channel",
            labels.CHANNELS,
            self.conversations,
        )
        yield _gauge(
            "frontdesk_speech_queue_depth",
            "Speech jobs waiting for a worker: stt (transcriptions), tts (sentences to synthesize).",
            "model",
            SPEECH_MODELS,
            self.speech_queues,
        )
        yield GaugeMetricFamily(
            "frontdesk_database_unreachable_seconds",
            "How long the database has been refusing this process's writes (0: reachable);"
            " writes wait up to FRONTDESK_DATABASE_RIDE_THROUGH_S.",
            value=self.database_away(),
        )
        yield GaugeMetricFamily(
            "frontdesk_event_loop_tasks",
            "asyncio tasks alive on the gateway's event loop: flat under steady traffic, back to its"
            " idle level when the traffic stops (a task left behind per call or chat grows it).",
            value=self.event_loop_tasks(),
        )
        spooled, full = self.audit_spool()
        yield GaugeMetricFamily(
            "frontdesk_audit_spool_events",
            "Audit events and turn-spool rows (turns, state saves, chat events) on disk, waiting for"
            " the database to take them (0: none).",
            value=spooled,
        )
        yield GaugeMetricFamily(
            "frontdesk_audit_spool_full",
            "1 when the audit or the turn spool refused a batch (database away too long): new calls"
            " and new chats are refused.",
            value=1.0 if full else 0.0,
        )
        yield GaugeMetricFamily(
            "frontdesk_spools_blocked",
            "Spools (audit, turn) whose replay the database refuses for a reason other than being"
            " away: everything newer queues behind the refused entry (`frontdesk spool show`).",
            value=self.spools_blocked(),
        )


def _gauge(name: str, doc: str, label: str, known: Iterable[str], source: Counts) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    try:
        counts = dict(source())
    except RuntimeError:  # read from another thread (the metrics port) while it changed
        counts = {}
    for value in dict.fromkeys([*known, *counts]):
        family.add_metric([value], counts.get(value, 0))
    return family


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.turns = Counter(
            "frontdesk_turns", "Caller and visitor turns, by channel.", ["channel"], registry=r
        )
        self.turn_stage = Histogram(
            "frontdesk_turn_stage_seconds",
            "Where a turn's time goes, by channel and stage (docs/observability.md).",
            ["channel", "stage"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.model_errors = Counter(
            "frontdesk_model_errors",
            "Planner requests that got no answer (model server down, bad answer), by planner.",
            ["planner"],
            registry=r,
        )
        self.degraded_turns = Counter(
            "frontdesk_degraded_turns",
            "Turns answered by the offline planner because the model server had failed, by channel.",
            ["channel"],
            registry=r,
        )
        self.connector_calls = Counter(
            "frontdesk_connector_calls",
            "Calls into the system of record, by capability and outcome.",
            ["capability", "outcome"],
            registry=r,
        )
        self.connector_seconds = Histogram(
            "frontdesk_connector_call_seconds",
            "Time of one call into the system of record, by capability.",
            ["capability"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.handoffs = Counter(
            "frontdesk_handoffs", "Conversations handed to a person, by reason.", ["reason"], registry=r
        )
        self.audit_write_seconds = Histogram(
            "frontdesk_audit_write_seconds",
            "Time to commit one batch of audit events (every write waits on one).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.audit_write_failures = Counter(
            "frontdesk_audit_write_failures", "Audit events that could not be stored.", registry=r
        )
        self.login_failures = Counter(
            "frontdesk_console_login_failures",
            "Refused staff console logins, by reason.",
            ["reason"],
            registry=r,
        )
        self.identity_failures = Counter(
            "frontdesk_identity_failures",
            "Failed identity checks of callers: failed, held back (backoff), locked.",
            ["outcome"],
            registry=r,
        )
        self._current = _Current()
        r.register(self._current)
        self._known_series()

    def _known_series(self) -> None:
        """Every fixed label value shows from the start (at 0), so dashboards and alerts on rates
        see a series before its first event."""
        for channel in labels.CHANNELS:
            self.turns.labels(channel)
            self.degraded_turns.labels(channel)
            for stage in labels.STAGES:
                self.turn_stage.labels(channel, stage)
        for planner in ("model", "offline"):
            self.model_errors.labels(planner)
        for capability in Capability:
            self.connector_seconds.labels(capability.value)
            for outcome in labels.CONNECTOR_OUTCOMES:
                self.connector_calls.labels(capability.value, outcome)
        for reason in labels.HANDOFF_REASONS:
            self.handoffs.labels(reason)
        for failure in labels.LOGIN_FAILURES:
            self.login_failures.labels(failure)
        for outcome in labels.IDENTITY_OUTCOMES:
            self.identity_failures.labels(outcome)

    # -- sources of the current-state gauges ------------------------------------------------

    def watch_conversations(self, source: Counts) -> None:
        self._current.conversations = source

    def watch_speech_queues(self, source: Counts) -> None:
        self._current.speech_queues = source

    def watch_database(self, source: Callable[[], float]) -> None:
        self._current.database_away = source

    def watch_audit_spool(self, source: Callable[[], tuple[int, bool]]) -> None:
        self._current.audit_spool = source

    def watch_spools_blocked(self, source: Callable[[], int]) -> None:
        self._current.spools_blocked = source

    def watch_event_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._current.event_loop_tasks = lambda: float(len(asyncio.all_tasks(loop)))

    # -- events -----------------------------------------------------------------------------

    def turn(self, channel: str) -> None:
        self.turns.labels(labels.channel(channel)).inc()

    def stage(self, channel: str, stage: str, seconds: float) -> None:
        if stage in labels.STAGES and seconds >= 0:
            self.turn_stage.labels(labels.channel(channel), stage).observe(seconds)

    def model_error(self, planner: str) -> None:
        self.model_errors.labels(planner if planner in ("model", "offline") else "other").inc()

    def degraded_turn(self, channel: str) -> None:
        self.degraded_turns.labels(labels.channel(channel)).inc()

    def connector_call(self, capability: str, outcome: str, seconds: float | None) -> None:
        known = capability if capability in Capability.__members__.values() else "other"
        self.connector_calls.labels(
            known, outcome if outcome in labels.CONNECTOR_OUTCOMES else "failed"
        ).inc()
        if seconds is not None:
            self.connector_seconds.labels(known).observe(seconds)

    def handoff(self, reason: str) -> None:
        self.handoffs.labels(labels.handoff_reason(reason)).inc()

    def audit_commit(self, seconds: float, events: int, stored: bool) -> None:
        if stored:
            self.audit_write_seconds.observe(seconds)
        else:
            self.audit_write_failures.inc(events)

    def login_failure(self, reason: str | None) -> None:
        self.login_failures.labels(labels.login_failure(reason)).inc()

    def identity_failure(self, outcome: str) -> None:
        if outcome in labels.IDENTITY_OUTCOMES:
            self.identity_failures.labels(outcome).inc()
