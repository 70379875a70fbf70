"""Failed identity checks across conversations, in the database (`agents.identity_attempts`): one
row per key (patient claimed, calling number, client address), so every replica and a restarted
one see the same counts.

Keys are stored as an HMAC of their value under a key derived from the session secret: the table
holds no names, numbers or addresses, and staff reach the person through the last conversation
the row names. A check is counted before it runs, in the transaction that read the rows (locked on
PostgreSQL; SQLite has a single writer), so conversations racing each other all count; a check
that passes gives its count back.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Row, and_, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agents.identity_attempts import OPEN, AttemptKey, AttemptPolicy, Check, Standing
from gateway.store.db import Database
from gateway.store.models import IdentityAttemptRow

Now = Callable[[], datetime]
KeyRow = tuple[str, str]  # (kind, key_hash)

_TABLE = IdentityAttemptRow.__table__


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite returns naive UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def key_secret(session_secret: str) -> bytes:
    """The HMAC key of stored attempt keys: derived, so it says nothing about session cookies."""
    return hmac.new(
        session_secret.encode("utf-8"), b"frontdesk identity attempt keys", hashlib.sha256
    ).digest()


class DatabaseIdentityAttempts:
    def __init__(self, db: Database, policy: AttemptPolicy, secret: bytes, now: Now = _utcnow) -> None:
        self.db = db
        self.policy = policy
        self._secret = secret
        self._now = now

    def hashed(self, key: AttemptKey) -> str:
        return hmac.new(self._secret, f"{key.kind}\0{key.value}".encode(), hashlib.sha256).hexdigest()

    def _rows(self, keys: Sequence[AttemptKey]) -> list[KeyRow]:
        """Sorted: every transaction locks the rows in one order."""
        return sorted({(str(k.kind), self.hashed(k)) for k in keys})

    async def try_check(self, keys: Sequence[AttemptKey], conversation_id: str) -> Check:
        rows = self._rows(keys)
        kinds = sorted({str(k.kind) for k in keys})
        if not rows:
            return Check(allowed=True, standing=OPEN, kinds=[])
        now = self._now()
        allowed, standing = await self.db.run_write(lambda conn: self._try(conn, rows, conversation_id, now))
        return Check(allowed=allowed, standing=standing, kinds=kinds)

    def _try(
        self, conn: Connection, keys: list[KeyRow], conversation_id: str, now: datetime
    ) -> tuple[bool, Standing]:
        locked_rows = select(_TABLE).where(_any_of(keys)).order_by(_TABLE.c.kind, _TABLE.c.key_hash)
        found = {(r.kind, r.key_hash): r for r in conn.execute(locked_rows.with_for_update())}
        before = OPEN
        for row in found.values():
            before = before.worst(self.policy.standing(row.failures, _aware(row.last_failure_at), now))
        if before.locked or before.retry_after_s > 0:
            return False, before
        after = OPEN
        for kind, key_hash in keys:
            existing = found.get((kind, key_hash))
            if existing is None:
                failures = self._insert(conn, kind, key_hash, conversation_id, now)
            else:
                failures = self._count(conn, existing, conversation_id, now)
            after = after.worst(self.policy.standing(failures, now, now))
        return True, after

    def _count(self, conn: Connection, row: Row, conversation_id: str, now: datetime) -> int:
        """One more failure on a row read (and locked) in this transaction; a whole window since
        its last failure starts the count again."""
        stale = now - _aware(row.last_failure_at) > timedelta(seconds=self.policy.window_s)
        failures = 1 if stale else row.failures + 1
        new_conversation = stale or row.last_conversation_id != conversation_id
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.kind == row.kind, _TABLE.c.key_hash == row.key_hash)
            .values(
                failures=failures,
                first_failure_at=now if stale else row.first_failure_at,
                last_failure_at=now,
                last_conversation_id=conversation_id,
                conversations=1 if stale else row.conversations + int(new_conversation),
            )
        )
        return failures

    def _insert(self, conn: Connection, kind: str, key_hash: str, conversation_id: str, now: datetime) -> int:
        """A first failure; another replica may have inserted the row meanwhile: then it counts on."""
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        statement = insert(_TABLE).values(
            kind=kind,
            key_hash=key_hash,
            failures=1,
            conversations=1,
            first_failure_at=now,
            last_failure_at=now,
            last_conversation_id=conversation_id,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.kind, _TABLE.c.key_hash],
            set_={
                "failures": _TABLE.c.failures + 1,
                "last_failure_at": now,
                "last_conversation_id": conversation_id,
            },
        )
        return int(conn.execute(statement.returning(_TABLE.c.failures)).scalar_one())

    async def check_passed(self, keys: Sequence[AttemptKey]) -> None:
        rows = self._rows(keys)
        if not rows:
            return
        statement = (
            update(_TABLE)
            .where(_any_of(rows))
            .values(failures=case((_TABLE.c.failures > 0, _TABLE.c.failures - 1), else_=0))
        )
        await self.db.run_write(lambda conn: conn.execute(statement))


def _any_of(keys: list[KeyRow]) -> ColumnElement[bool]:
    return or_(*(and_(_TABLE.c.kind == kind, _TABLE.c.key_hash == key_hash) for kind, key_hash in keys))


@dataclass(frozen=True)
class UnderAttack:
    """A key with many recent failures, for the console's alert."""

    kind: str
    failures: int
    conversations: int
    first_failure_at: datetime
    last_failure_at: datetime
    last_conversation_id: str
    locked: bool


async def under_attack(db: Database, policy: AttemptPolicy, now: datetime | None = None) -> list[UnderAttack]:
    """Keys at or past the backoff threshold within the window, patients first, newest first."""
    now = now or _utcnow()
    cutoff = now - timedelta(seconds=policy.window_s)
    async with db.session() as s:
        rows = (
            await s.execute(
                select(_TABLE).where(
                    _TABLE.c.failures >= min(policy.backoff_after, policy.lockout_after),
                    _TABLE.c.last_failure_at >= cutoff,
                )
            )
        ).all()
    found = [
        UnderAttack(
            kind=r.kind,
            failures=r.failures,
            conversations=r.conversations,
            first_failure_at=_aware(r.first_failure_at),
            last_failure_at=_aware(r.last_failure_at),
            last_conversation_id=r.last_conversation_id,
            locked=policy.standing(r.failures, _aware(r.last_failure_at), now).locked,
        )
        for r in rows
    ]
    return sorted(found, key=lambda a: (a.kind != "patient", -a.last_failure_at.timestamp()))
