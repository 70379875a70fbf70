"""`frontdesk staff add|list` as a subprocess: password from stdin when it is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gateway.console.accounts import StaffAccounts
from gateway.settings import Settings
from gateway.store.db import Database

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
        (["add", "x@clinic.example", "--role", "staff", "--name", "n" * 81], "pw-long-enough\n", "too long"),
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
