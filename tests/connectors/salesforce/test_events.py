"""Appointments as Events (optional): open slots published by staff, booked once each (the unique
slot field), listed per person; off unless an open-slot subject is configured."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.base import (
    BookAppointment,
    Capability,
    Conflict,
    ListAppointments,
    ListFreeSlots,
    ListProviders,
    NotFound,
    Rejected,
    Unsupported,
)
from connectors.salesforce import SalesforceConnector
from tests.connectors.salesforce.conftest import MakeConnector, key
from tests.fakes.salesforce_server import RunningSalesforce

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=NY)  # a Monday morning
PATEL = "005000000000010AAA"
CHEN = "005000000000011AAA"
OPEN = "Open slot"


def sf_time(day: int, hour: int, minute: int = 0, later_min: int = 0) -> str:
    """As Salesforce answers a datetime: UTC, milliseconds, +0000."""
    moment = datetime(2026, 12, day, hour, minute, tzinfo=NY) + timedelta(minutes=later_min)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def slot(running: RunningSalesforce, owner: str, day: int, hour: int, minute: int = 0, **extra: str) -> str:
    fields = {
        "Subject": OPEN,
        "ShowAs": "Free",
        "OwnerId": owner,
        "StartDateTime": sf_time(day, hour, minute),
        "EndDateTime": sf_time(day, hour, minute, later_min=30),
    }
    return running.fake.add("Event", fields | extra)


@pytest.fixture
def calendar(salesforce: RunningSalesforce) -> dict[str, str]:
    salesforce.fake.add("User", {"Id": PATEL, "Name": "Dr. Priya Patel", "Title": "Family medicine"})
    salesforce.fake.add("User", {"Id": CHEN, "Name": "Dr. Marcus Chen", "Title": "Pediatrics"})
    return {
        "patel_9": slot(salesforce, PATEL, 8, 9),
        "patel_1330": slot(salesforce, PATEL, 8, 13, 30),
        "chen_10": slot(salesforce, CHEN, 8, 10),
        "chen_past": slot(salesforce, CHEN, 4, 10),
        "lunch": slot(salesforce, CHEN, 8, 12, Subject="Lunch"),
        "busy": slot(salesforce, PATEL, 8, 15, ShowAs="Busy"),
    }


def book(connect: MakeConnector) -> SalesforceConnector:
    return connect(slot_subject=OPEN, clock=lambda: NOW)


def amara(running: RunningSalesforce) -> str:
    return str(running.fake.records("Contact")[0]["Id"])


async def test_appointments_are_off_unless_configured(connect: MakeConnector) -> None:
    plain = connect()
    assert Capability.LIST_FREE_SLOTS not in plain.capabilities
    with pytest.raises(Unsupported):
        await plain.list_free_slots(ListFreeSlots(start_date=date(2026, 12, 8), end_date=date(2026, 12, 8)))
    assert {Capability.LIST_FREE_SLOTS, Capability.BOOK_APPOINTMENT} <= book(connect).capabilities


async def test_providers_and_free_slots_come_from_open_slot_events(
    salesforce: RunningSalesforce, connect: MakeConnector, calendar: dict[str, str]
) -> None:
    c = book(connect)
    providers = (await c.list_providers(ListProviders())).providers
    assert sorted((p.name, p.specialty) for p in providers) == [
        ("Dr. Marcus Chen", "Pediatrics"),
        ("Dr. Priya Patel", "Family medicine"),
    ]
    day = date(2026, 12, 8)
    slots = (await c.list_free_slots(ListFreeSlots(start_date=day, end_date=day))).slots
    assert [(s.provider_name, s.start.strftime("%H:%M")) for s in slots] == [
        ("Dr. Priya Patel", "09:00"),
        ("Dr. Marcus Chen", "10:00"),
        ("Dr. Priya Patel", "13:30"),
    ]
    assert slots[0].start.tzinfo is not None and slots[0].end.hour == 9 and slots[0].end.minute == 30
    afternoon = await c.list_free_slots(
        ListFreeSlots(provider_id=PATEL, start_date=day, end_date=day, part_of_day="afternoon")
    )
    assert [s.id for s in afternoon.slots] == [calendar["patel_1330"]]
    this_week = await c.list_free_slots(ListFreeSlots(start_date=date(2026, 12, 1), end_date=day, limit=1))
    assert [s.id for s in this_week.slots] == [calendar["patel_9"]]  # nothing past, then the limit
    with pytest.raises(Rejected):
        await c.list_free_slots(ListFreeSlots(start_date=day, end_date=date(2026, 12, 1)))
    with pytest.raises(NotFound):
        await c.list_free_slots(ListFreeSlots(provider_id="x' OR Id != '", start_date=day, end_date=day))


async def test_booking_takes_the_slot_once_and_the_person_sees_it(
    salesforce: RunningSalesforce, connect: MakeConnector, calendar: dict[str, str]
) -> None:
    c = book(connect)
    person = amara(salesforce)
    request = BookAppointment(
        person_id=person, slot_id=calendar["patel_9"], reason="Flu shot", idempotency_key=key()
    )
    booked = await c.book_appointment(request)
    assert (booked.provider_name, booked.start.strftime("%d %H:%M"), booked.status) == (
        "Dr. Priya Patel",
        "08 09:00",
        "booked",
    )
    event = salesforce.fake.store["Event"][booked.id]
    assert (event["WhoId"], event["OwnerId"], event["ShowAs"], event["Frontdesk_Slot__c"]) == (
        person,
        PATEL,
        "Busy",
        calendar["patel_9"],
    )
    assert (await c.book_appointment(request)).id == booked.id  # the retry is the same booking
    day = date(2026, 12, 8)
    free = [s.id for s in (await c.list_free_slots(ListFreeSlots(start_date=day, end_date=day))).slots]
    assert calendar["patel_9"] not in free and calendar["chen_10"] in free
    mine = (await c.list_appointments(ListAppointments(person_id=person))).appointments
    assert [(a.id, a.reason) for a in mine] == [(booked.id, "Flu shot")]

    with pytest.raises(Conflict):
        await c.book_appointment(
            BookAppointment(person_id=person, slot_id=calendar["patel_9"], idempotency_key=key())
        )


async def test_twenty_callers_racing_for_one_slot_get_one_appointment(
    salesforce: RunningSalesforce, connect: MakeConnector, calendar: dict[str, str]
) -> None:
    c = book(connect)
    person = amara(salesforce)
    attempts = [
        c.book_appointment(
            BookAppointment(person_id=person, slot_id=calendar["chen_10"], idempotency_key=key())
        )
        for _ in range(20)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    booked = [r for r in results if not isinstance(r, BaseException)]
    assert len(booked) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    taken = [e for e in salesforce.fake.records("Event") if e.get("Frontdesk_Slot__c") == calendar["chen_10"]]
    assert [e["Id"] for e in taken] == [booked[0].id]


async def test_what_is_not_an_open_future_slot_cannot_be_booked(
    salesforce: RunningSalesforce, connect: MakeConnector, calendar: dict[str, str]
) -> None:
    c = book(connect)
    person = amara(salesforce)
    for slot_id, failure in (
        (calendar["lunch"], NotFound),
        (calendar["busy"], NotFound),
        ("00U8d9999999999AAA", NotFound),
        ("00T8d0000000001AAA", NotFound),  # a Task's id
        (calendar["chen_past"], Rejected),
    ):
        with pytest.raises(failure):
            await c.book_appointment(
                BookAppointment(person_id=person, slot_id=slot_id, idempotency_key=key())
            )
    assert not any(e.get("Frontdesk_Slot__c") for e in salesforce.fake.records("Event"))
