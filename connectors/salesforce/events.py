"""Appointments as Salesforce Events, for orgs that keep their calendar there (optional: on when
an open-slot subject is configured).

The convention: staff publish bookable time as Events with that Subject (e.g. "Open slot") and
ShowAs "Free", owned by the provider (a user). Booking creates a second Event, the appointment
(same owner and times, WhoId the person, ShowAs "Busy"), upserted by the idempotency key like any
write, and carrying the slot's id in a unique custom field (`Frontdesk_Slot__c`). That unique
field is what makes a slot bookable once: Salesforce refuses a second appointment for the same
slot with DUPLICATE_VALUE, however many callers (or gateway replicas) try at the same moment.
A slot is free while no appointment names it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.appointment_book import in_part_of_day
from connectors.base import (
    Appointment,
    Appointments,
    BookAppointment,
    Conflict,
    ListAppointments,
    ListFreeSlots,
    ListProviders,
    NotFound,
    Provider,
    Providers,
    Rejected,
    Slot,
    Slots,
)
from connectors.salesforce.errors import Duplicate
from connectors.salesforce.mapping import USER_PREFIX, is_salesforce_id, person_type
from connectors.salesforce.query import soql_string

EVENT_PREFIX = "00U"
MAX_RANGE_DAYS = 62
SLOT_QUERY_LIMIT = 200

Read = Callable[[str, str, dict[str, str] | None], Awaitable[Any]]
Write = Callable[[str, str, str, dict[str, Any]], Awaitable[str]]


def soql_datetime(moment: datetime) -> str:
    """SOQL datetime literals are unquoted, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def soql_ids(ids: list[str]) -> str:
    return "(" + ", ".join(soql_string(i) for i in ids) + ")"


class EventBook:
    def __init__(
        self,
        *,
        read: Read,
        write: Write,
        slot_subject: str,
        slot_field: str,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
    ) -> None:
        if not slot_field.endswith("__c"):
            raise ValueError("the slot field must be a custom field's API name, e.g. Frontdesk_Slot__c")
        self._read = read
        self._write = write
        self._subject = slot_subject
        self._slot_field = slot_field
        self._tz = tz
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock().astimezone(self._tz)

    async def _query(self, operation: str, soql: str) -> list[dict[str, Any]]:
        body = await self._read(operation, "/query/", {"q": soql})
        return list(body.get("records", [])) if isinstance(body, dict) else []

    async def _user_names(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        users = [i for i in dict.fromkeys(ids) if is_salesforce_id(i) and i.startswith(USER_PREFIX)]
        if not users:
            return {}
        soql = f"SELECT Id, Name, Title FROM User WHERE Id IN {soql_ids(users)}"
        return {str(u["Id"]): u for u in await self._query("read_providers", soql)}

    def _open_slots_soql(self, start: datetime, end: datetime, provider_id: str | None) -> str:
        owner = f" AND OwnerId = {soql_string(provider_id)}" if provider_id else ""
        return (
            "SELECT Id, OwnerId, StartDateTime, EndDateTime FROM Event "
            f"WHERE Subject = {soql_string(self._subject)} AND ShowAs = 'Free' "
            f"AND StartDateTime >= {soql_datetime(start)} AND StartDateTime < {soql_datetime(end)}{owner} "
            f"ORDER BY StartDateTime LIMIT {SLOT_QUERY_LIMIT}"
        )

    async def list_providers(self, req: ListProviders) -> Providers:
        now = self._now()
        slots = await self._query("list_slots", self._open_slots_soql(now, now + timedelta(days=60), None))
        names = await self._user_names([str(s["OwnerId"]) for s in slots])
        return Providers(
            providers=[
                Provider(id=uid, name=str(u.get("Name") or uid), specialty=u.get("Title") or None)
                for uid, u in names.items()
            ]
        )

    async def list_free_slots(self, req: ListFreeSlots) -> Slots:
        if req.end_date < req.start_date:
            raise Rejected("The end date is before the start date.")
        if (req.end_date - req.start_date).days > MAX_RANGE_DAYS:
            raise Rejected(f"I can look at most {MAX_RANGE_DAYS} days ahead at once.")
        if req.provider_id and not (
            is_salesforce_id(req.provider_id) and req.provider_id.startswith(USER_PREFIX)
        ):
            raise NotFound("I couldn't find that provider.", detail=f"not a user id: {req.provider_id!r}")
        start = max(datetime.combine(req.start_date, time(0), self._tz), self._now())
        end = datetime.combine(req.end_date + timedelta(days=1), time(0), self._tz)
        if start >= end:
            return Slots(slots=[])
        candidates = await self._query("list_slots", self._open_slots_soql(start, end, req.provider_id))
        if candidates:
            ids = [str(c["Id"]) for c in candidates]
            taken_soql = f"SELECT {self._slot_field} FROM Event WHERE {self._slot_field} IN {soql_ids(ids)}"
            taken = {str(t.get(self._slot_field)) for t in await self._query("list_booked", taken_soql)}
            candidates = [c for c in candidates if str(c["Id"]) not in taken]
        names = await self._user_names([str(c["OwnerId"]) for c in candidates])
        slots = []
        for c in candidates:
            begins = parse_datetime(c["StartDateTime"]).astimezone(self._tz)
            if not in_part_of_day(begins, req.part_of_day):
                continue
            owner = str(c["OwnerId"])
            slots.append(
                Slot(
                    id=str(c["Id"]),
                    provider_id=owner,
                    provider_name=str(names.get(owner, {}).get("Name") or owner),
                    start=begins,
                    end=parse_datetime(c["EndDateTime"]).astimezone(self._tz),
                )
            )
            if len(slots) >= req.limit:
                break
        return Slots(slots=slots)

    async def book_appointment(self, req: BookAppointment) -> Appointment:
        person_type(req.person_id)
        if not (is_salesforce_id(req.slot_id) and req.slot_id.startswith(EVENT_PREFIX)):
            raise NotFound("I couldn't find that time slot.", detail=f"not an Event id: {req.slot_id!r}")
        fields = "Subject,ShowAs,OwnerId,StartDateTime,EndDateTime"
        slot = await self._read("read_slot", f"/sobjects/Event/{req.slot_id}", {"fields": fields})
        if not isinstance(slot, dict) or slot.get("Subject") != self._subject or slot.get("ShowAs") != "Free":
            raise NotFound("I couldn't find that time slot.", detail=f"{req.slot_id} is not an open slot")
        start = parse_datetime(slot["StartDateTime"]).astimezone(self._tz)
        if start <= self._now():
            raise Rejected("That time has already passed.")
        owner = str(slot["OwnerId"])
        appointment = {
            "Subject": "Appointment" + (f": {req.reason}" if req.reason else ""),
            "Description": req.reason,
            "ShowAs": "Busy",
            "OwnerId": owner,
            "WhoId": req.person_id,
            "StartDateTime": slot["StartDateTime"],
            "EndDateTime": slot["EndDateTime"],
            self._slot_field: req.slot_id,
        }
        try:
            event_id = await self._write("book_appointment", "Event", req.idempotency_key, appointment)
        except Duplicate as taken:
            raise Conflict("Sorry, that time was just taken.", detail=taken.detail) from taken
        names = await self._user_names([owner])
        return Appointment(
            id=event_id,
            person_id=req.person_id,
            provider_id=owner,
            provider_name=str(names.get(owner, {}).get("Name") or owner),
            start=start,
            end=parse_datetime(slot["EndDateTime"]).astimezone(self._tz),
            status="booked",
            reason=req.reason,
        )

    async def list_appointments(self, req: ListAppointments) -> Appointments:
        person_type(req.person_id)
        since = "" if req.include_past else f" AND StartDateTime >= {soql_datetime(self._now())}"
        soql = (
            f"SELECT Id, OwnerId, WhoId, StartDateTime, EndDateTime, Description FROM Event "
            f"WHERE WhoId = {soql_string(req.person_id)} AND {self._slot_field} != null{since} "
            f"ORDER BY StartDateTime LIMIT {SLOT_QUERY_LIMIT}"
        )
        events = await self._query("list_appointments", soql)
        names = await self._user_names([str(e["OwnerId"]) for e in events])
        return Appointments(
            appointments=[
                Appointment(
                    id=str(e["Id"]),
                    person_id=req.person_id,
                    provider_id=str(e["OwnerId"]),
                    provider_name=str(names.get(str(e["OwnerId"]), {}).get("Name") or e["OwnerId"]),
                    start=parse_datetime(e["StartDateTime"]).astimezone(self._tz),
                    end=parse_datetime(e["EndDateTime"]).astimezone(self._tz),
                    status="booked",
                    reason=e.get("Description") or None,
                )
                for e in events
            ]
        )
