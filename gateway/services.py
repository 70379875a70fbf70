"""Process-wide shared resources, opened once in the app's lifespan and passed to every edge.

The core (database, audit, agent, conversations, speech models) knows no channel: each channel
registers its process-wide part, an `Edge` (the chat edge's hub and sweeper; the voice edge's stock
phrases for preloading), when `start` is given its factory; `create_app` names the channels.
Nothing is global: routes are handed it by FastAPI (`services: ServicesDep`, `gateway/deps.py`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from agents.api import ConversationAgent
from connectors.base import Connector
from gateway.conversation import ConversationManager
from gateway.drain import Drain
from gateway.health import DependencyChecks, log_configuration
from gateway.logging import get_logger
from gateway.observability.agent_sink import ObservedAuditSink
from gateway.observability.telemetry import Telemetry
from gateway.rejections import RejectionLog
from gateway.settings import Settings
from gateway.storage.recordings import Recordings
from gateway.store.audit import AuditLog
from gateway.store.audit_checkpoint import CheckpointWriter
from gateway.store.audit_spool import AuditSpool, SpoolBusy
from gateway.store.callbacks import DatabaseCallbacks
from gateway.store.db import Database
from gateway.store.row_spool import RowSpool
from gateway.wiring import Clock, build_agent_for, build_connector, build_identity_attempts

if TYPE_CHECKING:
    from gateway.after_call.setup import AfterCall
    from gateway.cluster.bus import RedisBus
    from gateway.cluster.replicas import ReplicaRegistry
    from speech.models import SpeechModels

log = get_logger(__name__)


class Edge(Protocol):
    """A channel's process-wide part: built once the core is open, stopped before it closes."""

    def stock_phrases(self) -> list[str]:
        """What the channel's conversations say most, synthesized at start (voice; none for chat)."""
        ...

    async def stop(self) -> None:
        """Store what is still queued and end the channel's background tasks (the database is open)."""
        ...


EdgeT = TypeVar("EdgeT", bound=Edge)
EdgeFactory = Callable[["Services"], Edge]


def open_audit_spool(settings: Settings, edges: Sequence[object]) -> AuditSpool | None:
    """A serving gateway's audit spool (gateway/store/audit_spool.py). None for a CLI tool, with
    `FRONTDESK_AUDIT_SPOOL_MAX_BYTES=0`, or when another process on the data directory holds it."""
    if not edges or settings.audit_spool_max_bytes <= 0:
        return None
    return _opened(AuditSpool(settings.audit_spool_file(), settings.audit_spool_max_bytes), "audit spool")


def open_turn_spool(settings: Settings, edges: Sequence[object]) -> RowSpool | None:
    """A serving gateway's spool of transcript turns, state saves, what callers heard, closes,
    handoffs, status changes and chat events (gateway/store/row_spool.py), bounded like the audit
    spool; None where the audit spool would be None."""
    if not edges or settings.audit_spool_max_bytes <= 0:
        return None
    return _opened(RowSpool(settings.turn_spool_file(), settings.audit_spool_max_bytes), "turn spool")


SpoolT = TypeVar("SpoolT", AuditSpool, RowSpool)


def _opened(spool: SpoolT, name: str) -> SpoolT | None:
    """`spool` opened, or None (and a warning) when another process holds its file."""
    try:
        spool.open()
    except SpoolBusy as exc:
        log.warning(f"running without a {name}", reason=str(exc))
        return None
    return spool


@dataclass
class Services:
    settings: Settings
    db: Database
    audit: AuditLog
    connector: Connector
    agent: ConversationAgent
    conversations: ConversationManager
    rejections: RejectionLog  # refused requests on the audit chain, aggregated per client address
    recordings: Recordings  # call recordings: local disk or S3 (docs/storage.md)
    edges: list[Edge] = field(default_factory=list)  # the channels this process serves
    checkpoints: CheckpointWriter | None = None  # signed audit heads, FRONTDESK_AUDIT_CHECKPOINT_*
    speech: SpeechModels | None = None  # loaded in start() when preload_models, else on first call
    bus: RedisBus | None = None  # several replicas: FRONTDESK_REDIS_URL (gateway/cluster/)
    replicas: ReplicaRegistry | None = None  # heartbeats; ends the calls of dead replicas
    drain: Drain = field(default_factory=Drain)  # SIGTERM: no new work, live calls end (gateway/drain.py)
    checks: DependencyChecks | None = None  # model server, connector, Redis probes for /readyz
    telemetry: Telemetry = field(default_factory=Telemetry)  # metrics and traces (gateway/observability/)
    after_call: AfterCall | None = None  # after-call work in the CRM (gateway/after_call/)
    callbacks: DatabaseCallbacks | None = None  # messages the agent took (gateway/store/callbacks.py)
    _speech_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    async def start(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        edges: Sequence[EdgeFactory] = (),
        *,
        telemetry: Telemetry | None = None,
    ) -> Services:
        """`clock`: what "now" is for the agent and the demo practice (default: the real time).
        `edges`: the channels' parts to build on the open core (`gateway.app.CHANNELS`).
        `telemetry`: metrics and traces (default: from the settings, docs/observability.md)."""
        telemetry = telemetry or Telemetry.from_settings(settings)
        settings.ensure_data_dir()
        log_configuration(settings)
        if settings.model_url_exposed():
            log.warning(
                "the model server is reached over plain http on another machine: what callers say"
                " (patient data) crosses the network unencrypted; use https or a loopback tunnel",
                setting="FRONTDESK_LLM_BASE_URL",
            )
        db = Database(
            settings.database_url,
            ride_through_s=settings.database_ride_through_s,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            sqlite_writer_busy_s=settings.database_sqlite_writer_busy_s,
        )
        await db.ping()
        audit = AuditLog(
            db, on_commit=telemetry.metrics.audit_commit, spool=open_audit_spool(settings, edges)
        )
        await audit.replay_spool()  # what a gateway stopped during an outage left on disk
        connector = build_connector(settings, db, clock)
        observed = ObservedAuditSink(audit, telemetry)  # the agent's events, seen by the telemetry
        callbacks = DatabaseCallbacks(db, audit)  # messages and callback requests (console: /callbacks)
        agent = build_agent_for(
            settings, connector, observed, clock, build_identity_attempts(settings, db), callbacks
        )
        conversations = ConversationManager(
            db, audit, agent, settings.replica_id, spool=open_turn_spool(settings, edges)
        )
        await conversations.writes.replay_spool()  # turns a gateway stopped during an outage left
        rejections = RejectionLog(
            audit, settings.audit_rejection_window_s, settings.audit_rejection_max_addresses
        )
        conversations.telemetry = telemetry
        rejections.start()
        recordings = Recordings.from_settings(settings)
        recordings.start(db)  # uploads what a failed upload left on disk (S3)
        services = cls(settings, db, audit, connector, agent, conversations, rejections, recordings)
        services.callbacks = callbacks
        services.checks = DependencyChecks(settings)
        if edges:  # a gateway serving channels, not a CLI tool opening the core
            await services._start_after_call()
            await services._join_cluster()
        services.telemetry = telemetry
        telemetry.metrics.watch_conversations(conversations.live_counts)
        telemetry.metrics.watch_speech_queues(services.speech_queues)
        telemetry.metrics.watch_database(db.away_for)
        telemetry.metrics.watch_event_loop(asyncio.get_running_loop())
        telemetry.metrics.watch_audit_spool(services.spool_state)
        telemetry.metrics.watch_spools_blocked(lambda: len(services.spools_blocked()))
        if settings.metrics_port is not None and edges:  # a serving gateway, not `agent chat` or `eval`
            telemetry.serve_metrics(settings.metrics_host, settings.metrics_port)
        for build in edges:
            services.edges.append(build(services))
        if services.bus is not None and services.replicas is not None:
            services.bus.start()  # after the edges subscribed
            services.replicas.start()
        if settings.audit_checkpoint_interval_s > 0:
            services.checkpoints = CheckpointWriter(
                db, settings.audit_checkpoint_file(), settings.audit_checkpoint_key_bytes()
            )
            services.checkpoints.start(settings.audit_checkpoint_interval_s)
        if settings.preload_models:
            models = await services.speech_models()
            if settings.preload_phrases:
                started = time.monotonic()
                pieces = await asyncio.to_thread(models.tts.preload, services.stock_phrases())
                log.info(
                    "stock phrases synthesized", pieces=pieces, seconds=round(time.monotonic() - started, 1)
                )
        return services

    async def _start_after_call(self) -> None:
        """After-call work in the CRM (FRONTDESK_AFTER_CALL): queued as conversations close,
        done by a worker in this process (gateway/after_call/)."""
        from gateway.after_call.setup import build_after_call

        self.after_call = await build_after_call(
            self.settings, self.db, self.audit, self.connector, self.callbacks
        )
        if self.after_call is not None:
            self.conversations.after_call_kinds = self.after_call.kinds
            self.conversations.on_closed = self.after_call.worker.wake
            self.after_call.worker.start()

    def after_call_kinds(self) -> tuple[str, ...]:
        return () if self.after_call is None else self.after_call.kinds

    async def _join_cluster(self) -> None:
        """With Redis: start the bus and the heartbeat (the edges subscribe to the bus as they are
        built). Without: this is the only replica, so calls left open by an earlier process
        ended with it."""
        from gateway.cluster.replicas import ReplicaRegistry, end_calls_of

        s = self.settings
        if s.redis_url is None:
            await end_calls_of(self.db, self.audit, None, s.replica_id, self.after_call_kinds())
            await self.recover_recordings()
            return
        from gateway.cluster.bus import RedisBus

        self.bus = RedisBus(
            s.redis_url.get_secret_value(), s.redis_prefix, s.replica_id, s.redis_max_connections
        )
        self.replicas = ReplicaRegistry(
            self.bus,
            self.db,
            self.audit,
            s.replica_id,
            s.replica_heartbeat_s,
            on_ended=self.recover_recordings,
        )
        self.replicas.after_call_kinds = self.after_call_kinds()
        log.info("joining the replicas over redis", replica=s.replica_id)
        await self.recover_recordings()  # what this machine's disk holds of calls ended earlier

    async def recover_recordings(self, ended: object = None) -> None:
        """Keep and list the recordings on this disk of calls whose process died."""
        from gateway.storage.salvage import salvage_recordings

        try:
            await salvage_recordings(self.db, self.audit, self.recordings)
        except Exception as exc:  # never stops a start: the next sweep tries again
            log.warning("recovering recordings failed", error_type=type(exc).__name__)

    def edge(self, kind: type[EdgeT]) -> EdgeT | None:
        """The running edge of that type, if this process serves the channel."""
        return next((e for e in self.edges if isinstance(e, kind)), None)

    def stock_phrases(self) -> list[str]:
        """What calls say most: the agent's words (greeting, openings) and the channels' own."""
        phrases = self.agent.stock_phrases()
        for edge in self.edges:
            phrases.extend(p for p in edge.stock_phrases() if p not in phrases)
        return phrases

    def speech_queues(self) -> dict[str, int]:
        """Speech jobs waiting for a worker, per model (none before the models are loaded)."""
        speech = self.speech
        return {} if speech is None else {"stt": speech.stt.queued, "tts": speech.tts.queued}

    async def speech_models(self) -> SpeechModels:
        """The process's Whisper, Piper and VAD models, loaded once (off the event loop)."""
        async with self._speech_lock:
            if self.speech is None:
                from speech.models import SpeechModels

                s = self.settings
                self.speech = await asyncio.to_thread(
                    SpeechModels.load,
                    s.stt_model,
                    s.stt_workers,
                    s.tts_voice,
                    s.tts_workers,
                    stt_threads=s.stt_threads,
                    tts_threads=s.tts_threads,
                    tts_phrase_cache_bytes=int(s.tts_phrase_cache_mb * 1024 * 1024),
                    cpu_slots=s.speech_cpu_slots,
                )
        return self.speech

    def spool_state(self) -> tuple[int, bool]:
        """(audit events and turn rows on disk waiting for the database, whether a spool refuses
        more): /readyz and the `frontdesk_audit_spool_*` metrics."""
        events, audit_full = self.audit.spool_state()
        rows, rows_full = self.conversations.writes.spool_state()
        return events + rows, audit_full or rows_full

    def spools_blocked(self) -> list[str]:
        """Each spool a replay is stuck on: the database refused one of its entries for a reason
        other than being away (gateway/store/spool_block.py); /readyz and the metrics."""
        found = []
        for name, spool in (("audit", self.audit.spool), ("turn", self.conversations.writes.spool)):
            if spool is not None and spool.blocked is not None and spool.pending:
                found.append(f"{name} spool {spool.blocked.describe()}")
        return found

    @property
    def spools_full(self) -> bool:
        """The database has been away longer than the spools could bridge: no new call or chat."""
        return self.spool_state()[1]

    async def readiness(self) -> dict[str, Any]:
        from gateway.store.migrate import pending_revisions

        report: dict[str, Any] = {"database": "ok", "migrations": "ok"}
        try:
            await self.db.ping()
            pending = await pending_revisions(self.db)
            if pending:
                report["migrations"] = f"pending: {', '.join(sorted(pending))}"
        except Exception as exc:  # any failure means not ready; say why
            report["database"] = str(exc)
        # Speech models: loaded at start when preload_models is on (the default for `serve`);
        # otherwise they load on the first call, and readiness says so without blocking on it.
        if self.speech is not None:
            report["models"] = "loaded"
        else:
            report["models"] = "loading" if self.settings.preload_models else "on first call"
        dependencies = await self.checks.report() if self.checks is not None else {}
        dependencies_ready = dependencies.pop("dependencies_ready", True)
        report.update(dependencies)
        report["drain"] = self.drain.status()
        spooled, spool_full = self.spool_state()
        if spool_full:
            report["audit_spool"] = (
                f"full ({spooled} events and turns waiting for the database): new calls refused,"
                " new chats refused"
            )
        elif spooled:
            report["audit_spool"] = f"{spooled} events and turns waiting for the database"
        blocked = self.spools_blocked()
        if blocked:  # still serving (newer writes queue behind on disk): an operator has to look
            report["spool_blocked"] = "; ".join(blocked) + " (frontdesk spool show)"
        report["ready"] = (
            not spool_full
            and report["database"] == "ok"
            and report["migrations"] == "ok"
            and report["models"] != "loading"
            and dependencies_ready
            and not self.drain.draining
        )
        return report

    async def stop(self) -> None:
        if self.speech is not None:
            self.speech.close()
        for edge in reversed(self.edges):  # stores what channels still queue; needs the database open
            await edge.stop()
        if self.replicas is not None:
            await self.replicas.stop()
        if self.bus is not None:
            await self.bus.close()
        await self.conversations.close()
        if self.after_call is not None:  # between jobs; what is left waits in the queue
            await self.after_call.close()
        await self.recordings.stop()
        await self.rejections.stop()  # the last summaries; needs the audit log open
        await self.audit.close()
        if self.checkpoints is not None:  # after the last events are stored
            try:
                await self.checkpoints.stop()
            except Exception as exc:
                log.warning("last audit checkpoint failed", error_type=type(exc).__name__)
        await self.connector.aclose()
        if self.checks is not None:
            await self.checks.close()
        await self.db.close()
        self.telemetry.close()  # the metrics port; spans still buffered go out
