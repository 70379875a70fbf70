"""Staff accounts on a real database: argon2 hashes, login checks, lockout, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.console.accounts import MAX_FAILED_LOGINS, AccountError, StaffAccounts
from gateway.store.db import Database
from gateway.store.models import StaffUserRow
from tests.gateway.console.conftest import PASSWORD, STAFF


async def test_password_is_stored_as_argon2id(db: Database, accounts: StaffAccounts) -> None:
    async with db.session() as s:
        row = await s.scalar(select(StaffUserRow).where(StaffUserRow.email == STAFF))
    assert row is not None
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash


async def test_login_ok_and_case_insensitive_email(accounts: StaffAccounts) -> None:
    result = await accounts.authenticate("  Sam.Staff@Clinic.example ", PASSWORD)
    assert result.user is not None and result.user.email == STAFF and result.user.role == "staff"


async def test_wrong_password_and_unknown_email_look_the_same(accounts: StaffAccounts) -> None:
    wrong = await accounts.authenticate(STAFF, "not the password")
    unknown = await accounts.authenticate("nobody@clinic.example", PASSWORD)
    assert wrong.user is None and unknown.user is None
    assert wrong.error == unknown.error
    assert (wrong.reason, unknown.reason) == ("bad_password", "unknown_email")


async def test_lockout_after_repeated_failures_then_expiry(accounts: StaffAccounts) -> None:
    now = datetime.now(UTC)
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert (await accounts.authenticate(STAFF, "wrong-password", now=now)).reason == "bad_password"
    locking = await accounts.authenticate(STAFF, "wrong-password", now=now)
    assert locking.reason == "bad_password" and locking.locked_until is not None
    # While locked even the right password is refused, with the answer a wrong password gets.
    refused = await accounts.authenticate(STAFF, PASSWORD, now=now + timedelta(minutes=5))
    assert refused.user is None and refused.reason == "locked" and refused.error == locking.error
    later = await accounts.authenticate(STAFF, PASSWORD, now=locking.locked_until + timedelta(seconds=1))
    assert later.user is not None
    # A success resets the count: one more failure does not lock again.
    assert (await accounts.authenticate(STAFF, "wrong-password")).reason == "bad_password"


async def test_deactivated_account_cannot_log_in(accounts: StaffAccounts) -> None:
    await accounts.set_active(STAFF, False)
    result = await accounts.authenticate(STAFF, PASSWORD)
    assert result.user is None and result.reason == "inactive"
    assert await accounts.get_active(STAFF) is None


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "staff", PASSWORD, "not an e-mail"),
        ("new@clinic.example", "superuser", PASSWORD, "unknown role"),
        ("new@clinic.example", "staff", "short", "too short"),
        (STAFF, "staff", PASSWORD, "already exists"),
    ],
)
async def test_bad_account_input_is_refused(
    accounts: StaffAccounts, email: str, role: str, password: str, message: str
) -> None:
    before = await accounts.list()
    with pytest.raises(AccountError, match=message):
        await accounts.add(email, role, password)
    assert await accounts.list() == before
