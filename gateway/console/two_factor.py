"""TOTP two-factor for console logins (RFC 6238, pyotp) with one-time recovery codes.

Enrolling: `start` stores a new secret on the account (not yet on), the person adds it to an
authenticator app (the secret or its otpauth:// URI) and `confirm`s with a code; ten recovery
codes are made then, shown once and stored as SHA-256 hashes (they are random, 50 bits each,
so a plain hash is enough; a password would need argon2).

The secret is stored encrypted (`secret_box.py`, FRONTDESK_SECRETS_KEY); one stored in clear by an
older release is sealed under the newest key when it is next read, as is one under an older key.

Logging in: after the password, `check` takes the code. It counts against the same failure budget
as the password (`failed_logins`, locked for 15 minutes after 5 in a row), takes the account's
turn like a password check, and a code's time step is accepted once (`totp_last_step`, a
conditional update), so a code seen over someone's shoulder cannot be used again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.console.accounts import LOCKOUT, MAX_FAILED_LOGINS, AccountError, StaffUser
from gateway.console.login_turns import LoginTurns
from gateway.console.secret_box import GENERATE, PREFIX, SecretBox, SecretsKeyError
from gateway.logging import get_logger
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import StaffRecoveryCodeRow, StaffUserRow

log = get_logger(__name__)
RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a sheet of paper
WRONG_CODE = "Wrong code."

# unknown: no active account with two-factor on by that e-mail (deactivated or reset meanwhile)
CodeVerdict = Literal["totp", "recovery_code", "bad_code", "locked", "unknown"]


def required_for(settings: Settings, user: StaffUser) -> bool:
    """Whether this account may not use the console until it has two-factor on."""
    return settings.console_totp == "required_for_admins" and user.role == "admin"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite: naive UTC


def _hash(code: str) -> str:
    return hashlib.sha256(_plain(code).encode()).hexdigest()


def _plain(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def otpauth_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (30 s) whose code this is, allowing one step of clock drift either way."""
    digits = _plain(code)
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def qr_svg(uri: str) -> Markup:
    """The URI as a QR code, an inline SVG made here (no script, no image service: the secret
    never leaves the server but in this page). Dark on a white background with the standard
    quiet zone, so a phone reads it on a dark screen too."""
    code = segno.make(uri, error="m")
    svg = code.svg_inline(
        scale=4,
        dark="#000",
        light="#fff",
        title="QR code to scan with the authenticator app",
        svgclass="totp-qr",
    )
    return Markup(svg)  # segno's markup; the URI is drawn, not written into it


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str

    @property
    def qr_svg(self) -> Markup:
        return qr_svg(self.uri)


class TwoFactor:
    def __init__(self, db: Database, turns: LoginTurns | None = None, box: SecretBox | None = None) -> None:
        self.db = db
        self.turns = turns or LoginTurns()
        self.box = box or SecretBox()  # no key: secrets cannot be stored or opened (SecretsKeyError)

    async def _open(self, s: AsyncSession, user_id: int, stored: str) -> str:
        """The clear secret; stored again under the newest key when it was in clear or an old key."""
        opened = self.box.open(stored)
        if opened.stale and self.box.configured:
            await s.execute(
                update(StaffUserRow)
                .where(StaffUserRow.id == user_id, StaffUserRow.totp_secret == stored)
                .values(totp_secret=self.box.seal(opened.secret))
            )
        return opened.secret

    async def _row(self, email: str) -> StaffUserRow:
        async with self.db.session() as s:
            row = await s.scalar(select(StaffUserRow).where(StaffUserRow.email == email))
        if row is None:
            raise AccountError(f"no account for {email}")
        return row

    async def start(self, email: str, issuer: str) -> Enrolment:
        """The secret being enrolled (a new one unless enrolment has begun); refused when on."""
        row = await self._row(email)
        if row.totp_enabled_at is not None:
            raise AccountError("two-factor is already on for this account")
        async with self.db.session() as s, s.begin():
            if row.totp_secret is not None:
                secret = await self._open(s, row.id, row.totp_secret)
            else:
                secret = pyotp.random_base32()
                await s.execute(
                    update(StaffUserRow)
                    .where(StaffUserRow.id == row.id)
                    .values(totp_secret=self.box.seal(secret))
                )
        return Enrolment(secret, otpauth_uri(secret, email, issuer))

    async def confirm(self, email: str, code: str, now: datetime | None = None) -> list[str]:
        """Turn two-factor on with a code from the app; returns the recovery codes (shown once)."""
        now = now or datetime.now(UTC)
        row = await self._row(email)
        if row.totp_enabled_at is not None:
            raise AccountError("two-factor is already on for this account")
        if row.totp_secret is None:
            raise AccountError("start again: no two-factor secret is being set up")
        async with self.db.session() as s, s.begin():
            secret = await self._open(s, row.id, row.totp_secret)
        step = _step(secret, code, now)
        if step is None:
            raise AccountError("that code is not right; check the app's clock and try the newest code")
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        async with self.db.session() as s, s.begin():
            done = await s.execute(
                update(StaffUserRow)
                .where(StaffUserRow.id == row.id, StaffUserRow.totp_enabled_at.is_(None))
                .values(totp_enabled_at=now, totp_last_step=step)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise AccountError("two-factor is already on for this account")
            await s.execute(delete(StaffRecoveryCodeRow).where(StaffRecoveryCodeRow.staff_id == row.id))
            s.add_all(StaffRecoveryCodeRow(staff_id=row.id, code_hash=_hash(c)) for c in codes)
        return codes

    async def turn_off(self, email: str) -> None:
        """Two-factor off and its secret and recovery codes gone (own choice, or an admin's reset)."""
        row = await self._row(email)
        async with self.db.session() as s, s.begin():
            await s.execute(
                update(StaffUserRow)
                .where(StaffUserRow.id == row.id)
                .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
            )
            await s.execute(delete(StaffRecoveryCodeRow).where(StaffRecoveryCodeRow.staff_id == row.id))

    async def recovery_codes_left(self, email: str) -> int:
        row = await self._row(email)
        async with self.db.session() as s:
            found = await s.scalars(
                select(StaffRecoveryCodeRow.id).where(
                    StaffRecoveryCodeRow.staff_id == row.id, StaffRecoveryCodeRow.used_at.is_(None)
                )
            )
            return len(found.all())

    async def check(self, email: str, code: str, now: datetime | None = None) -> CodeVerdict:
        """The second step of a login: a code from the app or an unused recovery code."""
        now = now or datetime.now(UTC)
        async with self.turns.turn(email):
            return await self._check(email, code, now)

    async def _check(self, email: str, code: str, now: datetime) -> CodeVerdict:
        async with self.db.session() as s, s.begin():
            slot = (
                await s.execute(
                    update(StaffUserRow)
                    .where(
                        StaffUserRow.email == email,
                        StaffUserRow.active.is_(True),
                        StaffUserRow.totp_enabled_at.is_not(None),
                        or_(StaffUserRow.locked_until.is_(None), StaffUserRow.locked_until <= now),
                    )
                    .values(failed_logins=StaffUserRow.failed_logins + 1)
                    .returning(StaffUserRow.id, StaffUserRow.failed_logins, StaffUserRow.totp_secret)
                )
            ).one_or_none()
            if slot is None:  # locked, or no such account with two-factor on (any more)
                locked_until = await s.scalar(
                    select(StaffUserRow.locked_until).where(StaffUserRow.email == email)
                )
                if locked_until is not None and _aware(locked_until) > now:
                    return "locked"
                return "unknown"
            user_id, attempt, secret = slot
            if attempt > MAX_FAILED_LOGINS:
                await self._lock(s, user_id, now)
                return "locked"
            # A secret no key opens raises here: the whole attempt is undone (no failure counted).
            clear = await self._open(s, user_id, secret) if secret else ""
            verdict = await self._accept(s, user_id, clear, code, now)
            if verdict != "bad_code":
                await s.execute(
                    update(StaffUserRow).where(StaffUserRow.id == user_id).values(failed_logins=0)
                )
            elif attempt == MAX_FAILED_LOGINS:
                await self._lock(s, user_id, now)
            return verdict

    @staticmethod
    async def _accept(s: AsyncSession, user_id: int, secret: str, code: str, now: datetime) -> CodeVerdict:
        step = _step(secret, code, now) if secret else None
        if step is not None:
            used = await s.execute(
                update(StaffUserRow)
                .where(
                    StaffUserRow.id == user_id,
                    or_(StaffUserRow.totp_last_step.is_(None), StaffUserRow.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
            return "totp" if used.rowcount == 1 else "bad_code"  # type: ignore[attr-defined]
        spent = await s.execute(
            update(StaffRecoveryCodeRow)
            .where(
                StaffRecoveryCodeRow.staff_id == user_id,
                StaffRecoveryCodeRow.code_hash == _hash(code),
                StaffRecoveryCodeRow.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return "recovery_code" if spent.rowcount == 1 else "bad_code"  # type: ignore[attr-defined]

    @staticmethod
    async def _lock(s: AsyncSession, user_id: int, now: datetime) -> None:
        await s.execute(
            update(StaffUserRow)
            .where(StaffUserRow.id == user_id)
            .values(failed_logins=0, locked_until=now + LOCKOUT)
        )


@dataclass(frozen=True)
class SealCount:
    sealed: int  # stored in clear, or under an older key: now under the newest
    current: int  # under the newest key already
    unreadable: int  # no configured key opens it (left as it is)


async def seal_stored_secrets(db: Database, box: SecretBox) -> SealCount:
    """Every stored secret under the newest key (`frontdesk staff seal-secrets`): after an upgrade
    from clear secrets, or before an old key is dropped from FRONTDESK_SECRETS_KEY."""
    if not box.configured:
        raise SecretsKeyError(f"FRONTDESK_SECRETS_KEY is not set; generate one with `{GENERATE}`")
    sealed = current = unreadable = 0
    async with db.session() as s, s.begin():
        rows = (
            await s.execute(
                select(StaffUserRow.id, StaffUserRow.totp_secret).where(StaffUserRow.totp_secret.is_not(None))
            )
        ).all()
        for user_id, stored in rows:
            try:
                opened = box.open(stored)
            except SecretsKeyError:
                unreadable += 1
                continue
            if not opened.stale:
                current += 1
                continue
            await s.execute(
                update(StaffUserRow)
                .where(StaffUserRow.id == user_id, StaffUserRow.totp_secret == stored)
                .values(totp_secret=box.seal(opened.secret))
            )
            sealed += 1
    return SealCount(sealed, current, unreadable)


async def report_stored_secrets(settings: Settings, db: Database) -> None:
    """At start, a log line when two-factor secrets are stored in clear or FRONTDESK_SECRETS_KEY is
    missing for encrypted ones (their logins would fail with a 503): the gateway still answers
    calls and chats, so this says it instead of refusing to start. `frontdesk doctor` checks more."""
    try:
        async with db.session() as s:
            stored = list(
                await s.scalars(select(StaffUserRow.totp_secret).where(StaffUserRow.totp_secret.is_not(None)))
            )
    except Exception as exc:  # the database away at start: the services report that already
        log.warning("two_factor.secrets_not_checked", error_type=type(exc).__name__)
        return
    sealed = sum(1 for v in stored if v and v.startswith(PREFIX))
    clear = len(stored) - sealed
    if sealed and settings.secrets_key is None:
        log.error(
            "two_factor.secrets_key_missing",
            encrypted=sealed,
            fix="set FRONTDESK_SECRETS_KEY to the key they were encrypted with; their code step fails until then",
        )
    if clear:
        log.warning(
            "two_factor.secrets_in_clear",
            count=clear,
            fix=f"set FRONTDESK_SECRETS_KEY (`{GENERATE}`) and run `frontdesk staff seal-secrets`",
        )
