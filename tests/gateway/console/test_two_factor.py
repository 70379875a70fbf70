"""TwoFactor against SQLite and PostgreSQL: a code's time step works once, a recovery code works
once, wrong codes share the password's lockout, setting up needs a right code."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from gateway.console.accounts import AccountError, StaffAccounts
from gateway.console.two_factor import TwoFactor
from gateway.store.db import Database

EMAIL = "tess.totp@clinic.example"
NOW = datetime(2026, 12, 5, 15, 0, 10, tzinfo=UTC)


@pytest.fixture
async def db(migrated_db_url: str) -> AsyncIterator[Database]:
    database = Database(migrated_db_url)
    await StaffAccounts(database).add(EMAIL, "staff", "a long enough passphrase")
    yield database
    await database.close()


async def test_codes_and_recovery_codes_work_once(db: Database) -> None:
    two_factor = TwoFactor(db)
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
    both = await asyncio.gather(*(TwoFactor(db).check(EMAIL, totp.at(step), step) for _ in range(2)))
    assert sorted(both) == ["bad_code", "totp"]
    assert await two_factor.check(EMAIL, codes[0].upper().replace("-", " "), step) == "recovery_code"
    assert await two_factor.check(EMAIL, codes[0], step) == "bad_code"
    assert await two_factor.recovery_codes_left(EMAIL) == 9


async def test_wrong_codes_lock_the_account_like_wrong_passwords(db: Database) -> None:
    two_factor = TwoFactor(db)
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
