"""An EMR over FHIR R4 (Epic, Cerner, athena ...): patients, practitioners, slots, appointments.

Booking is the portable R4 pattern: one transaction Bundle that creates the Appointment (status
booked, the slot, Patient + Practitioner participants) and puts the Slot back as busy with
`If-Match` on the version we read, so a slot taken meanwhile fails the whole Bundle with 412 and
nothing is half-written. Cancelling and rescheduling are single transactions the same way.

Idempotency: a booking carries the runtime's key as an Appointment identifier
(`urn:frontdesk:idempotency`); every write first searches for it, so a retry after a timeout finds
what the first attempt did instead of acting twice.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from connectors.appointment_book import AppointmentBookConnector, in_part_of_day
from connectors.base import (
    AddNote,
    Appointment,
    Appointments,
    BookAppointment,
    CancelAppointment,
    Capability,
    Conflict,
    CreateTask,
    FindPeopleByDob,
    FindPersonByNameDob,
    FindPersonByPhone,
    GetAppointment,
    ListAppointments,
    ListFreeSlots,
    ListProviders,
    Note,
    NotFound,
    OpenTicket,
    People,
    Person,
    Provider,
    Providers,
    Rejected,
    RescheduleAppointment,
    Slot,
    Slots,
    Task,
    Ticket,
)
from connectors.fhir.auth import TokenSource
from connectors.fhir.client import ID_PATTERN, FhirClient, Versioned, check_id
from connectors.fhir.mapping import (
    CANCEL_IDEMPOTENCY_SYSTEM,
    IDEMPOTENCY_SYSTEM,
    appointment_resource,
    identifier_value,
    key_token,
    name_matches,
    participant_id,
    phone_spellings,
    reference_id,
    slot_span,
    to_appointment,
    to_person,
    to_provider,
    to_slot,
)
from connectors.fhir.record_keeping import communication_resource, key_search, task_resource
from connectors.phones import normalize_phone, phone_or_none
from connectors.resilience import ResiliencePolicy

MAX_RANGE_DAYS = 92
PAGE = "200"


def _put(resource: Resource, version: Versioned[Any]) -> dict[str, Any]:
    body = resource.model_dump(mode="json", exclude_none=True)
    body.pop("meta", None)  # the server assigns the next version
    name = resource.get_resource_type()
    request = {"method": "PUT", "url": f"{name}/{resource.id}"}
    if version.if_match:
        request["ifMatch"] = version.if_match
    return {"resource": body, "request": request}


def _create(resource: dict[str, Any]) -> dict[str, Any]:
    request = {"method": "POST", "url": resource["resourceType"]}
    return {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": resource, "request": request}


def _name_tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^\w]+", text.casefold()) if t and t not in {"dr", "doctor", "md"}}


class FhirConnector(AppointmentBookConnector):
    name = "fhir"
    # The after-call summary (Communication) and follow-ups (Task): the gateway's, not the agent's.
    record_keeping = frozenset({Capability.ADD_NOTE, Capability.OPEN_TICKET, Capability.CREATE_TASK})

    def __init__(
        self,
        base_url: str,
        *,
        auth: TokenSource | None,
        timezone: str | ZoneInfo,
        policy: ResiliencePolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
        phone_region: str = "US",
    ) -> None:
        policy = policy or ResiliencePolicy(timeout_s=10.0)
        super().__init__("fhir", timezone=timezone, policy=policy, clock=clock, phone_region=phone_region)
        self.client = FhirClient(base_url, auth, timeout_s=policy.timeout_s, transport=transport)
        self._providers: dict[str, Provider] = {}  # names rarely change; read once per process
        self._schedule_actor: dict[str, str | None] = {}  # Schedule id -> Practitioner id

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- people ----------------------------------------------------------------------------------

    async def find_person_by_phone(self, req: FindPersonByPhone) -> People:
        e164 = normalize_phone(req.phone, self._region)

        async def go() -> People:
            spellings = ",".join(phone_spellings(e164, self._region))
            found = await self.client.search("Patient", [("phone", spellings), ("_count", PAGE)])
            people = [
                to_person(p, self._region)
                for p in found
                if isinstance(p, Patient)
                and any(
                    t.system == "phone" and phone_or_none(t.value, self._region) == e164
                    for t in p.telecom or []
                )
            ]
            if not people:
                raise NotFound(
                    "I couldn't find anyone with that phone number.", detail=f"no Patient with {e164}"
                )
            return People(people=people)

        return await self._read("find_person_by_phone", go)

    async def find_person_by_name_dob(self, req: FindPersonByNameDob) -> People:
        async def go() -> People:
            params = [
                ("family", req.last_name.strip()),
                ("given", req.first_name.strip()),
                ("birthdate", req.date_of_birth.isoformat()),
                ("_count", PAGE),
            ]
            found = await self.client.search("Patient", params)

            def matching(found: list[Resource]) -> list[Person]:
                return [
                    to_person(p, self._region)
                    for p in found
                    if isinstance(p, Patient)
                    and p.birthDate == req.date_of_birth
                    and name_matches(p, req.first_name, req.last_name)
                ]

            people = matching(found)
            if not people:
                # "OBrien" for O'Brien, "Jose" for José: the server's string match may differ
                # from ours, so look at everyone born that day and compare folded names.
                people = matching(await self._born_on(req.date_of_birth))
            if not people:
                raise NotFound(
                    "I couldn't find a patient with that name and date of birth.",
                    detail="no Patient matches name + birthdate",  # no PHI in logs
                )
            return People(people=people)

        return await self._read("find_person_by_name_dob", go)

    async def find_people_by_dob(self, req: FindPeopleByDob) -> People:
        async def go() -> People:
            found = await self._born_on(req.date_of_birth)
            people = [
                to_person(p, self._region)
                for p in found
                if isinstance(p, Patient) and p.birthDate == req.date_of_birth
            ]
            if not people:
                raise NotFound(
                    "I couldn't find a patient with that date of birth.",
                    detail="no Patient with that birthdate",  # no PHI in logs
                )
            return People(people=people)

        return await self._read("find_people_by_dob", go)

    async def _born_on(self, day: date) -> list[Resource]:
        """Every Patient the server finds born on `day` (names compared by the caller, folded)."""
        return await self.client.search("Patient", [("birthdate", day.isoformat()), ("_count", PAGE)])

    async def _patient(self, person_id: str) -> Patient:
        try:
            return (await self.client.read(Patient, check_id(person_id, "patient"))).resource
        except NotFound as exc:
            raise NotFound("I couldn't find that patient record.", detail=exc.detail) from exc

    # -- providers -------------------------------------------------------------------------------

    async def _all_providers(self) -> list[Provider]:
        found = await self.client.search("Practitioner", [("_count", PAGE)])
        providers = [to_provider(p) for p in found if isinstance(p, Practitioner) and p.active is not False]
        self._providers.update({p.id: p for p in providers})
        return sorted(providers, key=lambda p: p.name)

    async def list_providers(self, req: ListProviders) -> Providers:
        return await self._read("list_providers", lambda: self._with_providers())

    async def _with_providers(self) -> Providers:
        return Providers(providers=await self._all_providers())

    async def _provider(self, provider_id: str) -> Provider:
        """A provider by id; a caller's spoken name ("Dr. Patel") is accepted when unique."""
        if provider_id in self._providers:
            return self._providers[provider_id]
        if ID_PATTERN.match(provider_id):
            try:
                practitioner = (await self.client.read(Practitioner, provider_id)).resource
                provider = to_provider(practitioner)
                self._providers[provider.id] = provider
                return provider
            except NotFound:
                pass
        wanted = _name_tokens(provider_id)
        matches: list[Provider] = []
        if wanted:
            # Ask the server for the longest word (FHIR `name` is a prefix match on any part),
            # then require every spoken word to be part of the name.
            found = await self.client.search(
                "Practitioner", [("name", max(wanted, key=len)), ("_count", PAGE)]
            )
            candidates = [
                to_provider(p) for p in found if isinstance(p, Practitioner) and p.active is not False
            ]
            matches = [p for p in candidates if wanted <= _name_tokens(p.name)]
        if len(matches) == 1:
            return matches[0]
        raise NotFound(
            "I couldn't find that provider.",
            detail=f"unknown provider {provider_id!r} ({len(matches)} name matches)",
        )

    async def _practitioner_of(self, schedule_ref: str | None) -> str:
        schedule_id = reference_id(schedule_ref, "Schedule")
        if schedule_id is None:
            raise Rejected("That time slot has no schedule.", detail=f"slot schedule {schedule_ref!r}")
        if schedule_id not in self._schedule_actor:
            schedule = (await self.client.read(Schedule, schedule_id)).resource
            self._remember_schedule(schedule)
        practitioner_id = self._schedule_actor[schedule_id]
        if practitioner_id is None:
            raise Rejected("That time slot is not with a provider.", detail=f"Schedule/{schedule_id}")
        return practitioner_id

    def _remember_schedule(self, schedule: Schedule) -> None:
        actors = [reference_id(a.reference, "Practitioner") for a in schedule.actor or []]
        self._schedule_actor[str(schedule.id)] = next((a for a in actors if a), None)

    # -- slots -----------------------------------------------------------------------------------

    def _window(self, start: date, end: date) -> tuple[datetime, datetime]:
        if end < start:
            raise Rejected("The end date is before the start date.", detail=f"{start} > {end}")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise Rejected("Please pick a shorter date range.", detail=f"{start}..{end}")
        now = self.now()
        if end < now.date():
            raise Rejected("Those dates have already passed.", detail=f"{end} < {now.date()}")
        first = datetime.combine(start, time(0), tzinfo=self.tz)
        return max(first, now), datetime.combine(end + timedelta(days=1), time(0), tzinfo=self.tz)

    async def list_free_slots(self, req: ListFreeSlots) -> Slots:
        lo, hi = self._window(req.start_date, req.end_date)

        async def go() -> Slots:
            params = [
                ("status", "free"),
                ("start", f"ge{lo.isoformat(timespec='seconds')}"),
                ("start", f"lt{hi.isoformat(timespec='seconds')}"),
                ("_include", "Slot:schedule"),
                ("_sort", "start"),
                ("_count", PAGE),
            ]
            if req.provider_id is not None:
                provider = await self._provider(req.provider_id)
                params.append(("schedule.actor", f"Practitioner/{provider.id}"))
            found = await self.client.search("Slot", params)
            for schedule in found:
                if isinstance(schedule, Schedule):
                    self._remember_schedule(schedule)
            slots: list[Slot] = []
            # A Slot without a start is invalid R4B: skipped like any invalid search entry.
            timed = [(s.start, s) for s in found if isinstance(s, FhirSlot) and s.start is not None]
            for start, slot in sorted(timed, key=lambda pair: pair[0]):
                local = start.astimezone(self.tz)
                if (
                    slot.status != "free"
                    or not lo <= local < hi
                    or not in_part_of_day(local, req.part_of_day)
                ):
                    continue
                try:
                    provider = await self._provider(await self._practitioner_of(slot.schedule.reference))
                except (Rejected, NotFound):
                    continue  # a slot of a room or device, or of a practitioner we cannot read
                slots.append(to_slot(slot, provider, self.tz))
                if len(slots) >= req.limit:
                    break
            return Slots(slots=slots)

        return await self._read("list_free_slots", go)

    async def _bookable_slot(self, slot_id: str) -> tuple[Versioned[FhirSlot], Provider]:
        try:
            slot = await self.client.read(FhirSlot, check_id(slot_id, "time slot"))
        except NotFound as exc:
            raise NotFound("I couldn't find that time slot.", detail=exc.detail) from exc
        start, _ = slot_span(slot.resource)
        if start <= self.now():
            raise Rejected("That time has already passed.", detail=f"Slot/{slot_id} starts {start}")
        if slot.resource.status != "free":
            raise Conflict(
                "Sorry, that time is already taken.", detail=f"Slot/{slot_id} is {slot.resource.status}"
            )
        provider = await self._provider(await self._practitioner_of(slot.resource.schedule.reference))
        return slot, provider

    # -- appointments ----------------------------------------------------------------------------

    async def _to_record(self, appointment: FhirAppointment) -> Appointment:
        names: dict[str, str] = {}
        practitioner_id = participant_id(appointment, "Practitioner")
        if practitioner_id:
            try:
                names[practitioner_id] = (await self._provider(practitioner_id)).name
            except NotFound:
                display = next((p.actor.display for p in appointment.participant if p.actor), None)
                names[practitioner_id] = display or practitioner_id
        return to_appointment(appointment, names, self.tz)

    async def _by_key(self, key: str, system: str = IDEMPOTENCY_SYSTEM) -> FhirAppointment | None:
        found = await self.client.search("Appointment", [("identifier", f"{system}|{key_token(key)}")])
        return next((a for a in found if isinstance(a, FhirAppointment)), None)

    async def _replay_booking(
        self, key: str, slot_id: str, person_id: str | None = None
    ) -> Appointment | None:
        """What an earlier attempt of this booking (or rescheduling) created under `key`; None when
        there was none, `Rejected` when the key was used for a different one."""
        prior = await self._by_key(key)
        if prior is None:
            return None
        slots = [reference_id(s.reference, "Slot") for s in prior.slot or []]
        if slot_id not in slots or (person_id is not None and participant_id(prior, "Patient") != person_id):
            raise Rejected(
                "That request conflicts with an earlier one.",
                detail=f"idempotency key {key!r} reused for another booking",
            )
        return await self._to_record(prior)

    async def _appointment(self, appointment_id: str) -> Versioned[FhirAppointment]:
        try:
            return await self.client.read(FhirAppointment, check_id(appointment_id, "appointment"))
        except NotFound as exc:
            raise NotFound("I couldn't find that appointment.", detail=exc.detail) from exc

    async def list_appointments(self, req: ListAppointments) -> Appointments:
        async def go() -> Appointments:
            patient = await self._patient(req.person_id)
            params = [("patient", f"Patient/{patient.id}"), ("_sort", "date"), ("_count", PAGE)]
            now = self.now()
            if not req.include_past:
                params += [("date", f"gt{now.isoformat(timespec='seconds')}"), ("status", "booked")]
            found = [
                a for a in await self.client.search("Appointment", params) if isinstance(a, FhirAppointment)
            ]
            if not req.include_past:
                found = [a for a in found if a.status == "booked" and a.start and a.start > now]
            found.sort(key=lambda a: a.start or now)
            return Appointments(appointments=[await self._to_record(a) for a in found if a.start and a.end])

        return await self._read("list_appointments", go)

    async def get_appointment(self, req: GetAppointment) -> Appointment:
        async def go() -> Appointment:
            return await self._to_record((await self._appointment(req.appointment_id)).resource)

        return await self._read("get_appointment", go)

    async def book_appointment(self, req: BookAppointment) -> Appointment:
        def replay() -> Awaitable[Appointment | None]:
            return self._replay_booking(req.idempotency_key, req.slot_id, req.person_id)

        async def go() -> Appointment:
            if (prior := await replay()) is not None:
                return prior
            slot, provider = await self._bookable_slot(req.slot_id)
            patient = await self._patient(req.person_id)
            appointment = appointment_resource(
                slot=slot.resource,
                patient_id=str(patient.id),
                practitioner_id=provider.id,
                practitioner_name=provider.name,
                idempotency_key=req.idempotency_key,
                reason=req.reason,
                created=self.now(),
            )
            busy = slot.resource.model_copy(update={"status": "busy"})
            entries = [
                _create(appointment),
                _put(busy, slot),
            ]
            return await self._commit(entries, replay, f"slot {req.slot_id} taken")

        return await self._write("book_appointment", req.idempotency_key, go)

    async def _commit(
        self, entries: list[dict[str, Any]], replay: Callable[[], Awaitable[Appointment | None]], what: str
    ) -> Appointment:
        """Run a transaction whose first entry is the Appointment to return. On a version clash,
        a retry of this very request may have won meanwhile: then its result is ours."""
        try:
            response = await self.client.transaction(entries)
        except Conflict as exc:
            if (prior := await replay()) is not None:
                return prior
            raise Conflict("Sorry, that time was just taken.", detail=f"{what}: {exc.detail}") from exc
        first = response.entry[0] if response.entry else None
        resource = first.resource if first is not None else None
        if not isinstance(resource, FhirAppointment):
            location = first.response.location if first is not None and first.response else None
            appointment_id = reference_id(location, "Appointment") or ""
            resource = (await self._appointment(appointment_id)).resource
        return await self._to_record(resource)

    async def _cancellation(
        self, current: Versioned[FhirAppointment], key: str, reason: str
    ) -> list[dict[str, Any]]:
        """Entries that cancel `current` and give its slots back."""
        appointment: FhirAppointment = current.resource
        body = appointment.model_dump(mode="json", exclude_none=True)
        body["status"] = "cancelled"
        body["cancelationReason"] = {"text": reason}
        body["identifier"] = [
            *body.get("identifier", []),
            {"system": CANCEL_IDEMPOTENCY_SYSTEM, "value": key_token(key)},
        ]
        cancelled = FhirAppointment.model_validate(body)
        entries = [_put(cancelled, current)]
        for ref in appointment.slot or []:
            slot_id = reference_id(ref.reference, "Slot")
            if slot_id is None:
                continue
            try:
                slot = await self.client.read(FhirSlot, slot_id)
            except NotFound:
                continue  # the schedule was rebuilt: nothing to give back
            if slot.resource.status == "busy":
                entries.append(_put(slot.resource.model_copy(update={"status": "free"}), slot))
        return entries

    def _check_changeable(self, appointment: FhirAppointment) -> None:
        if appointment.status in ("cancelled", "entered-in-error"):
            raise Conflict("That appointment is already cancelled.", detail=f"Appointment/{appointment.id}")
        if appointment.status != "booked":
            raise Rejected(
                "That appointment can't be changed anymore.",
                detail=f"Appointment/{appointment.id} is {appointment.status}",
            )
        if appointment.start is not None and appointment.start <= self.now():
            raise Rejected(
                "That appointment has already taken place.", detail=f"Appointment/{appointment.id}"
            )

    async def cancel_appointment(self, req: CancelAppointment) -> Appointment:
        key = req.idempotency_key

        async def replay() -> Appointment | None:
            current = (await self._appointment(req.appointment_id)).resource
            if identifier_value(current, CANCEL_IDEMPOTENCY_SYSTEM) == key_token(key):
                return await self._to_record(current)
            return None

        async def go() -> Appointment:
            current = await self._appointment(req.appointment_id)
            if identifier_value(current.resource, CANCEL_IDEMPOTENCY_SYSTEM) == key_token(key):
                return await self._to_record(current.resource)
            self._check_changeable(current.resource)
            entries = await self._cancellation(current, key, req.reason or "Cancelled by the patient")
            try:
                return await self._commit(entries, replay, f"appointment {req.appointment_id} changed")
            except Conflict as exc:
                raise Conflict(
                    "That appointment was changed by someone else just now.", detail=exc.detail
                ) from exc

        return await self._write("cancel_appointment", key, go)

    async def reschedule_appointment(self, req: RescheduleAppointment) -> Appointment:
        """Book the new slot and cancel the old appointment in one transaction: the caller ends
        up with exactly one of the two, never both and never neither."""
        key = req.idempotency_key

        def replay() -> Awaitable[Appointment | None]:
            return self._replay_booking(key, req.new_slot_id)

        async def go() -> Appointment:
            if (prior := await replay()) is not None:
                return prior
            current = await self._appointment(req.appointment_id)
            old: FhirAppointment = current.resource
            self._check_changeable(old)
            if req.new_slot_id in [reference_id(s.reference, "Slot") for s in old.slot or []]:
                raise Rejected("The appointment is already at that time.", detail=f"Appointment/{old.id}")
            slot, provider = await self._bookable_slot(req.new_slot_id)
            patient_id = participant_id(old, "Patient")
            if patient_id is None:
                raise Rejected("That appointment has no patient on record.", detail=f"Appointment/{old.id}")
            appointment = appointment_resource(
                slot=slot.resource,
                patient_id=patient_id,
                practitioner_id=provider.id,
                practitioner_name=provider.name,
                idempotency_key=key,
                reason=old.description,
                created=self.now(),
            )
            appointment["supportingInformation"] = [{"reference": f"Appointment/{old.id}"}]
            entries = [
                _create(appointment),
                _put(slot.resource.model_copy(update={"status": "busy"}), slot),
                *await self._cancellation(current, key, "Rescheduled"),
            ]
            return await self._commit(entries, replay, f"slot {req.new_slot_id} or {old.id} changed")

        return await self._write("reschedule_appointment", key, go)

    # -- record keeping (after-call work; not tools of the agent) ------------------------------

    async def _record(self, operation: str, key: str, resource: dict[str, Any]) -> str:
        """Create `resource` once under `key`: what an earlier attempt wrote is returned instead."""
        kind = str(resource["resourceType"])

        async def go() -> str:
            found = await self.client.search(kind, key_search(key))
            if found and found[0].id:
                return str(found[0].id)
            response = await self.client.transaction([_create(resource)])
            first = response.entry[0] if response.entry else None
            if first is not None and first.resource is not None and first.resource.id:
                return str(first.resource.id)
            location = first.response.location if first is not None and first.response else None
            made = reference_id(location.split("/_history")[0] if location else None, kind)
            if not made:
                raise Rejected("The record could not be stored.", detail=f"{kind}: no id in the answer")
            return made

        return await self._write(operation, key, go)

    async def _patient_id(self, contact_id: str | None) -> str | None:
        if contact_id is None:
            return None
        return str((await self._read("read_patient", lambda: self._patient(contact_id))).id)

    async def add_note(self, req: AddNote) -> Note:
        patient_id = await self._patient_id(req.contact_id)
        assert patient_id is not None
        resource = communication_resource(patient_id, req.body, req.idempotency_key, self.now())
        made = await self._record("add_communication", req.idempotency_key, resource)
        return Note(id=made, contact_id=patient_id, body=req.body)

    async def open_ticket(self, req: OpenTicket) -> Ticket:
        patient_id = await self._patient_id(req.contact_id)
        resource = task_resource(patient_id, req.subject, req.body, req.idempotency_key, self.now(), None)
        made = await self._record("open_task", req.idempotency_key, resource)
        return Ticket(id=made, contact_id=patient_id, subject=req.subject, status="requested")

    async def create_task(self, req: CreateTask) -> Task:
        patient_id = await self._patient_id(req.contact_id)
        resource = task_resource(patient_id, req.subject, req.body, req.idempotency_key, self.now(), req.due)
        made = await self._record("create_task", req.idempotency_key, resource)
        return Task(id=made, contact_id=patient_id, subject=req.subject, status="requested", due=req.due)
