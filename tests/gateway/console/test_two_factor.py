"""TwoFactor against SQLite and PostgreSQL: a code's time step works once, a recovery code works
once, wrong codes share the password's lockout, setting up needs a right code; the secret is stored
encrypted (a clear one from before is sealed when used, one under an old key is re-sealed under the
new), and a key that opens nothing is an error of its own that counts no failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from alembic import command
from sqlalchemy import select, update
from structlog.testing import capture_logs

from gateway.console.accounts import AccountError, StaffAccounts
from gateway.console.secret_box import SecretBox, SecretsKeyError, new_key
from gateway.console.two_factor import TwoFactor, report_stored_secrets
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.migrate import alembic_config, upgrade
from gateway.store.models import StaffUserRow

EMAIL = "tess.totp@clinic.example"
NOW = datetime(2026, 12, 5, 15, 0, 10, tzinfo=UTC)
BOX = SecretBox([new_key()])


@pytest.fixture
async def db(migrated_db_url: str) -> AsyncIterator[Database]:
    database = Database(migrated_db_url)
    await StaffAccounts(database).add(EMAIL, "staff", "a long enough passphrase")
    yield database
    await database.close()


async def test_codes_and_recovery_codes_work_once(db: Database) -> None:
    two_factor = TwoFactor(db, box=BOX)
    assert await two_factor.check(EMAIL, "123456", NOW) == "unknown"  # not on: no second step
    secret = (
        await two_factor.start(
            EMAIL,
            "Clinic",
        )
    ).secret
    assert (await two_factor.start(EMAIL, "Clinic")).secret == secret  # reloading the page keeps it
    totp = pyotp.TOTP(secret)
    with pytest.raises(AccountError, match="not right"):
        await two_factor.confirm(EMAIL, "12 34", NOW)
    codes = await two_factor.confirm(EMAIL, totp.at(NOW), NOW)
    assert len(set(codes)) == 10
    with pytest.raises(AccountError, match="already on"):
        await two_factor.start(EMAIL, "Clinic")

    later = NOW + timedelta(seconds=30)
    assert await two_factor.check(EMAIL, totp.at(NOW), later) == "bad_code"  # used to confirm
    assert await two_factor.check(EMAIL, totp.at(later), later) == "totp"
    assert await two_factor.check(EMAIL, totp.at(later), later) == "bad_code"  # replayed
    # Two logins racing with one code: one wins.
    step = later + timedelta(seconds=30)
    both = await asyncio.gather(*(TwoFactor(db, box=BOX).check(EMAIL, totp.at(step), step) for _ in range(2)))
    assert sorted(both) == ["bad_code", "totp"]
    assert await two_factor.check(EMAIL, codes[0].upper().replace("-", " "), step) == "recovery_code"
    assert await two_factor.check(EMAIL, codes[0], step) == "bad_code"
    assert await two_factor.recovery_codes_left(EMAIL) == 9


async def test_wrong_codes_lock_the_account_like_wrong_passwords(db: Database) -> None:
    two_factor = TwoFactor(db, box=BOX)
    secret = (await two_factor.start(EMAIL, "Clinic")).secret
    await two_factor.confirm(EMAIL, pyotp.TOTP(secret).at(NOW), NOW)
    accounts = StaffAccounts(db)
    assert (await accounts.authenticate(EMAIL, "wrong password", NOW)).reason == "bad_password"
    verdicts = [await two_factor.check(EMAIL, "000000", NOW) for _ in range(4)]
    assert verdicts == ["bad_code"] * 4  # the fifth failure in a row, with the password's
    later = NOW + timedelta(seconds=60)
    assert await two_factor.check(EMAIL, pyotp.TOTP(secret).at(later), later) == "locked"
    assert (await accounts.authenticate(EMAIL, "a long enough passphrase", later)).reason == "locked"
    after = NOW + timedelta(minutes=16)
    assert await two_factor.check(EMAIL, pyotp.TOTP(secret).at(after), after) == "totp"
    await two_factor.turn_off(EMAIL)
    assert await two_factor.recovery_codes_left(EMAIL) == 0
    assert (await accounts.get_active(EMAIL)).two_factor is False  # type: ignore[union-attr]


async def _stored(db: Database) -> str | None:
    async with db.session() as s:
        return await s.scalar(select(StaffUserRow.totp_secret).where(StaffUserRow.email == EMAIL))


async def _store(db: Database, value: str) -> None:
    async with db.session() as s, s.begin():
        await s.execute(update(StaffUserRow).where(StaffUserRow.email == EMAIL).values(totp_secret=value))


async def _failures(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(StaffUserRow.failed_logins).where(StaffUserRow.email == EMAIL)) or 0)


async def test_the_secret_is_stored_encrypted_and_needs_a_key(db: Database) -> None:
    with pytest.raises(SecretsKeyError, match="FRONTDESK_SECRETS_KEY"):
        await TwoFactor(db).start(EMAIL, "Clinic")  # no key: nothing stored in clear
    assert await _stored(db) is None
    secret = (await TwoFactor(db, box=BOX).start(EMAIL, "Clinic")).secret
    stored = await _stored(db)
    assert stored is not None and stored.startswith("fernet:") and secret not in stored
    assert BOX.open(stored).secret == secret
    with pytest.raises(SecretsKeyError, match="no key"):
        SecretBox([new_key()]).open(stored)  # another key does not open it
    await TwoFactor(db, box=BOX).confirm(EMAIL, pyotp.TOTP(secret).at(NOW), NOW)

    later = NOW + timedelta(seconds=30)
    for box in (SecretBox([new_key()]), SecretBox()):  # a changed key, or none: an error, not a failure
        with pytest.raises(SecretsKeyError):
            await TwoFactor(db, box=box).check(EMAIL, pyotp.TOTP(secret).at(later), later)
    assert await _failures(db) == 0
    assert await TwoFactor(db, box=BOX).check(EMAIL, pyotp.TOTP(secret).at(later), later) == "totp"


async def test_a_clear_secret_from_before_is_sealed_when_used(db: Database) -> None:
    secret = pyotp.random_base32()
    await _store(db, secret)  # as a release before encryption stored it
    two_factor = TwoFactor(db, box=BOX)
    assert (await two_factor.start(EMAIL, "Clinic")).secret == secret  # still the one in the app
    stored = await _stored(db)
    assert stored is not None and stored != secret and BOX.open(stored).secret == secret
    await _store(db, secret)  # in clear again, now with two-factor on
    await two_factor.confirm(EMAIL, pyotp.TOTP(secret).at(NOW), NOW)
    later = NOW + timedelta(seconds=30)
    await _store(db, secret)
    assert await two_factor.check(EMAIL, pyotp.TOTP(secret).at(later), later) == "totp"
    stored = await _stored(db)
    assert stored is not None and stored.startswith("fernet:") and BOX.open(stored).secret == secret


async def test_a_rotated_key_opens_old_secrets_and_reseals_them(db: Database) -> None:
    old, new = new_key(), new_key()
    secret = (await TwoFactor(db, box=SecretBox([old])).start(EMAIL, "Clinic")).secret
    await TwoFactor(db, box=SecretBox([old])).confirm(EMAIL, pyotp.TOTP(secret).at(NOW), NOW)
    rotated = TwoFactor(db, box=SecretBox([new, old]))
    later = NOW + timedelta(seconds=30)
    assert await rotated.check(EMAIL, pyotp.TOTP(secret).at(later), later) == "totp"
    stored = await _stored(db)
    assert stored is not None and SecretBox([new]).open(stored).secret == secret  # old key not needed
    with pytest.raises(SecretsKeyError):
        SecretBox([old]).open(stored)


async def test_startup_says_when_secrets_are_in_clear_or_the_key_is_missing(db: Database) -> None:
    settings = Settings(database_url=db.url)
    await _store(db, pyotp.random_base32())
    with capture_logs() as logs:
        await report_stored_secrets(settings, db)
    assert [(e["event"], e.get("count")) for e in logs] == [("two_factor.secrets_in_clear", 1)]
    await _store(db, BOX.seal(pyotp.random_base32()))
    with capture_logs() as logs:
        await report_stored_secrets(settings, db)  # encrypted, and no key to open it
    assert [(e["event"], e["log_level"]) for e in logs] == [("two_factor.secrets_key_missing", "error")]
    with capture_logs() as logs:
        await report_stored_secrets(Settings(database_url=db.url, secrets_key=new_key()), db)
    assert logs == []


async def test_migration_0013_keeps_clear_secrets_and_downgrades(db_url: str) -> None:
    """Upgrading from 0012 leaves a clear secret working (sealed at its first use); the wider column
    takes a sealed one; a downgrade turns off two-factor only where the secret was sealed."""
    await upgrade(db_url, "0012")
    database = Database(db_url)
    try:
        accounts = StaffAccounts(database)
        await accounts.add(EMAIL, "staff", "a long enough passphrase")
        other = "olga.other@clinic.example"
        await accounts.add(other, "staff", "a long enough passphrase")
        secret = pyotp.random_base32()
        async with database.session() as s, s.begin():
            await s.execute(
                update(StaffUserRow)
                .where(StaffUserRow.email.in_((EMAIL, other)))
                .values(totp_secret=secret, totp_enabled_at=NOW)
            )
        await upgrade(db_url)
        assert await _stored(database) == secret  # the migration does not need the key
        assert await TwoFactor(database, box=BOX).check(EMAIL, pyotp.TOTP(secret).at(NOW), NOW) == "totp"
        sealed = await _stored(database)
        assert sealed is not None and len(sealed) > 64 and BOX.open(sealed).secret == secret
        await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0012")
        async with database.session() as s:
            rows = dict(
                (await s.execute(select(StaffUserRow.email, StaffUserRow.totp_secret))).tuples().all()
            )
        assert rows == {EMAIL: None, other: secret}
    finally:
        await database.close()
