"""Reads against the real local FHIR server: people, providers, free slots."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from connectors.base import (
    FindPeopleByDob,
    FindPersonByNameDob,
    FindPersonByPhone,
    ListFreeSlots,
    ListProviders,
    NotFound,
    Rejected,
)
from connectors.fhir import FhirConnector
from tests.connectors.fhir.conftest import TZ, Clinic


async def test_find_person_by_name_and_birthdate(connector: FhirConnector, clinic: Clinic) -> None:
    found = await connector.find_person_by_name_dob(
        FindPersonByNameDob(first_name="maria", last_name="GARCIA", date_of_birth=date(1985, 4, 12))
    )
    assert [p.id for p in found.people] == [clinic.patients["maria"]]
    person = found.people[0]
    assert (person.first_name, person.last_name, person.date_of_birth) == (
        "Maria",
        "Garcia",
        date(1985, 4, 12),
    )
    assert person.phone == "+14155550134"  # stored as "+1 (415) 555-0134", returned as E.164

    # Spelled without the apostrophe, in capitals: still Thomas O'Brien.
    tom = await connector.find_person_by_name_dob(
        FindPersonByNameDob(first_name="THOMAS", last_name="obrien", date_of_birth=date(1972, 11, 5))
    )
    assert [p.id for p in tom.people] == [clinic.patients["tom"]]

    # The same name with another birth date is the other Maria.
    other = await connector.find_person_by_name_dob(
        FindPersonByNameDob(first_name="Maria", last_name="Garcia", date_of_birth=date(1990, 9, 30))
    )
    assert [p.id for p in other.people] == [clinic.patients["maria2"]]


async def test_find_everyone_born_on_a_day(connector: FhirConnector, clinic: Clinic) -> None:
    """The candidates a last name typed on the keypad is checked against (`agents.keyed_names`)."""
    found = await connector.find_people_by_dob(FindPeopleByDob(date_of_birth=date(1972, 11, 5)))
    assert [p.id for p in found.people] == [clinic.patients["tom"]]
    with pytest.raises(NotFound):
        await connector.find_people_by_dob(FindPeopleByDob(date_of_birth=date(2001, 2, 3)))


@pytest.mark.parametrize(
    ("first", "last", "dob"),
    [
        ("Maria", "Garcia", date(1985, 4, 13)),  # wrong birth date
        ("Mar", "Garcia", date(1985, 4, 12)),  # FHIR matches prefixes; identity must not
        ("Maria", "Garc", date(1985, 4, 12)),
        ("Nobody", "Here", date(2000, 1, 1)),
    ],
)
async def test_not_found_unless_name_and_birthdate_match_exactly(
    connector: FhirConnector, clinic: Clinic, first: str, last: str, dob: date
) -> None:
    with pytest.raises(NotFound):
        await connector.find_person_by_name_dob(
            FindPersonByNameDob(first_name=first, last_name=last, date_of_birth=dob)
        )


@pytest.mark.parametrize(
    ("spoken", "who"),
    [
        ("415-555-0134", "maria"),
        ("+14155550199", "maria2"),
        ("(415) 555 0177", "tom"),
        ("1 415 555 0177", "tom"),
    ],
)
async def test_find_person_by_phone_in_any_format(
    connector: FhirConnector, clinic: Clinic, spoken: str, who: str
) -> None:
    found = await connector.find_person_by_phone(FindPersonByPhone(phone=spoken))
    assert [p.id for p in found.people] == [clinic.patients[who]]


async def test_unknown_phone_is_not_found_and_garbage_is_rejected(
    connector: FhirConnector, clinic: Clinic
) -> None:
    with pytest.raises(NotFound):
        await connector.find_person_by_phone(FindPersonByPhone(phone="212-555-0100"))
    with pytest.raises(Rejected):
        await connector.find_person_by_phone(FindPersonByPhone(phone="call me maybe"))


async def test_list_providers(connector: FhirConnector, clinic: Clinic) -> None:
    providers = (await connector.list_providers(ListProviders())).providers
    assert {p.id: p.name for p in providers} == {
        clinic.practitioners["patel"]: "Dr. Priya Patel",
        clinic.practitioners["okafor"]: "Dr. James Okafor",
    }


async def test_free_slots_of_one_provider_in_a_date_range(connector: FhirConnector, clinic: Clinic) -> None:
    day = clinic.days[1]
    slots = (
        await connector.list_free_slots(
            ListFreeSlots(provider_id=clinic.practitioners["okafor"], start_date=day, end_date=day, limit=50)
        )
    ).slots
    assert len(slots) == 16
    assert {s.provider_id for s in slots} == {clinic.practitioners["okafor"]}
    assert {s.provider_name for s in slots} == {"Dr. James Okafor"}
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    assert slots[0].start == datetime.combine(day, time(9), tzinfo=TZ)
    assert all(s.start.date() == day and s.end - s.start == timedelta(minutes=30) for s in slots)
    assert slots[0].id == clinic.slot("okafor", day, 9)


async def test_free_slots_part_of_day_and_any_provider(connector: FhirConnector, clinic: Clinic) -> None:
    first, last = clinic.days
    afternoon = (
        await connector.list_free_slots(
            ListFreeSlots(start_date=first, end_date=last, part_of_day="afternoon", limit=50)
        )
    ).slots
    assert afternoon and all(s.start.astimezone(TZ).hour >= 12 for s in afternoon)
    assert {s.provider_id for s in afternoon} == set(clinic.practitioners.values())
    morning = (
        await connector.list_free_slots(
            ListFreeSlots(
                provider_id=clinic.practitioners["patel"],
                start_date=first,
                end_date=first,
                part_of_day="morning",
                limit=3,
            )
        )
    ).slots
    assert [s.start.time() for s in morning] == [time(9), time(9, 30), time(10)]


async def test_past_free_slots_are_never_offered(connector: FhirConnector, clinic: Clinic) -> None:
    today = datetime.now(TZ).date()
    slots = (
        await connector.list_free_slots(
            ListFreeSlots(start_date=today - timedelta(days=1), end_date=clinic.days[0], limit=50)
        )
    ).slots
    assert clinic.past_slot not in {s.id for s in slots}
    assert all(s.start > datetime.now(TZ) for s in slots)


async def test_provider_by_spoken_name(connector: FhirConnector, clinic: Clinic) -> None:
    day = clinic.days[0]
    slots = (
        await connector.list_free_slots(ListFreeSlots(provider_id="Dr. Patel", start_date=day, end_date=day))
    ).slots
    assert slots and {s.provider_id for s in slots} == {clinic.practitioners["patel"]}


@pytest.mark.parametrize("provider", ["no-such-practitioner", "Dr. Nobody", "../Patient"])
async def test_unknown_provider_is_not_found(connector: FhirConnector, clinic: Clinic, provider: str) -> None:
    day = clinic.days[0]
    with pytest.raises(NotFound):
        await connector.list_free_slots(ListFreeSlots(provider_id=provider, start_date=day, end_date=day))


async def test_bad_date_ranges_are_rejected(connector: FhirConnector, clinic: Clinic) -> None:
    first, last = clinic.days
    with pytest.raises(Rejected, match="before the start"):
        await connector.list_free_slots(ListFreeSlots(start_date=last, end_date=first))
    long_ago = datetime.now(TZ).date() - timedelta(days=30)
    with pytest.raises(Rejected, match="passed"):
        await connector.list_free_slots(
            ListFreeSlots(start_date=long_ago, end_date=long_ago + timedelta(days=1))
        )
    with pytest.raises(Rejected):
        await connector.list_free_slots(ListFreeSlots(start_date=first, end_date=first + timedelta(days=400)))
