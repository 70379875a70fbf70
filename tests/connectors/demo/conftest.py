"""One migrated database per backend for the whole session (migrations are the slow part); each
test then starts from a freshly re-seeded demo practice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from connectors.demo import DemoConnector, seed_demo
from connectors.demo.models import DemoAppointment, DemoIdempotency, DemoPatient, DemoProvider
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from tests.conftest import _pg_available, create_pg_database, drop_pg_database
from tests.connectors.conftest import TZ_NAME

TZ = TZ_NAME


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def demo_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        asyncio.run(upgrade(url))
        yield url
        return
    if not _pg_available():
        pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    url = asyncio.run(create_pg_database())
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        asyncio.run(drop_pg_database(url))


@pytest.fixture
def backend(demo_db_url: str) -> str:
    return "sqlite" if demo_db_url.startswith("sqlite") else "postgres"


async def reseed(db: Database) -> None:
    async with db.session() as s, s.begin():
        for table in (DemoIdempotency, DemoAppointment, DemoPatient, DemoProvider):
            await s.execute(delete(table))
        await seed_demo(s, datetime.now(ZoneInfo(TZ)).date(), TZ)


@pytest.fixture
async def db(demo_db_url: str) -> AsyncIterator[Database]:
    database = Database(demo_db_url)
    await reseed(database)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def connector(db: Database) -> DemoConnector:
    return DemoConnector(db.engine, TZ)


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
