"""Data at rest: the database, recordings, exports and checkpoints are owner-only; placeholder and
short secrets stop the service before it starts; a plain-http model server elsewhere is warned about."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gateway.settings import Settings, SettingsError, load_settings
from gateway.twilio.recorder import CallRecorder

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
GOOD_SECRET = "a-session-secret-of-forty-random-chars-x1"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    return {**env, "FRONTDESK_DATA_DIR": str(tmp_path / "var"), "FRONTDESK_PRELOAD_MODELS": "false", **extra}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_creates_database_exports_and_checkpoints_owner_only(tmp_path: Path) -> None:
    env = _env(tmp_path)
    old = os.umask(0o022)  # what a shell usually has: files would be world-readable
    try:
        assert _run(["db", "upgrade"], env).returncode == 0
        assert _run(["demo", "seed"], env).returncode == 0
    finally:
        os.umask(old)
    data = tmp_path / "var"
    assert _mode(data) == 0o700
    for name in ("frontdesk.db", "frontdesk.db-wal", "frontdesk.db-shm", "session_secret"):
        if (data / name).exists():
            assert _mode(data / name) == 0o600, name
    assert (data / "frontdesk.db").exists()

    # An export and a checkpoint of a conversation's events.
    import asyncio

    from gateway.store.audit import AuditLog
    from gateway.store.db import Database

    async def one_event() -> None:
        db = Database(f"sqlite+aiosqlite:///{data / 'frontdesk.db'}")
        log = AuditLog(db)
        await log.append("c1", "turn.user", "caller", {"text": "hello"})
        await log.close()
        await db.close()

    asyncio.run(one_event())
    out = tmp_path / "exports" / "c1.jsonl"
    assert _run(["audit", "export", "c1", "-o", str(out)], env).returncode == 0
    assert json.loads(out.read_text().splitlines()[0])["conversation_id"] == "c1"
    assert _mode(out) == 0o600
    checkpoint = _run(["audit", "checkpoint"], env)
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert _mode(data / "audit-checkpoints.jsonl") == 0o600


def test_database_and_recordings_are_owner_only_without_the_cli(tmp_path: Path) -> None:
    # Code paths that run under another entry point (uvicorn by hand, tests) set the modes themselves.
    import asyncio

    from gateway.store.db import Database

    old = os.umask(0o022)
    try:

        async def open_db() -> None:
            db = Database(f"sqlite+aiosqlite:///{tmp_path / 'db' / 'frontdesk.db'}")
            await db.ping()
            await db.close()

        asyncio.run(open_db())
        recorder = CallRecorder(tmp_path / "recordings" / "c1.wav")
        recorder.add_caller(np.zeros(160, dtype=np.int16))
        assert recorder.close() == pytest.approx(0.02)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "db" / "frontdesk.db") == 0o600
    assert _mode(tmp_path / "recordings") == 0o700
    assert _mode(tmp_path / "recordings" / "c1.wav") == 0o600
    # A recording written again (same conversation id) is owner-only too, whatever it was before.
    (tmp_path / "recordings" / "c1.wav").chmod(0o644)
    CallRecorder(tmp_path / "recordings" / "c1.wav").close()
    assert _mode(tmp_path / "recordings" / "c1.wav") == 0o600


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("session_secret", "change-me-to-a-long-random-string", "placeholder"),
        ("session_secret", "short-but-real-7f3a", "is 19 characters; use at least 32"),
        ("audit_checkpoint_key", "k3y" * 10 + "a", "is 31 characters"),
        ("twilio_auth_token", "change-me", "placeholder"),
        ("fhir_token", "<your token>", "placeholder"),
        ("hubspot_access_token", "your-hubspot-token", "placeholder"),
        ("llm_api_key", "secret", "placeholder"),
    ],
)
def test_placeholder_and_short_secrets_are_refused(setting: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(**{setting: value})
    assert f"FRONTDESK_{setting.upper()}" in str(info.value)
    assert message in str(info.value)
    if len(value) > 8:
        assert value not in str(info.value)  # the secret itself is not echoed


def test_real_secrets_are_accepted() -> None:
    settings = load_settings(session_secret=GOOD_SECRET, twilio_auth_token="0123456789abcdef0123456789abcdef")
    assert settings.session_secret is not None


def test_serve_refuses_to_start_on_a_placeholder_secret(tmp_path: Path) -> None:
    env = _env(tmp_path, FRONTDESK_SESSION_SECRET="change-me-to-a-long-random-string")
    proc = _run(["serve", "--port", "0"], env)
    assert proc.returncode == 2, proc.stderr
    assert "FRONTDESK_SESSION_SECRET" in proc.stderr and "placeholder" in proc.stderr


@pytest.mark.parametrize(
    ("url", "exposed"),
    [
        (None, False),
        ("http://127.0.0.1:8080/v1", False),
        ("http://localhost:8080/v1", False),
        ("http://[::1]:8080/v1", False),
        ("https://gpu-host.example:8000/v1", False),
        ("http://gpu-host:8000/v1", True),
        ("http://192.0.2.10:8000/v1", True),
    ],
)
def test_plain_http_model_server_elsewhere_is_exposed(url: str | None, exposed: bool) -> None:
    assert Settings(llm_base_url=url).model_url_exposed() is exposed


def test_serve_warns_about_a_plain_http_model_server(tmp_path: Path) -> None:
    env = _env(tmp_path, FRONTDESK_LLM_BASE_URL="http://model-server.invalid:8000/v1")
    assert _run(["db", "upgrade"], env).returncode == 0
    proc = subprocess.Popen([FRONTDESK, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Application startup complete" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    warnings = [json.loads(line) for line in lines if "plain http" in line]
    assert len(warnings) == 1, lines
    assert warnings[0]["level"] == "warning" and warnings[0]["setting"] == "FRONTDESK_LLM_BASE_URL"
    assert any("Application startup complete" in line for line in lines), lines
