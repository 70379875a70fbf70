"""First setup ([6/7] item 8): lists from the environment, one-line setting errors naming the
variable, passwords masked in `config show`, `frontdesk --version`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")


def _frontdesk(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    full = {**clean, "FRONTDESK_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, env=full, timeout=60)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://a.example", ["https://a.example"]),
        ("https://a.example, https://b.example:8443", ["https://a.example", "https://b.example:8443"]),
        ('["https://c.example", "https://d.example"]', ["https://c.example", "https://d.example"]),
        ("", []),
    ],
)
def test_allowed_origins_as_a_list_or_json(tmp_path: Path, value: str, expected: list[str]) -> None:
    shown = _frontdesk(tmp_path, "config", "show", FRONTDESK_CHAT_ALLOWED_ORIGINS=value)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["chat_allowed_origins"] == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FRONTDESK_CHAT_ALLOWED_ORIGINS", '["https://a.example"'),
        ("FRONTDESK_PORT", "eighty"),
        ("FRONTDESK_TIMEZONE", "Mars/Olympus_Mons"),
        ("FRONTDESK_DATABASE_URL", "mysql://db/frontdesk"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path, variable: str, value: str) -> None:
    # `serve` reads the settings as `config show` does: one command each, `serve` for the first.
    command = ["serve", "--port", "0"] if variable == "FRONTDESK_CHAT_ALLOWED_ORIGINS" else ["config", "show"]
    result = _frontdesk(tmp_path, *command, **{variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_config_show_masks_passwords_in_database_urls(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://frontdesk:hunter2-very-secret@db.internal:5433/frontdesk"
    shown = _frontdesk(
        tmp_path, "config", "show", FRONTDESK_DATABASE_URL=url, FRONTDESK_DATABASE_OWNER_URL=url
    )
    assert shown.returncode == 0, shown.stderr
    assert "hunter2" not in shown.stdout
    settings = json.loads(shown.stdout)
    assert settings["database_url"] == "postgresql+asyncpg://frontdesk:**********@db.internal:5433/frontdesk"
    assert settings["database_owner_url"] == settings["database_url"]


def test_version(tmp_path: Path) -> None:
    result = _frontdesk(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("frontdesk ") and result.stdout.strip().split()[1][0].isdigit()
