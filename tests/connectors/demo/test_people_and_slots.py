"""Seeding, identity lookups and free-slot search of the demo practice (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import func, select

from connectors.base import (
    Capability,
    FindPersonByNameDob,
    FindPersonByPhone,
    ListFreeSlots,
    ListProviders,
    NotFound,
    Rejected,
    Unavailable,
)
from connectors.demo import DemoConnector, seed_demo
from connectors.demo.models import DemoAppointment, DemoPatient, DemoProvider
from connectors.demo.seed import PATIENTS
from gateway.store.db import Database
from tests.connectors.demo.conftest import TZ

ZONE = ZoneInfo(TZ)


def today() -> date:
    return datetime.now(ZONE).date()


async def test_seed_is_complete_and_idempotent(db: Database):
    async with db.session() as s, s.begin():
        again = await seed_demo(s, today(), TZ)
    assert (again.providers_added, again.patients_added, again.appointments_added) == (0, 0, 0)
    async with db.session() as s:
        providers = list((await s.execute(select(DemoProvider))).scalars())
        patients = list((await s.execute(select(DemoPatient).order_by(DemoPatient.id))).scalars())
        appointments = await s.scalar(select(func.count()).select_from(DemoAppointment))
    assert {"Dr. Priya Patel", "Dr. Marcus Chen", "Dr. Elena Rodriguez"} <= {p.name for p in providers}
    assert len(patients) >= 20
    assert appointments == 3  # seeded once, not twice
    for p in patients:
        assert p.first_name and p.last_name and p.date_of_birth < today()
        parsed = phonenumbers.parse(p.phone)
        assert p.phone.startswith("+1") and phonenumbers.format_number(parsed, 0) == p.phone  # E.164
    # Deterministic: the roster is the module's fixed list, in id order.
    assert [(p.id, p.first_name, p.last_name, p.date_of_birth, p.phone) for p in patients] == [
        row[:5] for row in sorted(PATIENTS)
    ]


async def test_list_providers(connector: DemoConnector):
    providers = (await connector.list_providers(ListProviders())).providers
    assert len(providers) >= 3
    assert len({p.id for p in providers}) == len(providers)


@pytest.mark.parametrize("spoken", ["(503) 555-0101", "503.555.0101", "+1 503 555 0101", "15035550101"])
async def test_find_by_phone_in_any_format(connector: DemoConnector, spoken: str):
    people = (await connector.find_person_by_phone(FindPersonByPhone(phone=spoken))).people
    assert [(p.first_name, p.last_name) for p in people] == [("Sarah", "Johnson")]


async def test_shared_family_phone_returns_everyone(connector: DemoConnector):
    people = (await connector.find_person_by_phone(FindPersonByPhone(phone="503-555-0112"))).people
    assert {p.id for p in people} == {"p-1012", "p-1013"}


async def test_unknown_phone_is_not_found(connector: DemoConnector):
    with pytest.raises(NotFound):
        await connector.find_person_by_phone(FindPersonByPhone(phone="+1 212 555 0199"))


@pytest.mark.parametrize("garbage", ["12", "call me maybe", ""])
async def test_malformed_phone_is_rejected(connector: DemoConnector, garbage: str):
    with pytest.raises(Rejected):
        await connector.find_person_by_phone(FindPersonByPhone(phone=garbage))


@pytest.mark.parametrize(
    ("first", "last", "dob", "expected"),
    [
        ("sarah", "JOHNSON", date(1985, 3, 14), "p-1001"),
        (" Maria ", "garcia", date(1982, 10, 19), "p-1012"),
        ("jose", "ramirez", date(1959, 2, 14), "p-1023"),  # accents folded
        ("Siobhan", "OConnor", date(1994, 10, 31), "p-1024"),  # apostrophe folded
    ],
)
async def test_find_by_name_and_dob_ignores_case(connector, first, last, dob, expected):
    people = (
        await connector.find_person_by_name_dob(
            FindPersonByNameDob(first_name=first, last_name=last, date_of_birth=dob)
        )
    ).people
    assert [p.id for p in people] == [expected]


async def test_wrong_date_of_birth_is_not_found(connector: DemoConnector):
    with pytest.raises(NotFound):
        await connector.find_person_by_name_dob(
            FindPersonByNameDob(first_name="Sarah", last_name="Johnson", date_of_birth=date(1985, 3, 15))
        )


async def test_free_slots_respect_working_hours_and_horizon(connector: DemoConnector):
    now = datetime.now(ZONE)
    slots = (
        await connector.list_free_slots(
            ListFreeSlots(
                start_date=today() - timedelta(days=3), end_date=today() + timedelta(days=90), limit=50
            )
        )
    ).slots
    assert len(slots) == 50
    for slot in slots:
        local = slot.start.astimezone(ZONE)
        assert local > now
        assert local.weekday() < 5
        assert time(9, 0) <= local.time() <= time(16, 30) and local.minute in (0, 30)
        assert slot.end - slot.start == timedelta(minutes=30)
        assert slot.id.startswith(slot.provider_id + ":")
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    # The far end of the horizon: nothing on or after day 60.
    late = (
        await connector.list_free_slots(
            ListFreeSlots(
                start_date=today() + timedelta(days=55), end_date=today() + timedelta(days=90), limit=50
            )
        )
    ).slots
    assert late and max(s.start.date() for s in late) <= today() + timedelta(days=59)


async def test_free_slots_by_provider_and_part_of_day(connector: DemoConnector):
    window = {
        "start_date": today() + timedelta(days=1),
        "end_date": today() + timedelta(days=14),
        "limit": 20,
    }
    mornings = (
        await connector.list_free_slots(ListFreeSlots(provider_id="dr-chen", part_of_day="morning", **window))
    ).slots
    afternoons = (
        await connector.list_free_slots(
            ListFreeSlots(provider_id="dr-chen", part_of_day="afternoon", **window)
        )
    ).slots
    assert mornings and afternoons
    assert all(
        s.provider_id == "dr-chen" and s.provider_name == "Dr. Marcus Chen" for s in mornings + afternoons
    )
    assert all(s.start.astimezone(ZONE).hour < 12 for s in mornings)
    assert all(s.start.astimezone(ZONE).hour >= 12 for s in afternoons)


async def test_seeded_appointments_are_not_free(connector: DemoConnector, db: Database):
    async with db.session() as s:
        seeded = list((await s.execute(select(DemoAppointment))).scalars())
    for appt in seeded:
        day = appt.start_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZONE).date()
        slots = (
            await connector.list_free_slots(
                ListFreeSlots(provider_id=appt.provider_id, start_date=day, end_date=day, limit=50)
            )
        ).slots
        assert slots, "the rest of that day is free"
        taken = appt.start_utc.replace(tzinfo=ZoneInfo("UTC"))
        assert all(s.start != taken for s in slots)


async def test_unknown_provider_is_not_found(connector: DemoConnector):
    with pytest.raises(NotFound):
        await connector.list_free_slots(
            ListFreeSlots(provider_id="dr-who", start_date=today(), end_date=today())
        )


async def test_reversed_date_range_is_rejected(connector: DemoConnector):
    with pytest.raises(Rejected):
        await connector.list_free_slots(
            ListFreeSlots(start_date=today(), end_date=today() - timedelta(days=1))
        )


async def test_range_entirely_in_the_past_is_empty(connector: DemoConnector):
    past = today() - timedelta(days=10)
    slots = await connector.list_free_slots(ListFreeSlots(start_date=past, end_date=past + timedelta(days=5)))
    assert slots.slots == []


async def test_invoke_dispatches_declared_capabilities(connector: DemoConnector):
    providers = await connector.invoke(Capability.LIST_PROVIDERS, ListProviders())
    assert len(providers.providers) >= 3  # type: ignore[attr-defined]
    assert Capability.FIND_CONTACT not in connector.capabilities


async def test_missing_tables_are_unavailable(empty_sqlite_url: str):
    db = Database(empty_sqlite_url)
    try:
        with pytest.raises(Unavailable):
            await DemoConnector(db.engine, TZ).list_providers(ListProviders())
    finally:
        await db.close()


@pytest.mark.parametrize(
    "spoken", ["Dr. Marcus Chen", "dr chen", "Chen", "doctor marcus chen", "MARCUS CHEN"]
)
async def test_provider_may_be_named_instead_of_id(connector: DemoConnector, spoken: str):
    window = {"start_date": today() + timedelta(days=1), "end_date": today() + timedelta(days=7), "limit": 3}
    slots = (await connector.list_free_slots(ListFreeSlots(provider_id=spoken, **window))).slots
    assert slots and all(s.provider_id == "dr-chen" and s.id.startswith("dr-chen:") for s in slots)


@pytest.mark.parametrize("spoken", ["Dr. Smith", "Dr.", "Marcus Patel"])
async def test_unknown_provider_name_is_not_found(connector: DemoConnector, spoken: str):
    with pytest.raises(NotFound):
        await connector.list_free_slots(
            ListFreeSlots(provider_id=spoken, start_date=today(), end_date=today())
        )
