"""Migration 0002 creates the demo tables with the double-booking index, and downgrades cleanly."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from gateway.store.db import Database
from gateway.store.migrate import alembic_config, upgrade

DEMO_TABLES = {"demo_providers", "demo_patients", "demo_appointments", "demo_idempotency"}


async def tables_and_indexes(url: str) -> tuple[set[str], dict[str, bool]]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:

            def read(c):  # type: ignore[no-untyped-def]
                insp = inspect(c)
                names = set(insp.get_table_names())
                indexes = (
                    {i["name"]: bool(i["unique"]) for i in insp.get_indexes("demo_appointments")}
                    if "demo_appointments" in names
                    else {}
                )
                return names, indexes

            return await conn.run_sync(read)
    finally:
        await db.close()


def test_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_heads()) == 1


async def test_upgrade_and_downgrade(db_url: str) -> None:
    await upgrade(db_url, "0002")
    names, indexes = await tables_and_indexes(db_url)
    assert DEMO_TABLES <= names
    assert indexes.get("uq_demo_appointments_provider_start_booked") is True
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0001")
    names, _ = await tables_and_indexes(db_url)
    assert not (DEMO_TABLES & names) and "conversations" in names
    await upgrade(db_url)
    names, _ = await tables_and_indexes(db_url)
    assert DEMO_TABLES <= names
