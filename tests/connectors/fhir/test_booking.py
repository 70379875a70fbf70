"""Writes against the real local FHIR server: book, double booking, cancel, reschedule, list."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest

from connectors.base import (
    BookAppointment,
    CancelAppointment,
    Conflict,
    GetAppointment,
    ListAppointments,
    ListFreeSlots,
    NotFound,
    Rejected,
    RescheduleAppointment,
)
from connectors.fhir import FhirConnector
from tests.connectors.conftest import idempotency_key
from tests.connectors.fhir.conftest import TZ, Clinic


async def read(raw: httpx.AsyncClient, path: str) -> dict[str, Any]:
    resp = await raw.get(path)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def appointments_on(raw: httpx.AsyncClient, slot_id: str) -> list[dict[str, Any]]:
    bundle = await read(raw, f"/Appointment?slot=Slot/{slot_id}")
    return [e["resource"] for e in bundle.get("entry", [])]


async def test_book_writes_appointment_and_marks_slot_busy(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    day, slot_id = clinic.days[0], clinic.slot("patel", clinic.days[0], 10, 30)
    k = idempotency_key()
    booked = await connector.book_appointment(
        BookAppointment(
            person_id=clinic.patients["tom"], slot_id=slot_id, reason="knee pain", idempotency_key=k
        )
    )
    assert booked.status == "booked"
    assert (booked.person_id, booked.provider_id) == (clinic.patients["tom"], clinic.practitioners["patel"])
    assert booked.provider_name == "Dr. Priya Patel"
    assert booked.start.astimezone(TZ).time() == time(10, 30) and booked.start.date() == day
    assert booked.reason == "knee pain"

    stored = await read(raw, f"/Appointment/{booked.id}")
    assert stored["status"] == "booked"
    assert stored["slot"] == [{"reference": f"Slot/{slot_id}"}]
    assert {"system": "urn:frontdesk:idempotency", "value": k} in stored["identifier"]
    actors = {p["actor"]["reference"] for p in stored["participant"]}
    assert actors == {f"Patient/{clinic.patients['tom']}", f"Practitioner/{clinic.practitioners['patel']}"}
    assert (await read(raw, f"/Slot/{slot_id}"))["status"] == "busy"

    free = await connector.list_free_slots(
        ListFreeSlots(provider_id=clinic.practitioners["patel"], start_date=day, end_date=day, limit=50)
    )
    assert slot_id not in {s.id for s in free.slots} and len(free.slots) == 15
    assert await connector.get_appointment(GetAppointment(appointment_id=booked.id)) == booked


@pytest.mark.parametrize("odd", [False, True])
async def test_retried_booking_never_books_twice(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient, odd: bool
) -> None:
    slot_id = clinic.slot("okafor", clinic.days[1], 14)
    # A key with characters that FHIR token search treats specially must work just the same.
    k = f"call 42, turn 3|book\\{uuid.uuid4().hex}$" if odd else idempotency_key()
    req = BookAppointment(person_id=clinic.patients["maria"], slot_id=slot_id, idempotency_key=k)
    first = await connector.book_appointment(req)
    again = await connector.book_appointment(req)
    assert again.id == first.id
    assert len(await appointments_on(raw, slot_id)) == 1
    # The same key for a different booking is a client bug, not a second booking.
    other_slot = clinic.slot("okafor", clinic.days[1], 15)
    with pytest.raises(Rejected, match="conflicts with an earlier"):
        await connector.book_appointment(req.model_copy(update={"slot_id": other_slot}))
    assert await appointments_on(raw, other_slot) == []


async def test_taken_slot_is_a_conflict_and_writes_nothing(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    slot_id = clinic.slot("patel", clinic.days[1], 9)
    await connector.book_appointment(
        BookAppointment(
            person_id=clinic.patients["maria"], slot_id=slot_id, idempotency_key=idempotency_key()
        )
    )
    with pytest.raises(Conflict):
        await connector.book_appointment(
            BookAppointment(
                person_id=clinic.patients["tom"], slot_id=slot_id, idempotency_key=idempotency_key()
            )
        )
    assert len(await appointments_on(raw, slot_id)) == 1


async def test_concurrent_bookings_of_one_slot_only_one_wins(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    slot_id = clinic.slot("okafor", clinic.days[0], 11)
    people = [clinic.patients["maria"], clinic.patients["maria2"], clinic.patients["tom"]]
    results = await asyncio.gather(
        *(
            connector.book_appointment(
                BookAppointment(person_id=p, slot_id=slot_id, idempotency_key=idempotency_key())
            )
            for p in people
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException)), results
    stored = await appointments_on(raw, slot_id)
    assert [a["id"] for a in stored] == [winners[0].id]


async def test_stale_if_match_fails_the_whole_transaction(
    fhir_server, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    """The server side of the guarantee: a transaction whose Slot PUT carries an outdated
    version is refused with 412, and the Appointment created earlier in it is rolled back."""
    slot_id = clinic.slot("patel", clinic.days[0], 16)
    slot = await read(raw, f"/Slot/{slot_id}")
    stale = slot["meta"]["versionId"]
    slot_put = {k: v for k, v in slot.items() if k != "meta"}
    assert (await raw.put(f"/Slot/{slot_id}", json=slot_put)).status_code == 200  # someone else edits it
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "Appointment",
                    "status": "booked",
                    "start": slot["start"],
                    "end": slot["end"],
                    "slot": [{"reference": f"Slot/{slot_id}"}],
                    "participant": [
                        {"actor": {"reference": f"Patient/{clinic.patients['tom']}"}, "status": "accepted"}
                    ],
                },
                "request": {"method": "POST", "url": "Appointment"},
            },
            {
                "resource": slot_put | {"status": "busy"},
                "request": {"method": "PUT", "url": f"Slot/{slot_id}", "ifMatch": f'W/"{stale}"'},
            },
        ],
    }
    resp = await raw.post("/", json=bundle)
    assert resp.status_code == 412
    assert resp.json()["resourceType"] == "OperationOutcome"
    assert await appointments_on(raw, slot_id) == []
    assert (await read(raw, f"/Slot/{slot_id}"))["status"] == "free"


@pytest.mark.parametrize(
    ("slot", "person", "error"),
    [
        ("past", "tom", Rejected),
        ("no-such-slot", "tom", NotFound),
        ("2030-01-07T09:00", "tom", Rejected),  # not a FHIR id at all
        ("free", "no-such-patient", NotFound),
        ("free", "../Slot", Rejected),
    ],
)
async def test_bad_booking_requests_get_typed_failures_and_write_nothing(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient, slot: str, person: str, error: type
) -> None:
    free_slot = clinic.slot("okafor", clinic.days[0], 15)
    slot_id = {"past": clinic.past_slot, "free": free_slot}.get(slot, slot)
    person_id = clinic.patients.get(person, person)
    with pytest.raises(error):
        await connector.book_appointment(
            BookAppointment(person_id=person_id, slot_id=slot_id, idempotency_key=idempotency_key())
        )
    assert await appointments_on(raw, free_slot) == []
    assert (await read(raw, f"/Slot/{free_slot}"))["status"] == "free"
    assert (await read(raw, f"/Slot/{clinic.past_slot}"))["status"] == "free"


async def test_cancel_frees_the_slot_and_is_idempotent(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    slot_id = clinic.slot("patel", clinic.days[0], 13)
    booked = await connector.book_appointment(
        BookAppointment(
            person_id=clinic.patients["maria"], slot_id=slot_id, idempotency_key=idempotency_key()
        )
    )
    k = idempotency_key()
    cancelled = await connector.cancel_appointment(
        CancelAppointment(appointment_id=booked.id, reason="feeling better", idempotency_key=k)
    )
    assert cancelled.id == booked.id and cancelled.status == "cancelled"
    stored = await read(raw, f"/Appointment/{booked.id}")
    assert stored["status"] == "cancelled" and stored["cancelationReason"]["text"] == "feeling better"
    assert (await read(raw, f"/Slot/{slot_id}"))["status"] == "free"

    again = await connector.cancel_appointment(CancelAppointment(appointment_id=booked.id, idempotency_key=k))
    assert again.status == "cancelled"
    with pytest.raises(Conflict, match="already cancelled"):
        await connector.cancel_appointment(
            CancelAppointment(appointment_id=booked.id, idempotency_key=idempotency_key())
        )
    upcoming = await connector.list_appointments(ListAppointments(person_id=clinic.patients["maria"]))
    assert upcoming.appointments == []
    everything = await connector.list_appointments(
        ListAppointments(person_id=clinic.patients["maria"], include_past=True)
    )
    assert [(a.id, a.status) for a in everything.appointments] == [(booked.id, "cancelled")]
    # The freed slot can be booked again.
    rebooked = await connector.book_appointment(
        BookAppointment(person_id=clinic.patients["tom"], slot_id=slot_id, idempotency_key=idempotency_key())
    )
    assert rebooked.status == "booked"


async def test_cancel_unknown_appointment_is_not_found(connector: FhirConnector, clinic: Clinic) -> None:
    with pytest.raises(NotFound):
        await connector.cancel_appointment(
            CancelAppointment(appointment_id="no-such-appt", idempotency_key=idempotency_key())
        )
    with pytest.raises(NotFound):
        await connector.get_appointment(GetAppointment(appointment_id="no-such-appt"))


async def test_reschedule_moves_in_one_transaction(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    old_slot = clinic.slot("patel", clinic.days[0], 9, 30)
    new_slot = clinic.slot("okafor", clinic.days[1], 16, 30)
    booked = await connector.book_appointment(
        BookAppointment(
            person_id=clinic.patients["tom"],
            slot_id=old_slot,
            reason="check-up",
            idempotency_key=idempotency_key(),
        )
    )
    k = idempotency_key()
    req = RescheduleAppointment(appointment_id=booked.id, new_slot_id=new_slot, idempotency_key=k)
    moved = await connector.reschedule_appointment(req)
    assert moved.status == "booked" and moved.person_id == clinic.patients["tom"]
    assert moved.provider_id == clinic.practitioners["okafor"] and moved.reason == "check-up"
    assert moved.start.astimezone(TZ).time() == time(16, 30)
    assert (await read(raw, f"/Appointment/{booked.id}"))["status"] == "cancelled"
    assert (await read(raw, f"/Slot/{old_slot}"))["status"] == "free"
    assert (await read(raw, f"/Slot/{new_slot}"))["status"] == "busy"
    assert (await connector.reschedule_appointment(req)).id == moved.id  # a retry changes nothing more
    assert len(await appointments_on(raw, new_slot)) == 1

    upcoming = await connector.list_appointments(ListAppointments(person_id=clinic.patients["tom"]))
    assert [a.id for a in upcoming.appointments] == [moved.id]


async def test_reschedule_to_a_taken_slot_changes_nothing(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    mine, taken = clinic.slot("okafor", clinic.days[0], 10), clinic.slot("okafor", clinic.days[0], 12)
    booked = await connector.book_appointment(
        BookAppointment(person_id=clinic.patients["maria"], slot_id=mine, idempotency_key=idempotency_key())
    )
    await connector.book_appointment(
        BookAppointment(person_id=clinic.patients["tom"], slot_id=taken, idempotency_key=idempotency_key())
    )
    with pytest.raises(Conflict):
        await connector.reschedule_appointment(
            RescheduleAppointment(
                appointment_id=booked.id, new_slot_id=taken, idempotency_key=idempotency_key()
            )
        )
    with pytest.raises(Rejected):
        await connector.reschedule_appointment(
            RescheduleAppointment(
                appointment_id=booked.id, new_slot_id=clinic.past_slot, idempotency_key=idempotency_key()
            )
        )
    assert (await read(raw, f"/Appointment/{booked.id}"))["status"] == "booked"
    assert (await read(raw, f"/Slot/{mine}"))["status"] == "busy"
    assert len(await appointments_on(raw, taken)) == 1


async def test_list_appointments_of_unknown_person_is_not_found(
    connector: FhirConnector, clinic: Clinic
) -> None:
    with pytest.raises(NotFound):
        await connector.list_appointments(ListAppointments(person_id="nobody-here"))


async def _external_appointment(raw: httpx.AsyncClient, clinic: Clinic, status: str, start: datetime) -> str:
    """An appointment the practice entered itself, not through Frontdesk."""
    body = {
        "resourceType": "Appointment",
        "status": status,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=20)).isoformat(),
        "participant": [
            {"actor": {"reference": f"Patient/{clinic.patients['maria2']}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{clinic.practitioners['okafor']}"}, "status": "accepted"},
        ],
    }
    resp = await raw.post("/Appointment", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


async def test_appointments_entered_elsewhere_are_read_and_guarded(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    now = datetime.now(TZ)
    past = await _external_appointment(raw, clinic, "fulfilled", now - timedelta(days=3))
    yesterday = await _external_appointment(raw, clinic, "booked", now - timedelta(days=1))
    upcoming = await _external_appointment(raw, clinic, "booked", now + timedelta(days=5))
    arrived = await _external_appointment(raw, clinic, "arrived", now + timedelta(days=6))

    listed = await connector.list_appointments(ListAppointments(person_id=clinic.patients["maria2"]))
    assert [a.id for a in listed.appointments] == [upcoming]
    assert listed.appointments[0].provider_name == "Dr. James Okafor"
    everything = await connector.list_appointments(
        ListAppointments(person_id=clinic.patients["maria2"], include_past=True)
    )
    assert [(a.id, a.status) for a in everything.appointments] == [
        (past, "fulfilled"),
        (yesterday, "booked"),
        (upcoming, "booked"),
        (arrived, "fulfilled"),
    ]
    with pytest.raises(Rejected, match="already taken place"):
        await connector.cancel_appointment(
            CancelAppointment(appointment_id=yesterday, idempotency_key=idempotency_key())
        )
    with pytest.raises(Rejected):
        await connector.reschedule_appointment(
            RescheduleAppointment(
                appointment_id=arrived,
                new_slot_id=clinic.slot("patel", clinic.days[0], 14),
                idempotency_key=idempotency_key(),
            )
        )
    assert (await read(raw, f"/Appointment/{yesterday}"))["status"] == "booked"
    assert (await read(raw, f"/Slot/{clinic.slot('patel', clinic.days[0], 14)}"))["status"] == "free"
