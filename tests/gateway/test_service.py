"""The service skeleton: health endpoints on a real server, clean failure on an unreachable database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import LiveServer

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")


def test_healthz_and_readyz(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{live_server.url}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["ready"] is True
    # This server lazy-loads speech models (preload_models=False), and says so.
    assert ready.json()["models"] == "on first call"


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, env=full_env, timeout=120)


def test_unreachable_database_fails_cleanly(tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens there.
    bad = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
    for args in (["serve", "--port", "0"], ["db", "upgrade"]):
        proc = _run(args, tmp_path, FRONTDESK_DATABASE_URL=bad)
        assert proc.returncode == 1, proc.stderr
        assert "database unreachable" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_serve_refuses_unmigrated_database(tmp_path: Path) -> None:
    proc = _run(["serve", "--port", "0"], tmp_path)
    assert proc.returncode == 1
    assert "frontdesk db upgrade" in proc.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        proc = _run(["db", "upgrade"], tmp_path)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "frontdesk.db").exists()


def test_missing_connector_setting_fails_in_one_line(tmp_path: Path) -> None:
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    proc = _run(["serve", "--port", "0"], tmp_path, FRONTDESK_CONNECTOR="hubspot")
    assert proc.returncode == 1
    assert "FRONTDESK_HUBSPOT_ACCESS_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_readyz_reports_preloaded_speech_models(tmp_path: Path, live_server_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    server = live_server_factory(make_settings(tmp_path, preload_models=True))
    report = httpx.get(f"{server.url}/readyz").json()
    assert report["models"] == "loaded" and report["ready"] is True
    # The stock phrases were synthesized at start: the first words of the replies the agent makes
    # most are ready before the first call (a reply's first piece is what the caller waits for).
    tts = server.app.state.services.speech.tts
    firsts = {tts.sentences(text)[0] for text in _common_replies()}
    assert firsts and all(piece in tts.phrase_cache for piece in firsts), firsts - {
        p for p in firsts if p in tts.phrase_cache
    }
    assert tts.phrase_cache.pinned_bytes > 0 and tts.phrase_cache.size_bytes == 0  # pinned, outside LRU


def _common_replies() -> list[str]:
    """Replies built by the agent's own code: a slot offer for every weekday, the three
    confirmation questions, their done messages, the greeting and the transfer notice."""
    from datetime import datetime, timedelta

    from pydantic import BaseModel

    from agents.memory import AgentMemory
    from agents.offline.offers import offer_sentence
    from agents.replies import greeting
    from agents.writes import describe, done_message
    from connectors.base import Appointment, Capability, Slot
    from gateway.twilio.words import TRANSFER_NOTICE

    class Args(BaseModel):
        slot_id: str = "s0"
        appointment_id: str = "a1"
        new_slot_id: str = "s0"

    replies = [greeting("Lakeside Family Dental"), TRANSFER_NOTICE]
    memory = AgentMemory()
    for day in range(7):
        start = datetime(2027, 3, 1, 9, 30) + timedelta(days=day)  # a Monday, then the week
        slots = [
            Slot(
                id=f"s{i}",
                provider_id="p",
                provider_name="Dr. Amara Okafor",
                start=start + timedelta(hours=i),
                end=start + timedelta(hours=i, minutes=30),
            )
            for i in range(3)
        ]
        replies.append(offer_sentence(slots))
        memory.remember_slots(slots)
        appointment = Appointment(
            id="a1",
            person_id="x",
            provider_id="p",
            provider_name="Dr. Amara Okafor",
            start=start,
            end=start + timedelta(minutes=30),
            status="booked",
        )
        memory.remember_appointments([appointment])
        for tool in (
            Capability.BOOK_APPOINTMENT,
            Capability.RESCHEDULE_APPOINTMENT,
            Capability.CANCEL_APPOINTMENT,
        ):
            replies.append(f"I'll {describe(tool, Args(), memory)}. Shall I go ahead?")
            replies.append(done_message(tool, appointment))
    return replies
