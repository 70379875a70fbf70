"""`frontdesk doctor`, run in-process: every check that can fail fails with its fix on one line and
exit 1; a configuration with everything in place (a real Redis, a model server speaking OpenAI's
API) passes with exit 0."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app
from gateway.store.migrate import script_directory, upgrade
from tests.conftest import make_settings, prepare_database
from tests.fakes.openai_server import FakeOpenAIServer

PUBLIC = "https://frontdesk.invalid"  # https on a name Twilio could reach; it answers nobody here


def _closed_port() -> int:
    """A port nothing listens on (bound by the OS for a moment, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated, seeded SQLite database shared by the module's checks (they only read it)."""
    tmp = tmp_path_factory.mktemp("doctor")
    settings = make_settings(tmp)
    asyncio.run(prepare_database(settings))
    return {"FRONTDESK_DATA_DIR": str(settings.data_dir), "FRONTDESK_DATABASE_URL": settings.database_url}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("FRONTDESK_")]:
        monkeypatch.delenv(name)


def _doctor(env: dict[str, str]) -> tuple[int, list[str]]:
    env = {"FRONTDESK_CONFIG": "/nonexistent/frontdesk.toml", **env}  # no settings file either
    result = CliRunner().invoke(app, ["doctor"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output.splitlines()


def _line(lines: list[str], check: str) -> tuple[str, str]:
    """The verdict line of `check` and the line after it (its fix, when not ok)."""
    for i, line in enumerate(lines):
        if line[6:].startswith(check + " "):
            return line, lines[i + 1] if i + 1 < len(lines) else ""
    raise AssertionError(f"no {check!r} line in:\n" + "\n".join(lines))


def _base(seeded: dict[str, str]) -> dict[str, str]:
    return {
        **seeded,
        "FRONTDESK_TWILIO_AUTH_TOKEN": "a-token",
        "FRONTDESK_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "FRONTDESK_TRANSFER_NUMBER": "+15035559000",
        "FRONTDESK_PUBLIC_URL": PUBLIC,
    }


@pytest.fixture
def model_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def test_everything_in_place_passes(
    clean_env: None, seeded: dict[str, str], model_server: FakeOpenAIServer
) -> None:
    env = {
        **_base(seeded),
        "FRONTDESK_LLM_BASE_URL": model_server.base_url,
        "FRONTDESK_LLM_MODEL": model_server.model,
        "FRONTDESK_REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    code, lines = _doctor(env)
    assert code == 0, "\n".join(lines)
    for check in ("database", "migrations", "demo practice", "speech-to-text", "text-to-speech"):
        assert _line(lines, check)[0].startswith("ok "), lines
    for check in ("model server", "connector", "redis", "twilio", "transfers"):
        assert _line(lines, check)[0].startswith("ok "), lines
    # The public URL is https on a name Twilio could use; from here it does not answer: a warning.
    verdict, fix = _line(lines, "public url")
    assert verdict.startswith("warn") and "does not answer" in verdict and fix.strip().startswith("fix:")
    assert lines[-1] == "0 failed, 1 warnings, 10 ok"


def test_a_model_the_server_does_not_serve(
    clean_env: None, seeded: dict[str, str], model_server: FakeOpenAIServer
) -> None:
    env = {
        **_base(seeded),
        "FRONTDESK_LLM_BASE_URL": model_server.base_url,
        "FRONTDESK_LLM_MODEL": "llama-70b",
    }
    code, lines = _doctor(env)
    verdict, fix = _line(lines, "model server")
    assert code == 1 and verdict.startswith("FAIL")
    assert "does not serve 'llama-70b' (it serves: fake-model)" in verdict and "FRONTDESK_LLM_MODEL" in fix


def _pg_url() -> str:
    return f"postgresql+asyncpg://frontdesk@127.0.0.1:{_closed_port()}/frontdesk"


@pytest.mark.parametrize(
    ("change", "check", "says", "fix"),
    [
        (
            {"FRONTDESK_DATABASE_URL": "postgres"},
            "database",
            "database unreachable",
            "FRONTDESK_DATABASE_URL",
        ),
        (
            {"FRONTDESK_STT_MODEL": "/nonexistent/whisper"},
            "speech-to-text",
            "no Whisper model",
            "FRONTDESK_STT_MODEL",
        ),
        (
            {"FRONTDESK_TTS_VOICE": "/nonexistent/voice.onnx"},
            "text-to-speech",
            "no Piper voice",
            "FRONTDESK_TTS_VOICE",
        ),
        ({"FRONTDESK_LLM_BASE_URL": "closed"}, "model server", "ConnectError", "FRONTDESK_LLM_BASE_URL"),
        (
            {"FRONTDESK_CONNECTOR": "fhir", "FRONTDESK_FHIR_BASE_URL": "closed"},
            "connector",
            "fhir: ConnectError",
            "FRONTDESK_FHIR_*",
        ),
        (
            {"FRONTDESK_CONNECTOR": "hubspot"},
            "connector",
            "HUBSPOT_ACCESS_TOKEN is not set",
            "set FRONTDESK_HUBSPOT",
        ),
        ({"FRONTDESK_REDIS_URL": "closed"}, "redis", "ConnectionError", "FRONTDESK_REDIS_URL"),
        (
            {"FRONTDESK_TWILIO_AUTH_TOKEN": None},
            "twilio",
            "AUTH_TOKEN is not set",
            "set FRONTDESK_TWILIO_AUTH_TOKEN",
        ),
        (
            {"FRONTDESK_PUBLIC_URL": "http://frontdesk.example.org"},
            "public url",
            "needs https",
            "FRONTDESK_PUBLIC_URL",
        ),
        ({"FRONTDESK_PUBLIC_URL": None}, "public url", "local address", "FRONTDESK_PUBLIC_URL"),
    ],
)
def test_each_failure_names_its_fix(
    clean_env: None, seeded: dict[str, str], change: dict[str, str | None], check: str, says: str, fix: str
) -> None:
    env: dict[str, str | None] = {**_base(seeded)}
    for name, value in change.items():
        if value == "closed":
            scheme = "redis" if "REDIS" in name else "http"
            value = f"{scheme}://127.0.0.1:{_closed_port()}" + ("/0" if scheme == "redis" else "/v1")
        elif value == "postgres":
            value = _pg_url()
        env[name] = value
    code, lines = _doctor(env)  # type: ignore[arg-type]
    verdict, fix_line = _line(lines, check)
    assert code == 1, "\n".join(lines)
    assert verdict.startswith("FAIL") and says in verdict, verdict
    assert fix_line.startswith("      fix: ") and fix in fix_line, fix_line
    assert sum(line.startswith("FAIL") for line in lines) == 1 + (check == "database"), lines  # only that


def test_a_missing_sqlite_file_is_reported_not_created(
    clean_env: None, seeded: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.db"
    code, lines = _doctor({**_base(seeded), "FRONTDESK_DATABASE_URL": f"sqlite+aiosqlite:///{missing}"})
    assert code == 1 and not missing.exists()
    verdict, fix = _line(lines, "database")
    assert "does not exist" in verdict and "frontdesk db upgrade" in fix
    assert _line(lines, "migrations")[0].startswith("FAIL")


def test_migrations_behind(clean_env: None, seeded: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    [head] = script_directory().get_heads()
    previous = script_directory().get_revision(head).down_revision
    assert isinstance(previous, str)
    asyncio.run(upgrade(url, previous))
    code, lines = _doctor({**_base(seeded), "FRONTDESK_DATABASE_URL": url})
    verdict, fix = _line(lines, "migrations")
    assert code == 1 and verdict.startswith("FAIL") and f"1 pending: {head}" in verdict
    assert fix.strip() == "fix: run `frontdesk db upgrade`"


def test_unreadable_settings_exit_2_with_the_variable(clean_env: None, seeded: dict[str, str]) -> None:
    code, lines = _doctor({**_base(seeded), "FRONTDESK_PORT": "eighty"})
    assert code == 2 and lines[0].startswith("FAIL  settings") and "FRONTDESK_PORT" in lines[0]
    assert lines[1].startswith("      fix: ")
