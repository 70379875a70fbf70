"""Demo practice latency: what one agent tool call costs against the built-in clinic.

    .venv/bin/python bench/demo_practice.py [--rounds 100] [--no-postgres]

On a migrated, seeded database (SQLite file, and a throwaway PostgreSQL database), prints median
and p95 milliseconds of: identity lookup by name + date of birth, free slots over the whole 60-day
horizon (limit 50), booking one slot (a new idempotency key each time), replaying a booking with a
used key; and the wall time of 20 concurrent bookings of one slot (exactly one must win).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.base import BookAppointment, Conflict, FindPersonByNameDob, ListFreeSlots
from connectors.demo import DemoConnector, seed_demo
from gateway.store.db import Database
from gateway.store.migrate import upgrade

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TZ = "America/New_York"


async def timed(rounds: int, fn: Callable[[int], Awaitable[object]]) -> str:
    samples = []
    for i in range(rounds):
        started = time.perf_counter()
        await fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"median {statistics.median(samples):6.2f} ms  p95 {p95:6.2f} ms"


async def run_case(url: str, rounds: int) -> None:
    await upgrade(url)
    db = Database(url)
    today = datetime.now(ZoneInfo(TZ)).date()
    async with db.session() as s, s.begin():
        await seed_demo(s, today, TZ)
    c = DemoConnector(db.engine, TZ)
    horizon = ListFreeSlots(start_date=today, end_date=today + timedelta(days=60), limit=50)
    free = []  # bookable slots for the booking rounds, 50 per provider at most
    for provider in ("dr-patel", "dr-chen", "dr-rodriguez"):
        window = ListFreeSlots(
            provider_id=provider,
            start_date=today + timedelta(days=1),
            end_date=today + timedelta(days=60),
            limit=50,
        )
        free += (await c.list_free_slots(window)).slots
    if len(free) < rounds + 1:
        raise SystemExit(f"--rounds must be at most {len(free) - 1}")
    who = FindPersonByNameDob(first_name="sarah", last_name="johnson", date_of_birth=date(1985, 3, 14))
    print(f"  find_person_by_name_dob      {await timed(rounds, lambda i: c.find_person_by_name_dob(who))}")
    print(f"  list_free_slots (60 days)    {await timed(rounds, lambda i: c.list_free_slots(horizon))}")
    keys = [f"bench-{uuid.uuid4().hex}" for _ in range(rounds)]

    def book(i: int) -> Awaitable[object]:
        return c.book_appointment(
            BookAppointment(idempotency_key=keys[i], person_id="p-1001", slot_id=free[i].id)
        )

    print(f"  book_appointment             {await timed(rounds, book)}")
    print(f"  book_appointment (replayed)  {await timed(rounds, book)}")
    target = free[rounds].id
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            c.book_appointment(
                BookAppointment(
                    idempotency_key=f"race-{uuid.uuid4().hex}", person_id=f"p-{1001 + n}", slot_id=target
                )
            )
            for n in range(20)
        ),
        return_exceptions=True,
    )
    wall = (time.perf_counter() - started) * 1000
    wins = sum(not isinstance(r, BaseException) for r in results)
    conflicts = sum(isinstance(r, Conflict) for r in results)
    print(f"  20 concurrent bookings, 1 slot: {wall:.1f} ms wall, {wins} booked, {conflicts} conflicts")
    await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (WAL, file):")
        await run_case(f"sqlite+aiosqlite:///{tmp}/bench.db", args.rounds)
    if args.no_postgres:
        return
    name = f"fd_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        print("PostgreSQL (127.0.0.1):")
        await run_case(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", args.rounds)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
