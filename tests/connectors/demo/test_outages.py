"""The appointment book locked or gone: typed `Unavailable`, never a half-done write, and a retry
with the same idempotency key afterwards books exactly once."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.base import BookAppointment, ListFreeSlots, ListProviders, Unavailable
from connectors.demo import DemoConnector
from connectors.demo.models import DemoAppointment, DemoIdempotency
from connectors.resilience import ResiliencePolicy
from gateway.store.db import Database
from tests.connectors.conftest import assert_circuit_opens, idempotency_key
from tests.connectors.demo.conftest import TZ

SHORT = ResiliencePolicy(timeout_s=0.5, attempts=2, backoff_initial_s=0.01, jitter_s=0.0)


@asynccontextmanager
async def write_lock(url: str) -> AsyncIterator[None]:
    """Another client holding the write lock on the appointments, as a long migration or a stuck
    transaction would."""
    if url.startswith("sqlite"):
        raw = sqlite3.connect(make_url(url).database, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            raw.execute("ROLLBACK")
            raw.close()
        return
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("LOCK TABLE demo_appointments IN EXCLUSIVE MODE")
        yield
        await tx.rollback()
    finally:
        await conn.close()


async def counts(db: Database) -> tuple[int, int]:
    async with db.session() as s:
        appts = await s.scalar(select(func.count()).select_from(DemoAppointment))
        receipts = await s.scalar(select(func.count()).select_from(DemoIdempotency))
    return appts or 0, receipts or 0


async def test_write_timing_out_on_a_locked_book_leaves_nothing_behind(db: Database, demo_db_url: str):
    if demo_db_url.startswith("sqlite"):
        # SQLite waits in its busy handler inside a worker thread, which asyncio cannot cancel:
        # a short busy timeout is how the demo book fails fast there.
        engine = create_async_engine(demo_db_url, connect_args={"timeout": 0.2})
    else:
        engine = db.engine  # PostgreSQL: the per-attempt timeout cancels the blocked INSERT
    connector = DemoConnector(engine, TZ, policy=SHORT)
    today = datetime.now(ZoneInfo(TZ)).date()
    slot = (
        await connector.list_free_slots(
            ListFreeSlots(start_date=today + timedelta(days=1), end_date=today + timedelta(days=10), limit=1)
        )
    ).slots[0]
    req = BookAppointment(idempotency_key=idempotency_key(), person_id="p-1014", slot_id=slot.id)
    before = await counts(db)
    try:
        async with write_lock(demo_db_url):
            with pytest.raises(Unavailable) as info:
                await connector.book_appointment(req)
            assert info.value.message
            cause = "locked" if demo_db_url.startswith("sqlite") else "Timeout"
            assert cause in (info.value.detail or ""), info.value.detail
        assert await counts(db) == before  # nothing half-written
        booked = await connector.book_appointment(req)  # the retry after the outage
        assert await connector.book_appointment(req) == booked
        assert await counts(db) == (before[0] + 1, before[1] + 1)
    finally:
        if engine is not db.engine:
            await engine.dispose()


async def test_unreachable_postgres_is_unavailable_and_then_fails_fast():
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    policy = ResiliencePolicy(timeout_s=2.0, attempts=1, breaker_threshold=2, breaker_cooldown_s=60)
    connector = DemoConnector(engine, TZ, policy=policy)
    try:
        await assert_circuit_opens(lambda: connector.list_providers(ListProviders()), failures=2)
    finally:
        await engine.dispose()
