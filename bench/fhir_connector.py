"""FHIR connector latency against the local Medplum test server (loopback, in-memory store).

Prints server start time and RSS, then median / p95 per operation. These figures are the
connector's own overhead plus a fast server; a real EMR adds its network and database time.

    .venv/bin/python bench/fhir_connector.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.*

from connectors.base import (
    BookAppointment,
    CancelAppointment,
    Conflict,
    FindPersonByNameDob,
    FindPersonByPhone,
    ListFreeSlots,
    RescheduleAppointment,
)
from connectors.fhir import FhirConnector, StaticBearer
from connectors.resilience import ResiliencePolicy
from tests.connectors.fhir.conftest import (
    SERVER_DIR,
    STATIC_TOKEN,
    TZ,
    _node_command,
    _read_port,
    seed_clinic,
)

ROUNDS = 20


async def timed(label: str, fn: Callable[[int], Awaitable[object]], rounds: int = ROUNDS) -> None:
    samples = []
    for i in range(rounds):
        start = time.perf_counter()
        await fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"| {label} | {statistics.median(samples):.1f} ms | {p95:.1f} ms |")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({"port": 0, "staticTokens": [STATIC_TOKEN], "clients": []}))
        started = time.perf_counter()
        proc = subprocess.Popen(_node_command(SERVER_DIR / "server.mjs", config), stdout=subprocess.PIPE)
        try:
            port = _read_port(proc, deadline_s=30)
            print(f"server start: {time.perf_counter() - started:.2f} s, RSS {rss_mib(proc.pid):.0f} MiB")
            asyncio.run(run(f"http://127.0.0.1:{port}"))
            print(f"server RSS after: {rss_mib(proc.pid):.0f} MiB")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


async def run(base: str) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        clinic = await seed_clinic(http, base)
    conn = FhirConnector(
        base, auth=StaticBearer(STATIC_TOKEN), timezone=TZ, policy=ResiliencePolicy(timeout_s=10)
    )
    try:
        await bench(conn, clinic)
    finally:
        await conn.aclose()


async def bench(conn: FhirConnector, clinic) -> None:
    first, last = clinic.days
    slots = [slot_id for (_who, _start), slot_id in sorted(clinic.slots.items())]
    tom = clinic.patients["tom"]
    print("| operation | median | p95 |\n| --- | --- | --- |")
    await timed(
        "find_person_by_name_dob",
        lambda i: conn.find_person_by_name_dob(
            FindPersonByNameDob(first_name="Thomas", last_name="O'Brien", date_of_birth="1972-11-05")
        ),
    )
    await timed(
        "find_person_by_phone (18 spellings OR-ed)",
        lambda i: conn.find_person_by_phone(FindPersonByPhone(phone="415 555 0177")),
    )
    await timed(
        "list_free_slots, any provider, 2 days, limit 5",
        lambda i: conn.list_free_slots(ListFreeSlots(start_date=first, end_date=last)),
    )
    booked = []

    async def book(i: int) -> None:
        booked.append(
            await conn.book_appointment(
                BookAppointment(
                    person_id=tom, slot_id=slots[i], idempotency_key=f"bench-{i}-{uuid.uuid4().hex}"
                )
            )
        )

    await timed("book_appointment (new key)", book)
    replay_key = f"bench-replay-{uuid.uuid4().hex}"
    replay = BookAppointment(person_id=tom, slot_id=slots[20], idempotency_key=replay_key)
    await conn.book_appointment(replay)
    await timed("book_appointment replayed (used key)", lambda i: conn.book_appointment(replay))
    await timed(
        "reschedule_appointment (one 4-entry transaction)",
        lambda i: conn.reschedule_appointment(
            RescheduleAppointment(
                appointment_id=booked[i].id, new_slot_id=slots[30 + i], idempotency_key=uuid.uuid4().hex
            )
        ),
        rounds=10,
    )
    await timed(
        "cancel_appointment",
        lambda i: conn.cancel_appointment(
            CancelAppointment(appointment_id=booked[10 + i].id, idempotency_key=uuid.uuid4().hex)
        ),
        rounds=10,
    )
    target = slots[60]
    start = time.perf_counter()
    results = await asyncio.gather(
        *(
            conn.book_appointment(
                BookAppointment(person_id=tom, slot_id=target, idempotency_key=uuid.uuid4().hex)
            )
            for _ in range(20)
        ),
        return_exceptions=True,
    )
    wall = (time.perf_counter() - start) * 1000
    won = sum(not isinstance(r, BaseException) for r in results)
    lost = sum(isinstance(r, Conflict) for r in results)
    print(f"| 20 concurrent bookings of one slot | {wall:.0f} ms wall, {won} booked, {lost} `Conflict` | |")


if __name__ == "__main__":
    main()
