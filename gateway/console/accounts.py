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

from sqlalchemy import or_, select, update

from gateway.console.login_turns import LoginTurns
from gateway.console.passwords import Passwords, shared_passwords
from gateway.store.db import Database
from gateway.store.models import ConsoleSessionRow, StaffUserRow

Role = Literal["admin", "staff", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The one answer to a failed login, whatever the cause (unknown e-mail, wrong password, locked).
WRONG_LOGIN = "Wrong e-mail or password."


class AccountError(ValueError):
    """Bad input for an account (e-mail, role, password, duplicate); the message says which."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    role: Role
    name: str | None = None  # the display name ("Maria"), when one is set
    two_factor: bool = False  # TOTP confirmed for this account

    @property
    def label(self) -> str:
        """How the console names this person: the display name, else the e-mail address."""
        return self.name or self.email

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
    # For the audit log only: unknown_email | bad_password (a password was checked) | locked
    # (refused unchecked: the account is locked) | inactive.
    reason: str | None = None
    locked_until: datetime | None = None  # set when this attempt locked the account


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 255:
        raise AccountError(f"not an e-mail address: {email!r}")
    return value


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def check_name(name: str | None) -> str | None:
    """A display name: trimmed, at most 80 characters, printable; empty means none."""
    value = " ".join((name or "").split())
    if len(value) > 80:
        raise AccountError(f"display name too long ({len(value)} characters; at most 80)")
    if any(not ch.isprintable() for ch in value):
        raise AccountError("display name has characters that cannot be shown")
    return value or None


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
    return StaffUser(
        id=row.id,
        email=row.email,
        role=check_role(row.role),
        name=row.display_name,
        two_factor=row.totp_enabled_at is not None,
    )


class StaffAccounts:
    def __init__(
        self, db: Database, passwords: Passwords | None = None, turns: LoginTurns | None = None
    ) -> None:
        self.db = db
        self.passwords = passwords or shared_passwords()
        self.turns = turns or LoginTurns()  # the app passes its one instance (gateway.console.auth)

    async def add(self, email: str, role: str, password: str, name: str | None = None) -> StaffUser:
        email = normalise_email(email)
        role = check_role(role)
        name = check_name(name)
        check_password(password)
        async with self.db.session() as s:
            existing = await s.scalar(select(StaffUserRow).where(StaffUserRow.email == email))
            if existing is not None:
                raise AccountError(f"an account for {email} already exists")
            password_hash = await self.passwords.hash(password)
            row = StaffUserRow(
                email=email, role=role, password_hash=password_hash, active=True, display_name=name
            )
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
        """Deactivating also ends every session of the account (in the same transaction), so
        reactivating it later does not bring an old cookie back to life."""
        email = normalise_email(email)
        async with self.db.session() as s:
            result = await s.execute(
                update(StaffUserRow).where(StaffUserRow.email == email).values(active=active)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise AccountError(f"no account for {email}")
            if not active:
                await s.execute(
                    update(ConsoleSessionRow)
                    .where(ConsoleSessionRow.email == email, ConsoleSessionRow.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC))
                )
            await s.commit()

    async def set_name(self, email: str, name: str | None) -> str | None:
        """Set (or with an empty name, clear) the account's display name; returns it."""
        email, value = normalise_email(email), check_name(name)
        await self._update(email, display_name=value)
        return value

    async def password_matches(self, email: str, password: str) -> bool:
        """The account's current password, for a change of password (checked in the pool)."""
        async with self.db.session() as s:
            stored = await s.scalar(select(StaffUserRow.password_hash).where(StaffUserRow.email == email))
        if stored is None:
            await self.passwords.verify_dummy(password)
            return False
        return await self.passwords.verify(stored, password)

    async def set_password(self, email: str, password: str, keep_session: str | None = None) -> None:
        """A new password (also ends a lockout). Every session of the account ends except
        `keep_session` (the one changing its own password), in the same transaction."""
        email = normalise_email(email)
        password_hash = await self.passwords.hash(check_password(password))
        async with self.db.session() as s:
            result = await s.execute(
                update(StaffUserRow)
                .where(StaffUserRow.email == email)
                .values(password_hash=password_hash, failed_logins=0, locked_until=None)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise AccountError(f"no account for {email}")
            await s.execute(
                update(ConsoleSessionRow)
                .where(
                    ConsoleSessionRow.email == email,
                    ConsoleSessionRow.revoked_at.is_(None),
                    ConsoleSessionRow.id != (keep_session or ""),
                )
                .values(revoked_at=datetime.now(UTC))
            )
            await s.commit()

    async def _update(self, email: str, **values: object) -> None:
        async with self.db.session() as s:
            result = await s.execute(update(StaffUserRow).where(StaffUserRow.email == email).values(**values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise AccountError(f"no account for {email}")
            await s.commit()

    async def authenticate(self, email: str, password: str, now: datetime | None = None) -> LoginResult:
        """Check a login. Every answer that is not a success looks the same to the person logging
        in (wrong e-mail, wrong password, locked account): the same message and about the same time.

        Each attempt first takes a numbered slot with one atomic `UPDATE ... RETURNING`
        (failed_logins + 1, only while the account is not locked); the password is checked only
        for slots 1..MAX_FAILED_LOGINS. A burst of parallel guesses therefore gets at most that many
        checks before the lock, however they interleave (a read-then-update let 26 of 30 through).
        """
        now = now or datetime.now(UTC)
        try:
            email = normalise_email(email)
        except AccountError:
            await self.passwords.verify_dummy(password)
            return LoginResult(None, WRONG_LOGIN, "unknown_email")
        async with self.turns.turn(email):
            result = await self._attempt(email, password, now)
        if result is None or result.reason in ("unknown_email", "locked"):
            # Refused without a check: spend the time of one, outside the account's turn.
            await self.passwords.verify_dummy(password)
        return result or LoginResult(None, WRONG_LOGIN, "unknown_email")

    async def _attempt(self, email: str, password: str, now: datetime) -> LoginResult | None:
        """One attempt in the account's turn; None when there is no such account."""
        # The session is closed before the (slow, pooled) password check, so a burst of logins
        # waiting for the hasher holds no database connections.
        exists: int | None = None
        async with self.db.session() as s:
            slot = (
                await s.execute(
                    update(StaffUserRow)
                    .where(
                        StaffUserRow.email == email,
                        or_(StaffUserRow.locked_until.is_(None), StaffUserRow.locked_until <= now),
                    )
                    .values(failed_logins=StaffUserRow.failed_logins + 1)
                    .returning(
                        StaffUserRow.id,
                        StaffUserRow.failed_logins,
                        StaffUserRow.password_hash,
                        StaffUserRow.active,
                        StaffUserRow.role,
                        StaffUserRow.display_name,
                        StaffUserRow.totp_enabled_at,
                    )
                )
            ).one_or_none()
            await s.commit()
            if slot is None:  # no such account, or locked: tell which only to the audit log
                exists = await s.scalar(select(StaffUserRow.id).where(StaffUserRow.email == email))
        if slot is None:
            return None if exists is None else LoginResult(None, WRONG_LOGIN, "locked")
        user_id, attempt, password_hash, active, role, name, totp_enabled_at = slot
        if attempt > MAX_FAILED_LOGINS:  # parallel guesses (other replicas) beyond the budget
            await self._lock(user_id, now)
            return LoginResult(None, WRONG_LOGIN, "locked")
        if not await self.passwords.verify(password_hash, password):
            if attempt == MAX_FAILED_LOGINS:
                await self._lock(user_id, now)
                return LoginResult(None, WRONG_LOGIN, "bad_password", now + LOCKOUT)
            return LoginResult(None, WRONG_LOGIN, "bad_password")
        # The right password: the count starts afresh (and a lock that parallel guesses set while
        # this attempt held one of the allowed slots goes: whoever this is knows the password).
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if active and self.passwords.needs_rehash(password_hash):
            values["password_hash"] = await self.passwords.hash(password)
        async with self.db.session() as s:
            await s.execute(update(StaffUserRow).where(StaffUserRow.id == user_id).values(**values))
            await s.commit()
        if not active:
            return LoginResult(None, "This account is deactivated.", "inactive")
        user = StaffUser(user_id, email, check_role(role), name, totp_enabled_at is not None)
        return LoginResult(user)

    async def _lock(self, user_id: int, now: datetime) -> None:
        """Lock for LOCKOUT and start the count afresh for when the lock ends."""
        async with self.db.session() as s:
            await s.execute(
                update(StaffUserRow)
                .where(
                    StaffUserRow.id == user_id,
                    or_(StaffUserRow.locked_until.is_(None), StaffUserRow.locked_until <= now),
                )
                .values(failed_logins=0, locked_until=now + LOCKOUT)
            )
            await s.commit()
