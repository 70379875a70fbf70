"""The after-call queue on SQLite and PostgreSQL: jobs queued once per conversation and kind, two
workers (replicas) claiming at once never take the same job, a lease that ran out is taken over,
a job not yet due waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from gateway.after_call import queue
from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.db import Database
from gateway.store.models import ConversationRow

KINDS = ("lead", "note", "case", "task")


async def _conversations(db: Database, n: int) -> list[str]:
    ids = [f"conv-{i:03d}" for i in range(n)]
    async with db.session() as s, s.begin():
        for cid in ids:
            s.add(ConversationRow(id=cid, channel="chat", status="closed", state={}, meta={}))
        await s.flush()
        for cid in ids:
            await queue.enqueue(s, cid, KINDS)
            await queue.enqueue(s, cid, ("note",))  # queued again (a second close path): kept once
    return ids


async def test_replicas_claim_disjoint_jobs_and_a_lapsed_lease_is_taken_over(migrated_db_url: str) -> None:
    a, b = Database(migrated_db_url), Database(migrated_db_url)
    try:
        ids = await _conversations(a, 10)
        first, second = await asyncio.gather(
            queue.claim(a, "replica-a", lease_s=60, limit=25),
            queue.claim(b, "replica-b", lease_s=60, limit=25),
        )
        mine, theirs = {j.id for j in first}, {j.id for j in second}
        assert not mine & theirs
        assert len(mine | theirs) == 40 == len(ids) * len(KINDS)
        assert await queue.claim(a, "replica-c", lease_s=60) == []  # all leased
        # replica-a died holding its jobs: once its leases run out another replica takes them
        async with a.session() as s, s.begin():
            await s.execute(
                update(AfterCallJobRow)
                .where(AfterCallJobRow.id.in_(mine))
                .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        taken = await queue.claim(b, "replica-c", lease_s=60, limit=50)
        assert {j.id for j in taken} == mine
        by_conversation = [j.kind for j in taken if j.conversation_id == taken[0].conversation_id]
        assert by_conversation == [k for k in KINDS if k in by_conversation]  # lead before note ...
        job = taken[0]
        later = datetime.now(UTC) + timedelta(hours=1)
        await queue.finish(a, job, queue.PENDING, crm="hubspot", error="unavailable: down", retry_at=later)
        async with a.session() as s, s.begin():
            await s.execute(update(AfterCallJobRow).values(claimed_by=None, claimed_until=None))
        due = await queue.claim(a, "replica-d", lease_s=60, limit=50)
        assert job.id not in {j.id for j in due} and len(due) == 39  # the retry waits for its time
        (row,) = [r for r in await queue.jobs_of(a, job.conversation_id) if r.id == job.id]
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "unavailable: down")
    finally:
        await a.close()
        await b.close()


async def test_a_stopping_worker_gives_back_what_it_holds(migrated_db_url: str) -> None:
    db = Database(migrated_db_url)
    try:
        await _conversations(db, 2)
        held = await queue.claim(db, "replica-a", lease_s=600, limit=3)
        other = await queue.claim(db, "replica-ab", lease_s=600, limit=10)
        assert await queue.claim(db, "replica-b", lease_s=600) == []
        assert await queue.release(db, "replica-a") == 3  # not replica-ab's
        assert {j.id for j in await queue.claim(db, "replica-b", lease_s=600)} == {j.id for j in held}
        assert len(other) == 5  # the rest, still held by replica-ab
    finally:
        await db.close()


async def test_a_call_of_a_dead_replica_gets_its_after_call_work(migrated_db_url: str) -> None:
    from gateway.cluster.replicas import end_calls_of
    from gateway.store.audit import AuditLog

    db = Database(migrated_db_url)
    audit = AuditLog(db)
    try:
        async with db.session() as s, s.begin():
            s.add(
                ConversationRow(
                    id="call-1", channel="voice", status="active", state={}, meta={}, replica_id="gone"
                )
            )
        assert await end_calls_of(db, audit, {"gone"}, "me", ("note", "case")) == ["call-1"]
        assert {(r.kind, r.status) for r in await queue.jobs_of(db, "call-1")} == {
            ("note", "pending"),
            ("case", "pending"),
        }
        assert await end_calls_of(db, audit, {"gone"}, "me", ("note", "case")) == []  # ended once
        assert len(await queue.jobs_of(db, "call-1")) == 2
    finally:
        await audit.close()
        await db.close()
