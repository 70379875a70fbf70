"""Server-side staff sessions: created at login, checked on every request, revoked at logout."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from gateway.store.db import Database
from gateway.store.models import ConsoleSessionRow


class ConsoleLogins:
    def __init__(self, db: Database, max_age_s: int) -> None:
        self.db = db
        self.max_age = timedelta(seconds=max_age_s)

    async def start(self, email: str) -> str:
        sid = secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        async with self.db.session() as s, s.begin():
            s.add(ConsoleSessionRow(id=sid, email=email, created_at=now, expires_at=now + self.max_age))
        return sid

    async def is_active(self, sid: str, email: str) -> bool:
        async with self.db.session() as s:
            row = await s.scalar(select(ConsoleSessionRow).where(ConsoleSessionRow.id == sid))
        if row is None or row.revoked_at is not None or row.email != email:
            return False
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        return expires > datetime.now(UTC)

    async def revoke(self, sid: str) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(
                update(ConsoleSessionRow)
                .where(ConsoleSessionRow.id == sid)
                .values(revoked_at=datetime.now(UTC))
            )

    async def revoke_all(self, email: str) -> None:
        """Deactivating an account ends all of its sessions."""
        async with self.db.session() as s, s.begin():
            await s.execute(
                update(ConsoleSessionRow)
                .where(ConsoleSessionRow.email == email, ConsoleSessionRow.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
