"""Audit writes that fail for real: a trigger on `audit_events` that raises on insert (SQLite and
PostgreSQL), for the events of one kind (and tool), until `end`. The gateway under test is not
touched; its database refuses."""

from __future__ import annotations

from sqlalchemy import text

from gateway.store.db import Database


class AuditOutage:
    """The database refuses to store audit events of one kind (and tool), until `end`."""

    def __init__(self, database_url: str) -> None:
        self.db = Database(database_url)

    async def start(self, kind: str, tool: str | None = None) -> None:
        if self.db.is_sqlite:
            when = f"NEW.kind = '{kind}'" + (
                f" AND json_extract(NEW.payload, '$.tool') = '{tool}'" if tool else ""
            )
            statements = [
                f"CREATE TRIGGER audit_outage BEFORE INSERT ON audit_events WHEN {when} "
                "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
            ]
        else:
            when = f"NEW.kind = '{kind}'" + (f" AND NEW.payload->>'tool' = '{tool}'" if tool else "")
            statements = [
                "CREATE OR REPLACE FUNCTION audit_outage() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$",
                f"CREATE TRIGGER audit_outage BEFORE INSERT ON audit_events FOR EACH ROW WHEN ({when}) "
                "EXECUTE FUNCTION audit_outage()",
            ]
        await self._run(statements)

    async def end(self) -> None:
        await self._run(["DROP TRIGGER audit_outage" + ("" if self.db.is_sqlite else " ON audit_events")])

    async def _run(self, statements: list[str]) -> None:
        async with self.db.engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))

    async def close(self) -> None:
        await self.db.close()
