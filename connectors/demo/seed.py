"""The fixed roster of "Riverside Family Clinic": providers, patients and a few booked visits.

Deterministic (scripts may rely on ids, names, dates of birth and phones) and idempotent: rows
that exist are left alone, so seeding twice, or on a later day, changes nothing already there.
Phone numbers are in the fictional 555-01xx range. Two patients share a family phone number on
purpose: a phone number alone does not identify a person.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.demo.models import DemoAppointment, DemoPatient, DemoProvider
from connectors.demo.schedule import WorkingHours

PRACTICE_NAME = "Riverside Family Clinic"

PROVIDERS: list[tuple[str, str, str]] = [
    ("dr-patel", "Dr. Priya Patel", "Family medicine"),
    ("dr-chen", "Dr. Marcus Chen", "Internal medicine"),
    ("dr-rodriguez", "Dr. Elena Rodriguez", "Pediatrics"),
]

# id, first name, last name, date of birth, phone (E.164), email
PATIENTS: list[tuple[str, str, str, date, str, str | None]] = [
    ("p-1001", "Sarah", "Johnson", date(1985, 3, 14), "+15035550101", "sarah.johnson@example.com"),
    ("p-1002", "Michael", "Brown", date(1972, 11, 2), "+15035550102", None),
    ("p-1003", "Emily", "Davis", date(1990, 7, 23), "+15035550103", "emily.davis@example.com"),
    ("p-1004", "James", "Wilson", date(1965, 1, 30), "+15035550104", None),
    ("p-1005", "Olivia", "Martinez", date(1998, 5, 9), "+15035550105", "olivia.m@example.com"),
    ("p-1006", "David", "Anderson", date(1958, 9, 17), "+15035550106", None),
    ("p-1007", "Sophia", "Taylor", date(2001, 12, 5), "+15035550107", None),
    ("p-1008", "Daniel", "Thomas", date(1979, 4, 21), "+15035550108", "dthomas@example.com"),
    ("p-1009", "Ava", "Hernandez", date(1993, 8, 11), "+15035550109", None),
    ("p-1010", "Matthew", "Moore", date(1969, 6, 28), "+15035550110", None),
    ("p-1011", "Isabella", "Jackson", date(1987, 2, 3), "+15035550111", "bella.j@example.com"),
    ("p-1012", "Maria", "Garcia", date(1982, 10, 19), "+15035550112", "maria.garcia@example.com"),
    ("p-1013", "Lucas", "Garcia", date(2015, 4, 8), "+15035550112", None),  # Maria's son
    ("p-1014", "Christopher", "Lee", date(1975, 7, 4), "+15035550114", None),
    ("p-1015", "Mia", "White", date(1996, 1, 25), "+15035550115", None),
    ("p-1016", "Andrew", "Harris", date(1961, 3, 6), "+15035550116", "a.harris@example.com"),
    ("p-1017", "Charlotte", "Clark", date(1989, 11, 15), "+15035550117", None),
    ("p-1018", "Joshua", "Lewis", date(2004, 9, 1), "+15035550118", None),
    ("p-1019", "Amelia", "Robinson", date(1977, 5, 27), "+15035550119", None),
    ("p-1020", "Ryan", "Walker", date(1992, 12, 12), "+15035550120", "ryan.walker@example.com"),
    ("p-1021", "Harper", "Young", date(1968, 8, 20), "+15035550121", None),
    ("p-1022", "Nathan", "Allen", date(1984, 6, 16), "+15035550122", None),
    ("p-1023", "José", "Ramírez", date(1959, 2, 14), "+15035550123", None),
    ("p-1024", "Siobhan", "O'Connor", date(1994, 10, 31), "+15035550124", "siobhan.oc@example.com"),
]

# id, patient id, provider id, business days after the seeding day, local start time, reason
APPOINTMENTS: list[tuple[str, str, str, int, time, str]] = [
    ("appt-seed-01", "p-1003", "dr-patel", 2, time(10, 0), "Annual check-up"),
    ("appt-seed-02", "p-1004", "dr-chen", 3, time(14, 30), "Blood pressure follow-up"),
    ("appt-seed-03", "p-1013", "dr-rodriguez", 5, time(9, 30), "School vaccination"),
]


def name_key(name: str) -> str:
    """Fold case, accents and punctuation: "José", "JOSE" and "jose" compare equal, as do
    "O'Connor" and "OConnor" (speech-to-text rarely keeps apostrophes)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def add_business_days(day: date, n: int, hours: WorkingHours) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() in hours.weekdays:
            n -= 1
    return day


@dataclass(frozen=True)
class SeedReport:
    providers_added: int
    patients_added: int
    appointments_added: int


async def seed_demo(
    session: AsyncSession, today: date, timezone: str | ZoneInfo, hours: WorkingHours | None = None
) -> SeedReport:
    """Insert whatever is missing of the demo practice; runs in the caller's transaction."""
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    hours = hours or WorkingHours()
    now_utc = datetime.now(tz).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    have = set((await session.execute(select(DemoProvider.id))).scalars())
    new_providers = [DemoProvider(id=i, name=n, specialty=s) for i, n, s in PROVIDERS if i not in have]
    session.add_all(new_providers)

    have = set((await session.execute(select(DemoPatient.id))).scalars())
    new_patients = [
        DemoPatient(
            id=pid,
            first_name=first,
            last_name=last,
            first_name_key=name_key(first),
            last_name_key=name_key(last),
            date_of_birth=dob,
            phone=phone,
            email=email,
        )
        for pid, first, last, dob, phone, email in PATIENTS
        if pid not in have
    ]
    session.add_all(new_patients)
    await session.flush()

    have = set((await session.execute(select(DemoAppointment.id))).scalars())
    added = 0
    for aid, patient_id, provider_id, days_ahead, at, reason in APPOINTMENTS:
        if aid in have:
            continue
        local = datetime.combine(add_business_days(today, days_ahead, hours), at, tzinfo=tz)
        start = local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        taken = await session.scalar(
            select(DemoAppointment.id).where(
                DemoAppointment.provider_id == provider_id,
                DemoAppointment.start_utc == start,
                DemoAppointment.status == "booked",
            )
        )
        if taken:
            continue  # someone booked that slot already; the demo doesn't need this visit
        session.add(
            DemoAppointment(
                id=aid,
                patient_id=patient_id,
                provider_id=provider_id,
                start_utc=start,
                end_utc=start + hours.slot_length,
                status="booked",
                reason=reason,
                created_utc=now_utc,
                updated_utc=now_utc,
            )
        )
        added += 1
    await session.flush()
    return SeedReport(len(new_providers), len(new_patients), added)
