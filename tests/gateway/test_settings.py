"""Settings: environment, frontdesk.toml, one-line errors, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app as cli
from gateway.settings import Settings, SettingsError, load_settings


def test_defaults_put_sqlite_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRONTDESK_DATABASE_URL", raising=False)
    s = Settings(data_dir=tmp_path / "data")
    assert s.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'frontdesk.db').resolve()}"


def test_environment_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "frontdesk.toml"
    toml.write_text('public_url = "https://calls.example.org"\nport = 9001\n')
    monkeypatch.setenv("FRONTDESK_CONFIG", str(toml))
    monkeypatch.setenv("FRONTDESK_PORT", "9100")  # environment wins over the file
    s = load_settings()
    assert s.public_url == "https://calls.example.org"
    assert s.public_ws_url == "wss://calls.example.org"
    assert s.port == 9100


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("FRONTDESK_PORT", "not-a-port", "FRONTDESK_PORT"),
        ("FRONTDESK_DATABASE_URL", "mysql://x", "FRONTDESK_DATABASE_URL"),
        ("FRONTDESK_TIMEZONE", "Mars/Olympus", "FRONTDESK_TIMEZONE"),
    ],
)
def test_bad_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert needle in str(info.value)
    assert "\n" not in str(info.value)
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRONTDESK_TWILIO_AUTH_TOKEN", "super-secret-token-value")
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["twilio_auth_token"] == "**********"
    assert "super-secret-token-value" not in result.output
    assert shown["data_dir"] == str(tmp_path)


def test_session_secret_generated_once(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    first = s.session_secret_value()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).session_secret_value() == first
