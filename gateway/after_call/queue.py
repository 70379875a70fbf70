"""The durable queue of after-call work: one `after_call_jobs` row per (conversation, kind).

Rows are added in the transaction that closes the conversation, so an ended conversation always
has its work on record. A worker claims due rows with a lease (`claimed_by`, `claimed_until`):
the claim is one UPDATE guarded by the row still being pending and unclaimed (or its lease run
out), and on PostgreSQL the candidates are picked `FOR UPDATE SKIP LOCKED`, so replicas working
the same table never take the same row; a replica that dies mid-job leaves a lease that runs out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.db import Database

KINDS = ("lead", "note", "case", "task")  # the order of work: a lead first, so the note has a contact
PENDING, DONE, SKIPPED, FAILED = "pending", "done", "skipped", "failed"


def _now() -> datetime:
    return datetime.now(UTC)


async def enqueue(session: AsyncSession, conversation_id: str, kinds: tuple[str, ...]) -> None:
    """Add the conversation's jobs (in the caller's transaction); kinds it already has are kept."""
    if not kinds:
        return
    have = set(
        await session.scalars(
            select(AfterCallJobRow.kind).where(AfterCallJobRow.conversation_id == conversation_id)
        )
    )
    now = _now()
    for kind in kinds:
        if kind not in have:
            session.add(
                AfterCallJobRow(
                    id=uuid.uuid4().hex,
                    conversation_id=conversation_id,
                    kind=kind,
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )


@dataclass(frozen=True)
class Job:
    id: str
    conversation_id: str
    kind: str
    attempts: int


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        AfterCallJobRow.status == PENDING,
        AfterCallJobRow.next_attempt_at <= now,
        or_(AfterCallJobRow.claimed_by.is_(None), AfterCallJobRow.claimed_until < now),
    )


async def claim(db: Database, worker: str, lease_s: float, limit: int = 20) -> list[Job]:
    """Take up to `limit` due jobs for `worker` until the lease runs out."""
    now = _now()
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    jobs: list[Job] = []
    while len(jobs) < limit:
        picked, taken = await _claim_some(db, token, now, lease_s, limit - len(jobs))
        jobs.extend(taken)
        # SQLite has no SKIP LOCKED: two claims may pick the same jobs, and the one that writes
        # second takes none of them (the update only takes jobs still due). It looks again for
        # the rest instead of coming back with less than there was.
        if not picked or len(taken) == picked:
            break
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(jobs, key=lambda j: (j.conversation_id, order.get(j.kind, 99)))


async def _claim_some(
    db: Database, token: str, now: datetime, lease_s: float, limit: int
) -> tuple[int, list[Job]]:
    """One transaction of `claim`: (how many due jobs it picked, the ones it took)."""
    async with db.session() as s, s.begin():
        pick = (
            select(AfterCallJobRow.id)
            .where(*_due(now))
            .order_by(AfterCallJobRow.next_attempt_at)
            .limit(limit)
        )
        if not db.is_sqlite:
            pick = pick.with_for_update(skip_locked=True)
        ids = list(await s.scalars(pick))
        if not ids:
            return 0, []
        await s.execute(
            update(AfterCallJobRow)
            .where(AfterCallJobRow.id.in_(ids), *_due(now))
            .values(claimed_by=token, claimed_until=now + timedelta(seconds=lease_s))
        )
        rows = await s.execute(
            select(
                AfterCallJobRow.id,
                AfterCallJobRow.conversation_id,
                AfterCallJobRow.kind,
                AfterCallJobRow.attempts,
            ).where(AfterCallJobRow.id.in_(ids), AfterCallJobRow.claimed_by == token)
        )
        return len(ids), [Job(*row) for row in rows]


async def finish(
    db: Database,
    job: Job,
    status: str,
    *,
    crm: str | None,
    result_id: str | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record how an attempt went: done or skipped, failed for good, or pending until `retry_at`."""
    values: dict[str, object] = {
        "status": status,
        "attempts": job.attempts + 1,
        "last_error": error,
        "claimed_by": None,
        "claimed_until": None,
        "crm": crm,
        "updated_at": _now(),
    }
    if result_id is not None:
        values["result_id"] = result_id
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    async with db.session() as s, s.begin():
        await s.execute(update(AfterCallJobRow).where(AfterCallJobRow.id == job.id).values(**values))


async def defer(db: Database, job: Job, until: datetime, why: str) -> None:
    """Put a job back without counting an attempt (it waits for another job of its conversation)."""
    async with db.session() as s, s.begin():
        await s.execute(
            update(AfterCallJobRow)
            .where(AfterCallJobRow.id == job.id)
            .values(
                claimed_by=None, claimed_until=None, next_attempt_at=until, last_error=why, updated_at=_now()
            )
        )


async def jobs_of(db: Database, conversation_id: str) -> list[AfterCallJobRow]:
    """The conversation's jobs in the order of work (the console shows them)."""
    async with db.session() as s:
        rows = list(
            await s.scalars(select(AfterCallJobRow).where(AfterCallJobRow.conversation_id == conversation_id))
        )
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(rows, key=lambda r: order.get(r.kind, 99))


async def retry_failed(db: Database, conversation_id: str, why: str) -> list[str]:
    """Put the conversation's failed jobs back in the queue, their attempts counted afresh (a
    member of staff fixed what was wrong). Returns the kinds put back."""
    now = _now()
    async with db.session() as s, s.begin():
        kinds = list(
            await s.scalars(
                select(AfterCallJobRow.kind).where(
                    AfterCallJobRow.conversation_id == conversation_id, AfterCallJobRow.status == FAILED
                )
            )
        )
        if kinds:
            await s.execute(
                update(AfterCallJobRow)
                .where(AfterCallJobRow.conversation_id == conversation_id, AfterCallJobRow.status == FAILED)
                .values(status=PENDING, attempts=0, next_attempt_at=now, last_error=why, updated_at=now)
            )
    return kinds


async def release(db: Database, worker: str) -> int:
    """Give back what `worker` still holds (it is stopping): another process, or this one after a
    restart, takes it up at once instead of when the lease runs out."""
    async with db.session() as s, s.begin():
        result = await s.execute(
            update(AfterCallJobRow)
            .where(AfterCallJobRow.status == PENDING, AfterCallJobRow.claimed_by.startswith(f"{worker}:"))
            .values(claimed_by=None, claimed_until=None)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
