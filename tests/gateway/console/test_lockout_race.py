"""The lockout holds against parallel guesses: 30 wrong passwords sent at once get at most 5
password checks, on SQLite and on PostgreSQL (docs/security.md).

Two layers are tested: the atomic slot in the database (30 concurrent `authenticate` calls that do
not take turns, as on replicas), and the served path (two gateway replicas on one database, 15
parallel attempts each)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from gateway.console.accounts import MAX_FAILED_LOGINS, StaffAccounts
from gateway.console.passwords import Passwords
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import StaffUserRow
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.console.conftest import PASSWORD, STAFF

PARALLEL = 30


async def _locked_until(db: Database) -> datetime | None:
    async with db.session() as s:
        row = await s.scalar(select(StaffUserRow).where(StaffUserRow.email == STAFF))
    assert row is not None
    if row.locked_until is None:
        return None
    return row.locked_until if row.locked_until.tzinfo else row.locked_until.replace(tzinfo=UTC)


async def test_the_database_slot_allows_five_checks_among_thirty_concurrent(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=db_url)
    await prepare_database(settings)
    db = Database(settings.database_url)
    passwords = Passwords(workers=2)
    try:
        await StaffAccounts(db, passwords).add(STAFF, "staff", PASSWORD)
        # Each call its own StaffAccounts (own turns), as on separate replicas: only the
        # database decides which attempts get a password check.
        results = await asyncio.gather(
            *(StaffAccounts(db, passwords).authenticate(STAFF, f"guess {n}") for n in range(PARALLEL))
        )
        locked_until = await _locked_until(db)
    finally:
        passwords.close()
        await db.close()
    reasons = [r.reason for r in results]
    assert reasons.count("bad_password") == MAX_FAILED_LOGINS, reasons  # the checked ones
    assert reasons.count("locked") == PARALLEL - MAX_FAILED_LOGINS, reasons
    assert locked_until is not None and locked_until > datetime.now(UTC)


async def _login_form(client: httpx.AsyncClient) -> str:
    form = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    return token.group(1)


async def test_thirty_parallel_wrong_passwords_over_two_replicas(db_url: str, tmp_path: Path) -> None:
    # The per-address limit is lifted so that every attempt reaches the account check.
    settings = make_settings(tmp_path, database_url=db_url, console_login_rate_burst=PARALLEL * 2)
    await prepare_database(settings)
    db = Database(settings.database_url)
    await StaffAccounts(db).add(STAFF, "staff", PASSWORD)
    replicas = [LiveServer(settings), LiveServer(settings)]
    await asyncio.gather(*(asyncio.to_thread(r.start) for r in replicas))
    clients = [httpx.AsyncClient(base_url=replicas[n % 2].url, timeout=120) for n in range(PARALLEL)]
    try:
        tokens = await asyncio.gather(*(_login_form(c) for c in clients))
        # Every client has its form and connection ready; the 30 posts go out together.
        answers = await asyncio.gather(
            *(
                c.post("/console/login", data={"email": STAFF, "password": f"guess {n}", "csrf_token": t})
                for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
            )
        )
        right = await clients[0].post(
            "/console/login",
            data={"email": STAFF, "password": PASSWORD, "csrf_token": await _login_form(clients[0])},
        )
        events = await AuditLog(db).events("system")
        locked_until = await _locked_until(db)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
        await asyncio.gather(*(asyncio.to_thread(r.stop) for r in replicas))
        await db.close()

    assert [a.status_code for a in answers] == [401] * PARALLEL
    assert all("Wrong e-mail or password." in a.text for a in answers)
    reasons = [e.payload["reason"] for e in events if e.kind == "security.rejected"]
    # A password was checked for exactly five; the other 25 were refused unchecked.
    assert reasons.count("login_bad_password") == MAX_FAILED_LOGINS, reasons
    assert reasons.count("login_locked") == PARALLEL - MAX_FAILED_LOGINS + 1  # + the right one after
    assert right.status_code == 401  # locked: even the right password is refused
    assert locked_until is not None and locked_until > datetime.now(UTC)
