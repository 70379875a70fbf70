"""Which gateway processes are alive, and ending the calls of those that are not.

A voice call lives in one process: the one holding Twilio's media stream. Its conversation row
names that process (`conversations.replica_id`). When the process dies (SIGKILL, a lost machine)
nobody closes the call, so whoever notices does: each replica writes a heartbeat key to Redis
with a time-to-live, and every few beats looks for open calls whose replica has no heartbeat left;
those are ended on the books ("interrupted"), with the end on the call's audit chain. Several
replicas may notice at once: the status update only succeeds for one of them, and only that one
writes the audit event.

Without Redis there is one replica: at start it ends the calls any earlier process left open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, select, update

from agents.events import EventKind
from gateway.after_call.queue import enqueue as enqueue_after_call
from gateway.cluster.bus import RedisBus
from gateway.logging import get_logger
from gateway.statuses import ConversationStatus
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import ConversationRow

log = get_logger(__name__)

# Channels whose conversation dies with the process that holds it (chat resumes anywhere).
PROCESS_BOUND_CHANNELS = ("voice", "web-call")
INTERRUPTED = "interrupted: the gateway process holding the call stopped"


def _open_calls_held_by_others(me: str) -> tuple[ColumnElement[bool], ...]:
    """Open process-bound conversations that a replica other than `me` holds."""
    return (
        ConversationRow.channel.in_(PROCESS_BOUND_CHANNELS),
        ConversationRow.status != ConversationStatus.CLOSED,
        ConversationRow.replica_id.is_not(None),
        ConversationRow.replica_id != me,
    )


async def end_calls_of(
    db: Database, audit: AuditLog, dead: set[str] | None, me: str, after_call_kinds: tuple[str, ...] = ()
) -> list[str]:
    """End the open process-bound conversations of the replicas in `dead` (None: of every replica
    but `me`), queueing their after-call work. Returns the ids this call ended (another replica
    may have ended some first)."""
    query = select(ConversationRow.id, ConversationRow.replica_id).where(*_open_calls_held_by_others(me))
    async with db.session() as s:
        rows = (await s.execute(query)).all()
    ended: list[str] = []
    for conversation_id, replica in rows:
        if dead is not None and replica not in dead:
            continue
        async with db.session() as s, s.begin():
            result = await s.execute(
                update(ConversationRow)
                .where(
                    ConversationRow.id == conversation_id,
                    ConversationRow.status != ConversationStatus.CLOSED,
                )
                .values(status=ConversationStatus.CLOSED, ended_at=datetime.now(UTC))
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                await enqueue_after_call(s, conversation_id, after_call_kinds)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue  # someone else ended it
        await audit.append(
            conversation_id,
            EventKind.CONVERSATION_ENDED,
            "system",
            {"reason": INTERRUPTED, "replica": replica, "noticed_by": me},
        )
        ended.append(conversation_id)
    if ended:
        log.warning("calls of a stopped gateway process ended as interrupted", count=len(ended))
    return ended


class ReplicaRegistry:
    """This replica's heartbeat in Redis, and the sweep that ends dead replicas' calls."""

    def __init__(
        self,
        bus: RedisBus,
        db: Database,
        audit: AuditLog,
        replica_id: str,
        heartbeat_s: float,
        on_ended: Callable[[list[str]], Awaitable[None]] | None = None,
    ) -> None:
        """`on_ended(ids)`: after this replica ended dead replicas' calls (their recordings)."""
        self._on_ended = on_ended
        self._bus = bus
        self._db = db
        self._audit = audit
        self.replica_id = replica_id
        self._heartbeat_s = heartbeat_s
        self._task: asyncio.Task[None] | None = None
        self.after_call_kinds: tuple[str, ...] = ()  # queued for the calls it ends (the services set it)

    @property
    def ttl_s(self) -> int:
        return max(2, round(self._heartbeat_s * 3))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="replica-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:  # leaving on purpose: the others need not wait for the key to expire
            await self._bus.client.delete(self._key(self.replica_id))
        except (RedisError, OSError):
            pass

    async def beat(self) -> None:
        await self._bus.client.set(self._key(self.replica_id), datetime.now(UTC).isoformat(), ex=self.ttl_s)

    async def alive(self, replicas: set[str]) -> set[str]:
        if not replicas:
            return set()
        ordered = sorted(replicas)
        values = await self._bus.client.mget([self._key(r) for r in ordered])
        return {r for r, v in zip(ordered, values, strict=True) if v is not None}

    async def sweep(self) -> list[str]:
        """End the open calls of replicas without a heartbeat."""
        async with self._db.session() as s:
            found = set(
                await s.scalars(
                    select(ConversationRow.replica_id)
                    .where(*_open_calls_held_by_others(self.replica_id))
                    .distinct()
                )
            )
        holders = {h for h in found if h}
        dead = holders - await self.alive(holders)
        if not dead:
            return []
        ended = await end_calls_of(self._db, self._audit, dead, self.replica_id, self.after_call_kinds)
        if ended and self._on_ended is not None:
            await self._on_ended(ended)
        return ended

    async def _run(self) -> None:
        # No verdicts until every replica had a full time-to-live to beat: at start, and after
        # Redis was unreachable (a restarted Redis has lost every heartbeat, not every replica).
        loop = asyncio.get_running_loop()
        sweep_from = loop.time() + self.ttl_s
        while True:
            try:
                await self.beat()
                if loop.time() >= sweep_from:
                    await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis or the database away for a moment: next beat retries
                log.warning("replica heartbeat or sweep failed", error_type=type(exc).__name__)
                if isinstance(exc, RedisError | OSError):
                    sweep_from = loop.time() + self.ttl_s
            await asyncio.sleep(self._heartbeat_s)

    def _key(self, replica: str) -> str:
        return self._bus.key("replica", replica)
