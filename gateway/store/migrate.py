"""Run Alembic migrations programmatically (no alembic.ini needed: `frontdesk db upgrade`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from gateway.store.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def _upgrade(database_url: str, revision: str) -> None:
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "heads") -> None:
    # Alembic's env.py runs its own event loop; keep it off ours.
    await asyncio.to_thread(_upgrade, database_url, revision)


async def pending_revisions(db: Database) -> set[str]:
    """Revisions the code has that the database has not applied (empty when up to date)."""
    script = ScriptDirectory.from_config(alembic_config(db.url))
    async with db.engine.connect() as conn:
        current = await conn.run_sync(lambda c: set(MigrationContext.configure(c).get_current_heads()))
    return set(script.get_heads()) - current
