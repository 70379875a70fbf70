"""`DemoConnector`: the appointment and person capabilities of `connectors.base`, served from the
demo practice's tables in the project's own database (SQLite or PostgreSQL).

Writes are single transactions whose first statement is the write itself (so SQLite takes its
writer lock at once and the partial unique index decides races), and each stores its result under
the idempotency key in the same transaction: a retried write returns the first result, and a
write either happened completely or not at all.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from connectors.appointment_book import AppointmentBookConnector, in_part_of_day
from connectors.base import (
    Appointment,
    Appointments,
    BookAppointment,
    CancelAppointment,
    Conflict,
    FindPeopleByDob,
    FindPersonByNameDob,
    FindPersonByPhone,
    GetAppointment,
    ListAppointments,
    ListFreeSlots,
    ListProviders,
    NotFound,
    People,
    Person,
    Provider,
    Providers,
    Rejected,
    RescheduleAppointment,
    Slot,
    Slots,
    Unavailable,
    WriteRequest,
)
from connectors.demo.models import DemoAppointment, DemoIdempotency, DemoPatient, DemoProvider
from connectors.demo.schedule import WorkingHours, make_slot_id, parse_slot_id
from connectors.demo.seed import name_key
from connectors.phones import normalize_phone
from connectors.resilience import ResiliencePolicy

T = TypeVar("T")

_TITLE = re.compile(r"^\s*(dr\.?|doctor)\s+", re.IGNORECASE)


def _utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _fingerprint(operation: str, req: WriteRequest) -> str:
    body = req.model_dump(mode="json", exclude={"idempotency_key"})
    return hashlib.sha256(json.dumps([operation, body], sort_keys=True).encode()).hexdigest()


class DemoConnector(AppointmentBookConnector):
    name = "demo"

    def __init__(
        self,
        db: AsyncEngine | async_sessionmaker[AsyncSession],
        timezone: str | ZoneInfo,
        *,
        hours: WorkingHours | None = None,
        policy: ResiliencePolicy | None = None,
        clock: Callable[[], datetime] | None = None,
        phone_region: str = "US",
    ) -> None:
        super().__init__("demo", timezone=timezone, policy=policy, clock=clock, phone_region=phone_region)
        self._sessions = (
            db if isinstance(db, async_sessionmaker) else async_sessionmaker(db, expire_on_commit=False)
        )
        self.hours = hours or WorkingHours()

    # -- plumbing --------------------------------------------------------------------------------

    async def _translate_errors(self, fn: Callable[[], Awaitable[T]]) -> T:
        try:
            return await fn()
        except DataError as exc:
            raise Rejected("The records system did not accept that.", detail=repr(exc)) from exc
        except IntegrityError as exc:
            raise Conflict("That was changed by someone else just now.", detail=repr(exc)) from exc
        except SQLAlchemyError as exc:
            # Locked, unreachable, or the demo tables missing: nothing the caller can fix.
            raise Unavailable("I can't reach our appointment book right now.", detail=repr(exc)) from exc

    def _local(self, utc_naive: datetime) -> datetime:
        return utc_naive.replace(tzinfo=UTC).astimezone(self.tz)

    def _appointment(self, row: DemoAppointment, provider_name: str) -> Appointment:
        return Appointment(
            id=row.id,
            person_id=row.patient_id,
            provider_id=row.provider_id,
            provider_name=provider_name,
            start=self._local(row.start_utc),
            end=self._local(row.end_utc),
            status=row.status,
            reason=row.reason,
        )

    async def _provider(self, s: AsyncSession, provider_id: str) -> DemoProvider:
        provider = await s.get(DemoProvider, provider_id)
        if provider is None:
            provider = await self._provider_by_name(s, provider_id)
        if provider is None:
            raise NotFound(
                "I don't have a provider by that name.", detail=f"unknown provider {provider_id!r}"
            )
        return provider

    @staticmethod
    async def _provider_by_name(s: AsyncSession, spoken: str) -> DemoProvider | None:
        """A model or planner may pass the name it heard ("Dr. Chen", "marcus chen") instead of
        the id; accept it when exactly one provider matches."""
        wanted = name_key(_TITLE.sub("", spoken))
        if not wanted:
            return None
        matches = []
        for provider in (await s.execute(select(DemoProvider))).scalars():
            bare = _TITLE.sub("", provider.name)
            if wanted in {name_key(bare), name_key(bare.split()[-1]), name_key(provider.name)}:
                matches.append(provider)
        return matches[0] if len(matches) == 1 else None

    async def _patient(self, s: AsyncSession, person_id: str) -> DemoPatient:
        patient = await s.get(DemoPatient, person_id)
        if patient is None:
            raise NotFound("I couldn't find that patient record.", detail=f"unknown patient {person_id!r}")
        return patient

    async def _booked_appointment(self, s: AsyncSession, appointment_id: str) -> DemoAppointment:
        row = await s.get(DemoAppointment, appointment_id)
        if row is None:
            raise NotFound(
                "I couldn't find that appointment.", detail=f"unknown appointment {appointment_id!r}"
            )
        if row.status != "booked":
            raise Conflict(
                "That appointment is already cancelled.", detail=f"{appointment_id} is {row.status}"
            )
        if self._local(row.start_utc) <= self.now():
            raise Rejected("That appointment has already taken place.", detail=f"{appointment_id} is past")
        return row

    async def _replay(self, key: str, operation: str, fingerprint: str) -> Appointment | None:
        async with self._sessions() as s:
            prior = await s.get(DemoIdempotency, key)
        if prior is None:
            return None
        if prior.operation != operation or prior.fingerprint != fingerprint:
            raise Rejected(
                "That request conflicts with an earlier one.",
                detail=f"idempotency key {key!r} reused for a different {operation} request",
            )
        return Appointment.model_validate(prior.result)

    def _receipt(self, key: str, operation: str, fingerprint: str, result: Appointment) -> DemoIdempotency:
        return DemoIdempotency(
            key=key,
            operation=operation,
            fingerprint=fingerprint,
            result=result.model_dump(mode="json"),
            created_utc=_utc_naive(self.now()),
        )

    async def _bookable_slot(self, s: AsyncSession, slot_id: str) -> tuple[DemoProvider, datetime]:
        provider_id, start = parse_slot_id(slot_id, self.tz)
        provider = await self._provider(s, provider_id)
        self.hours.check_bookable(start, self.now())
        return provider, start

    # -- people ----------------------------------------------------------------------------------

    @staticmethod
    def _person(row: DemoPatient) -> Person:
        return Person(
            id=row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            date_of_birth=row.date_of_birth,
            phone=row.phone,
            email=row.email,
        )

    async def find_person_by_phone(self, req: FindPersonByPhone) -> People:
        phone = normalize_phone(req.phone, self._region)
        missing = NotFound(
            "I couldn't find anyone with that phone number.", detail=f"no patient with {phone}"
        )
        return await self._people("find_person_by_phone", [DemoPatient.phone == phone], missing)

    async def find_person_by_name_dob(self, req: FindPersonByNameDob) -> People:
        where = [
            DemoPatient.first_name_key == name_key(req.first_name),
            DemoPatient.last_name_key == name_key(req.last_name),
            DemoPatient.date_of_birth == req.date_of_birth,
        ]
        missing = NotFound("I couldn't find a patient with that name and date of birth.")
        return await self._people("find_person_by_name_dob", where, missing)

    async def find_people_by_dob(self, req: FindPeopleByDob) -> People:
        missing = NotFound("I couldn't find a patient with that date of birth.")
        return await self._people(
            "find_people_by_dob", [DemoPatient.date_of_birth == req.date_of_birth], missing
        )

    async def _people(self, operation: str, where: list[ColumnElement[bool]], missing: NotFound) -> People:
        """The patients matching every condition, in id order; `missing` when there are none."""

        async def go() -> People:
            async with self._sessions() as s:
                rows = (await s.execute(select(DemoPatient).where(*where).order_by(DemoPatient.id))).scalars()
                people = [self._person(r) for r in rows]
            if not people:
                raise missing
            return People(people=people)

        return await self._read(operation, go)

    # -- schedule --------------------------------------------------------------------------------

    async def list_providers(self, req: ListProviders) -> Providers:
        async def go() -> Providers:
            async with self._sessions() as s:
                rows = (await s.execute(select(DemoProvider).order_by(DemoProvider.name))).scalars()
                return Providers(
                    providers=[Provider(id=r.id, name=r.name, specialty=r.specialty) for r in rows]
                )

        return await self._read("list_providers", go)

    async def list_free_slots(self, req: ListFreeSlots) -> Slots:
        if req.end_date < req.start_date:
            raise Rejected(
                "The end of that date range is before its start.",
                detail=f"{req.end_date} < {req.start_date}",
            )

        async def go() -> Slots:
            now = self.now()
            first = max(req.start_date, now.date())
            last = min(req.end_date, self.hours.last_day(now.date()))
            async with self._sessions() as s:
                if req.provider_id is not None:
                    providers = [await self._provider(s, req.provider_id)]
                else:
                    providers = list(
                        (await s.execute(select(DemoProvider).order_by(DemoProvider.id))).scalars()
                    )
                if first > last:
                    return Slots(slots=[])
                taken = set(
                    (
                        await s.execute(
                            select(DemoAppointment.provider_id, DemoAppointment.start_utc).where(
                                DemoAppointment.status == "booked",
                                DemoAppointment.start_utc >= self._day_bound_utc(first),
                                DemoAppointment.start_utc < self._day_bound_utc(last + timedelta(days=1)),
                            )
                        )
                    ).tuples()
                )
            return Slots(slots=self._free(providers, first, last, now, req, taken))

        return await self._read("list_free_slots", go)

    def _day_bound_utc(self, day: date) -> datetime:
        return _utc_naive(datetime.combine(day, time(0, 0), tzinfo=self.tz))

    def _free(
        self,
        providers: list[DemoProvider],
        first: date,
        last: date,
        now: datetime,
        req: ListFreeSlots,
        taken: set[tuple[str, datetime]],
    ) -> list[Slot]:
        out: list[Slot] = []
        day = first
        while day <= last:
            for start in self.hours.starts_on(day, self.tz):
                if start <= now or not in_part_of_day(start, req.part_of_day):
                    continue
                for p in providers:
                    if (p.id, _utc_naive(start)) in taken:
                        continue
                    end = start + self.hours.slot_length
                    out.append(
                        Slot(
                            id=make_slot_id(p.id, start),
                            provider_id=p.id,
                            provider_name=p.name,
                            start=start,
                            end=end,
                        )
                    )
                    if len(out) >= req.limit:
                        return out
            day += timedelta(days=1)
        return out

    # -- appointments ----------------------------------------------------------------------------

    async def _provider_names(self, s: AsyncSession) -> dict[str, str]:
        rows = (await s.execute(select(DemoProvider.id, DemoProvider.name))).tuples()
        return {provider_id: name for provider_id, name in rows}

    async def list_appointments(self, req: ListAppointments) -> Appointments:
        async def go() -> Appointments:
            async with self._sessions() as s:
                await self._patient(s, req.person_id)
                query = select(DemoAppointment).where(DemoAppointment.patient_id == req.person_id)
                if not req.include_past:
                    query = query.where(
                        DemoAppointment.status == "booked", DemoAppointment.start_utc > _utc_naive(self.now())
                    )
                rows = list((await s.execute(query.order_by(DemoAppointment.start_utc))).scalars())
                names = await self._provider_names(s)
            return Appointments(
                appointments=[self._appointment(r, names.get(r.provider_id, r.provider_id)) for r in rows]
            )

        return await self._read("list_appointments", go)

    async def get_appointment(self, req: GetAppointment) -> Appointment:
        async def go() -> Appointment:
            async with self._sessions() as s:
                row = await s.get(DemoAppointment, req.appointment_id)
                if row is None:
                    raise NotFound(
                        "I couldn't find that appointment.", detail=f"unknown {req.appointment_id!r}"
                    )
                provider = await self._provider(s, row.provider_id)
                return self._appointment(row, provider.name)

        return await self._read("get_appointment", go)

    async def book_appointment(self, req: BookAppointment) -> Appointment:
        op, fp = "book_appointment", _fingerprint("book_appointment", req)

        async def go() -> Appointment:
            if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                return prior
            async with self._sessions() as s:
                provider, start = await self._bookable_slot(s, req.slot_id)
                await self._patient(s, req.person_id)
            stamp = _utc_naive(self.now())
            row = DemoAppointment(
                id=f"appt-{uuid.uuid4().hex[:12]}",
                patient_id=req.person_id,
                provider_id=provider.id,
                start_utc=_utc_naive(start),
                end_utc=_utc_naive(start + self.hours.slot_length),
                status="booked",
                reason=req.reason,
                created_utc=stamp,
                updated_utc=stamp,
            )
            result = self._appointment(row, provider.name)
            try:
                async with self._sessions() as s, s.begin():
                    s.add(row)
                    await s.flush()  # the insert first: the unique index settles any race here
                    s.add(self._receipt(req.idempotency_key, op, fp, result))
            except IntegrityError as exc:
                if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                    return prior  # a concurrent retry of this very request won
                raise Conflict(
                    "Sorry, that time was just taken.", detail=f"slot {req.slot_id} taken"
                ) from exc
            return result

        return await self._write(op, req.idempotency_key, go)

    async def reschedule_appointment(self, req: RescheduleAppointment) -> Appointment:
        op, fp = "reschedule_appointment", _fingerprint("reschedule_appointment", req)

        async def go() -> Appointment:
            if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                return prior
            async with self._sessions() as s:
                row = await self._booked_appointment(s, req.appointment_id)
                provider, start = await self._bookable_slot(s, req.new_slot_id)
            new_start = _utc_naive(start)
            if row.provider_id == provider.id and row.start_utc == new_start:
                raise Rejected(
                    "The appointment is already at that time.", detail=f"{row.id} already at {start}"
                )
            old_provider, old_start = row.provider_id, row.start_utc
            row.provider_id, row.start_utc = provider.id, new_start
            row.end_utc = _utc_naive(start + self.hours.slot_length)
            result = self._appointment(row, provider.name)
            try:
                async with self._sessions() as s, s.begin():
                    moved = await s.execute(
                        update(DemoAppointment)
                        .where(
                            DemoAppointment.id == row.id,
                            DemoAppointment.status == "booked",
                            DemoAppointment.provider_id == old_provider,
                            DemoAppointment.start_utc == old_start,
                        )
                        .values(
                            provider_id=provider.id,
                            start_utc=new_start,
                            end_utc=row.end_utc,
                            updated_utc=_utc_naive(self.now()),
                        )
                    )
                    if moved.rowcount != 1:  # type: ignore[attr-defined]
                        raise Conflict("That appointment was changed just now.", detail=f"{row.id} changed")
                    s.add(self._receipt(req.idempotency_key, op, fp, result))
            except IntegrityError as exc:
                if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                    return prior
                raise Conflict(
                    "Sorry, that time was just taken.", detail=f"slot {req.new_slot_id} taken"
                ) from exc
            except Conflict:
                if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                    return prior
                raise
            return result

        return await self._write(op, req.idempotency_key, go)

    async def cancel_appointment(self, req: CancelAppointment) -> Appointment:
        op, fp = "cancel_appointment", _fingerprint("cancel_appointment", req)

        async def go() -> Appointment:
            if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                return prior
            async with self._sessions() as s:
                row = await self._booked_appointment(s, req.appointment_id)
                provider = await self._provider(s, row.provider_id)
            row.status = "cancelled"
            result = self._appointment(row, provider.name)
            try:
                async with self._sessions() as s, s.begin():
                    done = await s.execute(
                        update(DemoAppointment)
                        .where(DemoAppointment.id == row.id, DemoAppointment.status == "booked")
                        .values(
                            status="cancelled", cancel_reason=req.reason, updated_utc=_utc_naive(self.now())
                        )
                    )
                    if done.rowcount != 1:  # type: ignore[attr-defined]
                        raise Conflict(
                            "That appointment is already cancelled.", detail=f"{row.id} not booked"
                        )
                    s.add(self._receipt(req.idempotency_key, op, fp, result))
            except (IntegrityError, Conflict):
                if (prior := await self._replay(req.idempotency_key, op, fp)) is not None:
                    return prior
                raise
            return result

        return await self._write(op, req.idempotency_key, go)
