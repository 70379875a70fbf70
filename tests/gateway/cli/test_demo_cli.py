"""`frontdesk demo ...` run as a user runs it: the real command in a subprocess, on SQLite."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import BookAppointment, ListFreeSlots
from connectors.demo import DemoConnector
from gateway.store.db import Database

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
TZ = "America/Los_Angeles"


def frontdesk(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path), "FRONTDESK_TIMEZONE": TZ, **env}
    return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, env=full_env, timeout=120)


def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{(tmp_path / 'frontdesk.db').resolve()}"


def test_seed_without_tables_is_a_one_line_error(tmp_path: Path) -> None:
    proc = frontdesk(tmp_path, "demo", "seed")
    assert proc.returncode == 1
    assert "frontdesk db upgrade" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    assert frontdesk(tmp_path, "db", "upgrade").returncode == 0
    first = frontdesk(tmp_path, "demo", "seed")
    assert first.returncode == 0, first.stderr
    again = frontdesk(tmp_path, "demo", "seed")  # idempotent
    assert again.returncode == 0 and "added 0 providers, 0 patients, 0 appointments" in again.stdout
    return tmp_path


def test_patients_json(seeded: Path) -> None:
    proc = frontdesk(seeded, "demo", "patients", "--json")
    assert proc.returncode == 0, proc.stderr
    patients = json.loads(proc.stdout)
    assert len(patients) >= 20
    assert set(patients[0]) == {"id", "first_name", "last_name", "date_of_birth", "phone"}
    for p in patients:
        assert date.fromisoformat(p["date_of_birth"]) < date.today()
        assert p["phone"].startswith("+1") and p["phone"][1:].isdigit()
    assert len({p["id"] for p in patients}) == len(patients)


def test_appointments_json_shows_what_a_booking_did(seeded: Path) -> None:
    before = json.loads(frontdesk(seeded, "demo", "appointments", "--json").stdout)

    async def book() -> str:
        db = Database(db_url(seeded))
        try:
            connector = DemoConnector(db.engine, TZ)
            today = datetime.now(ZoneInfo(TZ)).date()
            slot = (
                await connector.list_free_slots(
                    ListFreeSlots(
                        provider_id="dr-chen",
                        start_date=today + timedelta(days=1),
                        end_date=today + timedelta(days=9),
                    )
                )
            ).slots[0]
            appt = await connector.book_appointment(
                BookAppointment(idempotency_key="cli-test-booking-1", person_id="p-1020", slot_id=slot.id)
            )
            return appt.id
        finally:
            await db.close()

    appt_id = asyncio.run(book())
    proc = frontdesk(seeded, "demo", "appointments", "--json")
    assert proc.returncode == 0, proc.stderr
    after = json.loads(proc.stdout)
    assert len(after) == len(before) + 1
    mine = next(a for a in after if a["id"] == appt_id)
    assert {k: mine[k] for k in ("patient_id", "provider", "status")} == {
        "patient_id": "p-1020",
        "provider": "Dr. Marcus Chen",
        "status": "booked",
    }
    start = datetime.fromisoformat(mine["start"])
    assert start.utcoffset() == start.astimezone(ZoneInfo(TZ)).utcoffset()  # offset of the business zone
    assert start.astimezone(ZoneInfo(TZ)).hour in range(9, 17)
    only = json.loads(frontdesk(seeded, "demo", "appointments", "--json", "--patient", "p-1020").stdout)
    assert [a["id"] for a in only] == [appt_id]
