"""Staff accounts: argon2 password hashes, login checks with lockout after repeated failures.

Hashing and verification run in `Passwords`' worker threads, never on the event loop.

Roles: `staff` handle handoffs and conversations, `auditor` read conversations and audit trails but
cannot act, `admin` may do everything staff can and manages accounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from sqlalchemy import select, update

from gateway.console.passwords import Passwords, shared_passwords
from gateway.store.db import Database
from gateway.store.models import StaffUserRow

Role = Literal["admin", "staff", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """Bad input for an account (e-mail, role, password, duplicate); the message says which."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    role: Role

    @property
    def can_act(self) -> bool:
        """May claim handoffs, reply, close and add notes (auditors only read)."""
        return self.role in ("admin", "staff")

    @property
    def can_export(self) -> bool:
        return self.role in ("admin", "auditor")


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    error: str | None = None  # shown to the person logging in
    reason: str | None = None  # for the audit log: unknown_email | bad_password | locked | inactive
    locked_until: datetime | None = None


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 255:
        raise AccountError(f"not an e-mail address: {email!r}")
    return value


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _aware(ts: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones.
    if ts is None or ts.tzinfo is not None:
        return ts
    return ts.replace(tzinfo=UTC)


def _user(row: StaffUserRow) -> StaffUser:
    return StaffUser(id=row.id, email=row.email, role=check_role(row.role))


class StaffAccounts:
    def __init__(self, db: Database, passwords: Passwords | None = None) -> None:
        self.db = db
        self.passwords = passwords or shared_passwords()

    async def add(self, email: str, role: str, password: str) -> StaffUser:
        email = normalise_email(email)
        role = check_role(role)
        check_password(password)
        async with self.db.session() as s:
            existing = await s.scalar(select(StaffUserRow).where(StaffUserRow.email == email))
            if existing is not None:
                raise AccountError(f"an account for {email} already exists")
            password_hash = await self.passwords.hash(password)
            row = StaffUserRow(email=email, role=role, password_hash=password_hash, active=True)
            s.add(row)
            await s.commit()
            return _user(row)

    async def list(self) -> list[tuple[StaffUser, bool, datetime | None]]:
        """Every account with its active flag and lock expiry, ordered by e-mail."""
        async with self.db.session() as s:
            rows = (await s.scalars(select(StaffUserRow).order_by(StaffUserRow.email))).all()
            return [(_user(r), r.active, _aware(r.locked_until)) for r in rows]

    async def get_active(self, email: str) -> StaffUser | None:
        """The account behind a session cookie, re-read on every request so deactivation bites."""
        async with self.db.session() as s:
            row = await s.scalar(
                select(StaffUserRow).where(StaffUserRow.email == email, StaffUserRow.active.is_(True))
            )
            return _user(row) if row is not None else None

    async def set_active(self, email: str, active: bool) -> None:
        email = normalise_email(email)
        async with self.db.session() as s:
            result = await s.execute(
                update(StaffUserRow).where(StaffUserRow.email == email).values(active=active)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise AccountError(f"no account for {email}")
            await s.commit()

    async def authenticate(self, email: str, password: str, now: datetime | None = None) -> LoginResult:
        now = now or datetime.now(UTC)
        generic = "Wrong e-mail or password."
        try:
            email = normalise_email(email)
        except AccountError:
            await self.passwords.verify_dummy(password)
            return LoginResult(None, generic, "unknown_email")
        # The row is read, then the session closed before the (slow, pooled) password check, so a
        # burst of logins waiting for the hasher holds no database connections.
        async with self.db.session() as s:
            row = await s.scalar(select(StaffUserRow).where(StaffUserRow.email == email))
        if row is None:
            await self.passwords.verify_dummy(password)
            return LoginResult(None, generic, "unknown_email")
        locked_until = _aware(row.locked_until)
        if locked_until is not None and locked_until > now:
            return LoginResult(
                None,
                "Too many failed attempts; this account is locked for a while. Try again later.",
                "locked",
                locked_until,
            )
        if not await self.passwords.verify(row.password_hash, password):
            failures = row.failed_logins + 1
            values: dict[str, object] = {"failed_logins": failures}
            if failures >= MAX_FAILED_LOGINS:
                values = {"failed_logins": 0, "locked_until": now + LOCKOUT}
            # Conditional on the value read, so two concurrent failures cannot both count as one.
            async with self.db.session() as s:
                await s.execute(
                    update(StaffUserRow)
                    .where(StaffUserRow.id == row.id, StaffUserRow.failed_logins == row.failed_logins)
                    .values(**values)
                )
                await s.commit()
            if "locked_until" in values:
                return LoginResult(
                    None,
                    "Too many failed attempts; this account is now locked for 15 minutes.",
                    "locked",
                    values["locked_until"],  # type: ignore[arg-type]
                )
            return LoginResult(None, generic, "bad_password")
        if not row.active:
            return LoginResult(None, "This account is deactivated.", "inactive")
        values = {}
        if row.failed_logins or row.locked_until is not None:
            values = {"failed_logins": 0, "locked_until": None}
        if self.passwords.needs_rehash(row.password_hash):
            values["password_hash"] = await self.passwords.hash(password)
        if values:
            async with self.db.session() as s:
                await s.execute(update(StaffUserRow).where(StaffUserRow.id == row.id).values(**values))
                await s.commit()
        return LoginResult(_user(row))
