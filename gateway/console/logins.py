"""Server-side staff sessions: created at login, checked on every request, revoked at logout.

A session ends at the first of: logout, deactivation of the account (`StaffAccounts.set_active`),
its absolute lifetime, or `FRONTDESK_CONSOLE_IDLE_TIMEOUT_S` without a request from the staff member
(automatic logoff of an unattended screen). The 2-second polls of an open page are not the staff
member doing something, so they are checked without extending the idle window.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update

from gateway.store.db import Database
from gateway.store.models import ConsoleSessionRow


class ConsoleLogins:
    def __init__(self, db: Database, max_age_s: int, idle_s: float) -> None:
        self.db = db
        self.max_age = timedelta(seconds=max_age_s)
        self.idle = timedelta(seconds=idle_s)

    async def start(self, email: str) -> str:
        sid = secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        async with self.db.session() as s, s.begin():
            s.add(
                ConsoleSessionRow(
                    id=sid, email=email, created_at=now, last_seen_at=now, expires_at=now + self.max_age
                )
            )
        return sid

    def _alive(self, sid: str, email: str, now: datetime) -> list[ColumnElement[bool]]:
        last_seen = func.coalesce(ConsoleSessionRow.last_seen_at, ConsoleSessionRow.created_at)
        return [
            ConsoleSessionRow.id == sid,
            ConsoleSessionRow.email == email,
            ConsoleSessionRow.revoked_at.is_(None),
            ConsoleSessionRow.expires_at > now,
            last_seen > now - self.idle,
        ]

    async def is_active(self, sid: str, email: str, *, activity: bool = False) -> bool:
        """Whether the session is still on. `activity`: this request is the staff member doing
        something, so the idle window starts again (one atomic UPDATE ... RETURNING)."""
        now = datetime.now(UTC)
        alive = self._alive(sid, email, now)
        async with self.db.session() as s:
            if not activity:
                return await s.scalar(select(ConsoleSessionRow.id).where(*alive)) is not None
            touched = await s.scalar(
                update(ConsoleSessionRow)
                .where(*alive)
                .values(last_seen_at=now)
                .returning(ConsoleSessionRow.id)
            )
            await s.commit()
            return touched is not None

    async def revoke(self, sid: str) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(
                update(ConsoleSessionRow)
                .where(ConsoleSessionRow.id == sid)
                .values(revoked_at=datetime.now(UTC))
            )
