"""`frontdesk staff add|list` as a subprocess: password from stdin when it is not a terminal."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner, Result

from gateway.cli.main import app as cli
from gateway.console.accounts import StaffAccounts, StaffUser
from gateway.console.secret_box import SecretBox, new_key
from gateway.console.two_factor import TwoFactor
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import StaffUserRow
from tests.conftest import prepare_database

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")


def _run(settings: Settings, args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(settings.data_dir),
        "FRONTDESK_DATABASE_URL": settings.database_url,
    }
    return subprocess.run(
        [FRONTDESK, "staff", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


async def test_add_reads_password_from_stdin_and_list_shows_it(settings: Settings, db: Database) -> None:
    added = _run(
        settings,
        ["add", "Nora.Nurse@Clinic.example", "--role", "auditor", "--name", " Nora "],
        "a long enough secret\n",
    )
    assert added.returncode == 0, added.stderr
    assert "nora.nurse@clinic.example (auditor, Nora)" in added.stdout
    result = await StaffAccounts(db).authenticate("nora.nurse@clinic.example", "a long enough secret")
    assert result.user is not None and result.user.role == "auditor" and result.user.name == "Nora"
    listed = _run(settings, ["list"])
    assert listed.returncode == 0
    assert "nora.nurse@clinic.example\tauditor\tactive\tNora" in listed.stdout


async def test_bad_input_is_refused_with_one_line(settings: Settings, db: Database) -> None:
    cases = [
        (["add", "x@clinic.example", "--role", "root"], "pw-long-enough\n", "unknown role"),
        (["add", "x@clinic.example", "--role", "staff"], "short\n", "too short"),
        (["add", "x@clinic.example", "--role", "staff"], "", "too short"),  # no password at all
    ]
    for args, stdin, message in cases:
        proc = _run(settings, args, stdin)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr
        assert "Traceback" not in proc.stderr
    assert await StaffAccounts(db).list() == []
    first = _run(settings, ["add", "x@clinic.example", "--role", "staff"], "pw-long-enough\n")
    assert first.returncode == 0, first.stderr
    again = _run(settings, ["add", "X@clinic.example", "--role", "admin"], "pw-long-enough\n")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_name_password_and_two_factor_from_the_command_line(settings: Settings) -> None:
    """For the admin who lost both phone and recovery codes (or the only admin's password). In
    process (typer's runner), not as a subprocess: each of those costs seconds of imports."""
    env = {"FRONTDESK_DATA_DIR": str(settings.data_dir), "FRONTDESK_DATABASE_URL": settings.database_url}

    async def prepare() -> None:
        await prepare_database(settings)
        db = Database(settings.database_url)
        await StaffAccounts(db).add("ada@clinic.example", "admin", "the first passphrase")
        await TwoFactor(db, box=SecretBox([new_key()])).start("ada@clinic.example", "Clinic")
        async with db.session() as s:  # as if confirmed with a code from the app
            await s.execute(update(StaffUserRow).values(totp_enabled_at=StaffUserRow.created_at))
            await s.commit()
        await db.close()

    async def check() -> StaffUser | None:
        db = Database(settings.database_url)
        try:
            return (await StaffAccounts(db).authenticate("ada@clinic.example", "the second passphrase")).user
        finally:
            await db.close()

    asyncio.run(prepare())
    runner = CliRunner()

    def staff(*args: str, stdin: str = "") -> Result:
        return runner.invoke(cli, ["staff", *args], input=stdin, env=env)

    named = staff("name", "ADA@clinic.example", "Ada")
    assert named.exit_code == 0 and "display name Ada" in named.stdout, named.output
    changed = staff("password", "ada@clinic.example", stdin="the second passphrase\n")
    assert changed.exit_code == 0, changed.output
    off = staff("two-factor-off", "ada@clinic.example")
    assert off.exit_code == 0 and "two-factor off" in off.stdout
    user = asyncio.run(check())
    assert user is not None and user.name == "Ada" and not user.two_factor
    refused = staff("password", "nobody@clinic.example", stdin="a long enough one\n")
    assert refused.exit_code == 2 and "no account for nobody@clinic.example" in refused.output
    short = staff("password", "ada@clinic.example", stdin="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    long = staff("add", "x@clinic.example", "--role", "staff", "--name", "n" * 81, stdin="pw-long-enough\n")
    assert long.exit_code == 2 and "display name too long" in long.output


def test_secrets_key_seal_rotate_and_doctor(settings: Settings) -> None:
    """A secret stored in clear by an older release: the doctor warns, `seal-secrets` encrypts it;
    a rotated key (new first, old after) re-seals it under the new one, which alone then opens it."""
    email = "cleo.clear@clinic.example"
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    base = {
        "FRONTDESK_DATA_DIR": str(settings.data_dir),
        "FRONTDESK_DATABASE_URL": settings.database_url,
        "FRONTDESK_CONFIG": "/nonexistent/frontdesk.toml",
    }

    async def prepare() -> None:
        await prepare_database(settings)
        db = Database(settings.database_url)
        await StaffAccounts(db).add(email, "staff", "a long enough passphrase")
        async with db.session() as s, s.begin():
            await s.execute(
                update(StaffUserRow).where(StaffUserRow.email == email).values(totp_secret=secret)
            )
        await db.close()

    async def stored() -> str:
        db = Database(settings.database_url)
        try:
            async with db.session() as s:
                row = await s.get(StaffUserRow, 1)
                assert row is not None and row.email == email
                return row.totp_secret or ""
        finally:
            await db.close()

    asyncio.run(prepare())
    runner = CliRunner()

    def invoke(*args: str, key: str | None = None) -> Result:
        env = base if key is None else {**base, "FRONTDESK_SECRETS_KEY": key}
        return runner.invoke(cli, list(args), env=env)

    def doctor_line(key: str | None) -> str:
        lines = invoke("doctor", key=key).output.splitlines()
        return next(line for line in lines if line[6:].startswith("2fa secrets "))

    old = invoke("staff", "new-secrets-key").stdout.strip()
    new = invoke("staff", "new-secrets-key").stdout.strip()
    assert old != new and SecretBox([old]).configured  # a valid Fernet key, a new one each time
    assert doctor_line(None).startswith("FAIL") and "not set" in doctor_line(None)
    assert doctor_line(old).startswith("warn") and "1 of 1 stored in clear" in doctor_line(old)
    refused = invoke("staff", "seal-secrets")
    assert refused.exit_code == 2 and "FRONTDESK_SECRETS_KEY is not set" in refused.output
    sealed = invoke("staff", "seal-secrets", key=old)
    assert sealed.exit_code == 0 and "1 sealed now, 0 already" in sealed.stdout, sealed.output
    first = asyncio.run(stored())
    assert first.startswith("fernet:") and SecretBox([old]).open(first).secret == secret
    assert doctor_line(old).startswith("ok") and "1 stored, encrypted" in doctor_line(old)
    assert doctor_line(new).startswith("FAIL") and "1 of 1 open with no key" in doctor_line(new)

    rotated = invoke("staff", "seal-secrets", key=f"{new},{old}")
    assert rotated.exit_code == 0 and "1 sealed now" in rotated.stdout, rotated.output
    again = invoke("staff", "seal-secrets", key=f"{new},{old}")
    assert "0 sealed now, 1 already under the newest key" in again.stdout
    assert SecretBox([new]).open(asyncio.run(stored())).secret == secret  # the old key can go
    bad = invoke("staff", "seal-secrets", key="not a key")
    assert bad.exit_code == 2 and "FRONTDESK_SECRETS_KEY" in bad.output and "Fernet" in bad.output
