"""Run Alembic migrations programmatically (no alembic.ini needed: `frontdesk db upgrade`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory

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


@dataclass(frozen=True)
class SchemaState:
    """Where the database's schema stands against this release's migrations."""

    recorded: tuple[str, ...]  # what alembic_version holds (empty: never migrated)
    heads: tuple[str, ...]  # this release's newest revisions
    applied: frozenset[str]  # this release's revisions at or below what is recorded
    # Recorded revisions this release does not have: a newer release migrated the database (its
    # migrations are backwards compatible for one release, so this code still runs on it).
    unknown: tuple[str, ...]
    revisions: tuple[Script, ...]  # this release's revisions, oldest first

    @property
    def pending(self) -> tuple[str, ...]:
        """This release's revisions the database has not applied, oldest first."""
        if self.unknown and not set(self.recorded) - set(self.unknown):
            return ()  # only a newer release's revisions: ours are below them
        return tuple(s.revision for s in self.revisions if s.revision not in self.applied)


def script_directory(database_url: str = "sqlite+aiosqlite://") -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(database_url))


def schema_state_of(script: ScriptDirectory, recorded: tuple[str, ...]) -> SchemaState:
    revisions = tuple(reversed(list(script.walk_revisions())))
    known = {s.revision for s in revisions}
    ours = tuple(r for r in recorded if r in known)
    applied = {s.revision for s in script.iterate_revisions(ours, "base")} if ours else set()
    return SchemaState(
        recorded=recorded,
        heads=tuple(script.get_heads()),
        applied=frozenset(applied),
        unknown=tuple(r for r in recorded if r not in known),
        revisions=revisions,
    )


async def schema_state(db: Database) -> SchemaState:
    script = script_directory(db.url)
    async with db.engine.connect() as conn:
        recorded = await conn.run_sync(lambda c: tuple(MigrationContext.configure(c).get_current_heads()))
    return schema_state_of(script, tuple(sorted(recorded)))


async def pending_revisions(db: Database) -> set[str]:
    """Revisions the code has that the database has not applied (empty when up to date, and when
    a newer release has migrated it: during a rolling update or after a rollback the older
    replicas go on serving)."""
    return set((await schema_state(db)).pending)
