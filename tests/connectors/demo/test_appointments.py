"""Booking, rescheduling and cancelling in the demo practice, idempotency and double booking under
concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

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
    Slot,
)
from connectors.demo import DemoConnector
from connectors.demo.models import DemoAppointment, DemoIdempotency
from gateway.store.db import Database
from tests.connectors.conftest import idempotency_key
from tests.connectors.demo.conftest import TZ

ZONE = ZoneInfo(TZ)


def today() -> date:
    return datetime.now(ZONE).date()


def weekday_after(days: int, weekday: int | None = None) -> date:
    day = today() + timedelta(days=days)
    while day.weekday() >= 5 if weekday is None else day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def slot_id(provider: str, day: date, at: time) -> str:
    return f"{provider}:{datetime.combine(day, at, tzinfo=ZONE).isoformat()}"


async def free_slots(connector: DemoConnector, provider: str = "dr-patel", n: int = 5) -> list[Slot]:
    req = ListFreeSlots(
        provider_id=provider,
        start_date=today() + timedelta(days=1),
        end_date=today() + timedelta(days=20),
        limit=n,
    )
    return (await connector.list_free_slots(req)).slots


async def counts(db: Database) -> tuple[int, int]:
    async with db.session() as s:
        appts = await s.scalar(select(func.count()).select_from(DemoAppointment))
        receipts = await s.scalar(select(func.count()).select_from(DemoIdempotency))
    return appts or 0, receipts or 0


async def booked_at(db: Database, slot: Slot) -> int:
    start = slot.start.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    async with db.session() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(DemoAppointment)
            .where(
                DemoAppointment.provider_id == slot.provider_id,
                DemoAppointment.start_utc == start,
                DemoAppointment.status == "booked",
            )
        )
    return n or 0


async def test_book_then_read_back(connector: DemoConnector, db: Database):
    slot = (await free_slots(connector))[0]
    appt = await connector.book_appointment(
        BookAppointment(
            idempotency_key=idempotency_key(), person_id="p-1001", slot_id=slot.id, reason="Sore throat"
        )
    )
    assert (appt.person_id, appt.provider_id, appt.start, appt.status) == (
        "p-1001",
        "dr-patel",
        slot.start,
        "booked",
    )
    assert appt.start.utcoffset() == slot.start.astimezone(ZONE).utcoffset()
    assert await connector.get_appointment(GetAppointment(appointment_id=appt.id)) == appt
    listed = (await connector.list_appointments(ListAppointments(person_id="p-1001"))).appointments
    assert [a.id for a in listed] == [appt.id]
    assert slot.id not in {s.id for s in await free_slots(connector, n=50)}


async def test_retried_booking_returns_the_first_result_and_books_once(
    connector: DemoConnector, db: Database
):
    slot = (await free_slots(connector))[0]
    req = BookAppointment(idempotency_key=idempotency_key(), person_id="p-1002", slot_id=slot.id)
    before = await counts(db)
    first = await connector.book_appointment(req)
    again = await connector.book_appointment(req)
    assert again == first
    assert await counts(db) == (before[0] + 1, before[1] + 1)


async def test_same_key_for_a_different_request_is_rejected(connector: DemoConnector, db: Database):
    a, b = (await free_slots(connector))[:2]
    k = idempotency_key()
    await connector.book_appointment(BookAppointment(idempotency_key=k, person_id="p-1002", slot_id=a.id))
    before = await counts(db)
    with pytest.raises(Rejected):
        await connector.book_appointment(BookAppointment(idempotency_key=k, person_id="p-1002", slot_id=b.id))
    assert await counts(db) == before


def bad_slots() -> list[tuple[str, str, type[Exception]]]:
    monday = weekday_after(7, 0)
    saturday = weekday_after(1, 5)
    past = today() - timedelta(days=1)
    return [
        ("unknown provider", slot_id("dr-who", monday, time(10)), NotFound),
        ("in the past", slot_id("dr-patel", past, time(10)), Rejected),
        ("before opening", slot_id("dr-patel", monday, time(8, 30)), Rejected),
        ("at closing", slot_id("dr-patel", monday, time(17)), Rejected),
        ("off the grid", slot_id("dr-patel", monday, time(9, 15)), Rejected),
        ("weekend", slot_id("dr-patel", saturday, time(10)), Rejected),
        ("beyond 60 days", slot_id("dr-patel", weekday_after(70), time(10)), Rejected),
        ("malformed date", "dr-patel:2030-02-31T10:00:00", Rejected),
        ("not a date at all", "dr-patel:next tuesday", Rejected),
        ("no provider part", "tomorrow", Rejected),
    ]


@pytest.mark.parametrize(("case", "slot", "failure"), bad_slots(), ids=[c[0] for c in bad_slots()])
async def test_bad_slots_fail_typed_and_write_nothing(connector, db, case, slot, failure):
    before = await counts(db)
    with pytest.raises(failure) as info:
        await connector.book_appointment(
            BookAppointment(idempotency_key=idempotency_key(), person_id="p-1001", slot_id=slot)
        )
    assert info.value.message  # something a caller can be told
    assert await counts(db) == before


async def test_unknown_patient_is_not_found_and_writes_nothing(connector, db):
    slot = (await free_slots(connector))[0]
    before = await counts(db)
    with pytest.raises(NotFound):
        await connector.book_appointment(
            BookAppointment(idempotency_key=idempotency_key(), person_id="p-9999", slot_id=slot.id)
        )
    with pytest.raises(NotFound):
        await connector.list_appointments(ListAppointments(person_id="p-9999"))
    assert await counts(db) == before


async def test_taken_slot_is_a_conflict(connector, db):
    slot = (await free_slots(connector))[0]
    await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1001", slot_id=slot.id)
    )
    before = await counts(db)
    with pytest.raises(Conflict):
        await connector.book_appointment(
            BookAppointment(idempotency_key=idempotency_key(), person_id="p-1002", slot_id=slot.id)
        )
    assert await counts(db) == before
    assert await booked_at(db, slot) == 1


async def test_concurrent_bookings_of_one_slot_only_one_wins(connector, db):
    slot = (await free_slots(connector, provider="dr-rodriguez"))[0]
    patients = [f"p-{1001 + i}" for i in range(8)]
    results = await asyncio.gather(
        *(
            connector.book_appointment(
                BookAppointment(idempotency_key=idempotency_key(), person_id=p, slot_id=slot.id)
            )
            for p in patients
        ),
        return_exceptions=True,
    )
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException)), results
    assert await booked_at(db, slot) == 1


async def test_concurrent_retries_of_one_request_book_once(connector, db):
    slot = (await free_slots(connector, provider="dr-chen"))[0]
    req = BookAppointment(idempotency_key=idempotency_key(), person_id="p-1005", slot_id=slot.id)
    results = await asyncio.gather(
        *(connector.book_appointment(req) for _ in range(5)), return_exceptions=True
    )
    assert all(not isinstance(r, BaseException) for r in results), results
    assert len({r.id for r in results}) == 1  # type: ignore[union-attr]
    assert await booked_at(db, slot) == 1


async def test_database_refuses_a_second_booked_row(connector, db):
    """The constraint itself, not the connector's checks, makes double booking impossible."""
    slot = (await free_slots(connector))[0]
    appt = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1001", slot_id=slot.id)
    )
    insert = text(
        "INSERT INTO demo_appointments (id, patient_id, provider_id, start_utc, end_utc, status, "
        "created_utc, updated_utc) SELECT :id, 'p-1002', provider_id, start_utc, end_utc, :status, "
        "created_utc, updated_utc FROM demo_appointments WHERE id = :src"
    )
    with pytest.raises(IntegrityError):
        async with db.session() as s, s.begin():
            await s.execute(insert, {"id": "dup-1", "status": "booked", "src": appt.id})
    async with db.session() as s, s.begin():  # a cancelled row at the same time is fine
        await s.execute(insert, {"id": "dup-2", "status": "cancelled", "src": appt.id})


async def test_reschedule_moves_and_frees_the_old_slot(connector, db):
    first, target = (await free_slots(connector))[:2]
    appt = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1006", slot_id=first.id)
    )
    req = RescheduleAppointment(
        idempotency_key=idempotency_key(), appointment_id=appt.id, new_slot_id=target.id
    )
    moved = await connector.reschedule_appointment(req)
    assert (moved.id, moved.start, moved.status) == (appt.id, target.start, "booked")
    assert await connector.reschedule_appointment(req) == moved  # retry: same answer, no second move
    assert await connector.get_appointment(GetAppointment(appointment_id=appt.id)) == moved
    assert await booked_at(db, first) == 0 and await booked_at(db, target) == 1
    assert first.id in {s.id for s in await free_slots(connector, n=50)}


async def test_reschedule_to_another_provider(connector):
    first = (await free_slots(connector, provider="dr-patel"))[0]
    target = (await free_slots(connector, provider="dr-chen"))[0]
    appt = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1007", slot_id=first.id)
    )
    moved = await connector.reschedule_appointment(
        RescheduleAppointment(
            idempotency_key=idempotency_key(), appointment_id=appt.id, new_slot_id=target.id
        )
    )
    assert (moved.provider_id, moved.provider_name) == ("dr-chen", "Dr. Marcus Chen")


async def test_reschedule_into_a_taken_slot_keeps_the_original(connector, db):
    mine, theirs = (await free_slots(connector))[:2]
    appt = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1008", slot_id=mine.id)
    )
    await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1009", slot_id=theirs.id)
    )
    with pytest.raises(Conflict):
        await connector.reschedule_appointment(
            RescheduleAppointment(
                idempotency_key=idempotency_key(), appointment_id=appt.id, new_slot_id=theirs.id
            )
        )
    assert (await connector.get_appointment(GetAppointment(appointment_id=appt.id))).start == mine.start
    assert await booked_at(db, theirs) == 1


async def test_reschedule_bad_input(connector, db):
    slot = (await free_slots(connector))[0]
    appt = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1010", slot_id=slot.id)
    )
    before = await counts(db)
    with pytest.raises(NotFound):
        await connector.reschedule_appointment(
            RescheduleAppointment(
                idempotency_key=idempotency_key(), appointment_id="appt-nope", new_slot_id=slot.id
            )
        )
    with pytest.raises(Rejected):
        past = slot_id("dr-patel", today() - timedelta(days=2), time(10))
        await connector.reschedule_appointment(
            RescheduleAppointment(idempotency_key=idempotency_key(), appointment_id=appt.id, new_slot_id=past)
        )
    with pytest.raises(Rejected):  # already at that time
        await connector.reschedule_appointment(
            RescheduleAppointment(
                idempotency_key=idempotency_key(), appointment_id=appt.id, new_slot_id=slot.id
            )
        )
    assert await counts(db) == before


async def test_cancel_then_cancel_again(connector, db):
    slot = (await free_slots(connector))[0]
    appt = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1011", slot_id=slot.id)
    )
    req = CancelAppointment(
        idempotency_key=idempotency_key(), appointment_id=appt.id, reason="Feeling better"
    )
    cancelled = await connector.cancel_appointment(req)
    assert (cancelled.id, cancelled.status) == (appt.id, "cancelled")
    assert await connector.cancel_appointment(req) == cancelled  # retry with the same key
    with pytest.raises(Conflict):  # a new request to cancel it again
        await connector.cancel_appointment(
            CancelAppointment(idempotency_key=idempotency_key(), appointment_id=appt.id)
        )
    with pytest.raises(Conflict):
        await connector.reschedule_appointment(
            RescheduleAppointment(
                idempotency_key=idempotency_key(), appointment_id=appt.id, new_slot_id=slot.id
            )
        )
    upcoming = (await connector.list_appointments(ListAppointments(person_id="p-1011"))).appointments
    everything = (
        await connector.list_appointments(ListAppointments(person_id="p-1011", include_past=True))
    ).appointments
    assert appt.id not in {a.id for a in upcoming}
    assert [(a.id, a.status) for a in everything] == [(appt.id, "cancelled")]
    # The slot is free again and can be booked by someone else.
    again = await connector.book_appointment(
        BookAppointment(idempotency_key=idempotency_key(), person_id="p-1012", slot_id=slot.id)
    )
    assert again.start == slot.start and await booked_at(db, slot) == 1


async def test_cancel_unknown_appointment_is_not_found(connector):
    with pytest.raises(NotFound):
        await connector.cancel_appointment(
            CancelAppointment(idempotency_key=idempotency_key(), appointment_id="appt-missing")
        )
    with pytest.raises(NotFound):
        await connector.get_appointment(GetAppointment(appointment_id="appt-missing"))
