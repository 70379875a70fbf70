"""Audit append rate: events/s on SQLite and PostgreSQL, one conversation and 20 concurrent ones.

    .venv/bin/python bench/audit_append.py [--events 4000] [--no-postgres]

Each conversation appends its events one after another (awaiting each, as a call does); the
concurrent case runs 20 such conversations at once in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.migrate import upgrade

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


async def run_case(url: str, conversations: int, total: int) -> float:
    await upgrade(url)
    db = Database(url)
    log = AuditLog(db)
    per = total // conversations
    payload = {"text": "I'd like to book an appointment next Tuesday afternoon", "confidence": 0.91}

    async def one(cid: str) -> None:
        for i in range(per):
            await log.append(cid, "turn.user", "caller", {**payload, "i": i})

    start = time.perf_counter()
    await asyncio.gather(*(one(uuid.uuid4().hex) for _ in range(conversations)))
    elapsed = time.perf_counter() - start
    assert (await log.verify()).ok
    await log.close()
    await db.close()
    return per * conversations / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"audit append rate ({args.events} events per case)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 20):
            url = f"sqlite+aiosqlite:///{Path(tmp) / f'bench{n}.db'}"
            rate = await run_case(url, n, args.events)
            print(f"  sqlite      {n:>2} conversation(s): {rate:8.0f} events/s")
    if not args.no_postgres:
        for n in (1, 20):
            name = f"fd_bench_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                rate = await run_case(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", n, args.events)
                print(f"  postgresql  {n:>2} conversation(s): {rate:8.0f} events/s")
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
