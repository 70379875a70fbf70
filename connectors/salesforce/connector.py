"""Salesforce as the CRM: people found among Contacts and Leads, new callers created as Leads, call
notes and follow-ups as Tasks, tickets as Cases.

Why these objects:
- `create_contact` creates a Lead, not a Contact: a Contact belongs to an Account, and a caller
  nobody knows yet is exactly what Salesforce calls a lead (sales or staff convert it later).
- `add_note` writes a completed Task (Subject "Call note: ...", the note in Description, WhoId the
  person): ContentNote, the other kind of note, cannot carry the external id field idempotency needs.
- `open_ticket` opens a Case (Origin "Phone"); a Case links to a Contact only, so for a Lead the
  lead's name, e-mail and phone go into the Case's Supplied* fields.
- Appointments (optional, `slot_subject` set): staff's open-slot Events, booked once each
  (`events.py`).

Idempotency: the runtime's key is stored in an external id field (`Frontdesk_Idempotency_Key__c`
by default; a unique, case-sensitive Text(255) external id on Lead, Case and Task). Each write first
reads the record by that key (GET /sobjects/{Type}/{Field}/{key}): a retry returns what the first
attempt made and changes nothing staff edited since. Otherwise it upserts by the key (PATCH on the
same path), so two attempts racing each other end in one record: one creates it, the other
updates it with the same fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from connectors.base import (
    AddNote,
    Appointment,
    Appointments,
    BookAppointment,
    Capability,
    Connector,
    Contact,
    Contacts,
    CreateContact,
    CreateTask,
    FindContact,
    FindPersonByPhone,
    ListAppointments,
    ListFreeSlots,
    ListProviders,
    Note,
    NotFound,
    OpenTicket,
    People,
    Providers,
    Rejected,
    Slots,
    Task,
    Ticket,
    Unsupported,
)
from connectors.phones import normalize_phone
from connectors.resilience import Resilience, ResiliencePolicy
from connectors.salesforce.auth import SessionSource
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.errors import Duplicate
from connectors.salesforce.events import EventBook
from connectors.salesforce.limits import ApiAllowance
from connectors.salesforce.mapping import (
    USER_PREFIX,
    check_owner_id,
    external_key,
    is_salesforce_id,
    person_type,
    phones_of,
    to_contact,
    to_person,
    without_nulls,
)
from connectors.salesforce.query import (
    phone_forms,
    soql_contacts_by_email,
    soql_leads_by_email,
    sosl_people_by_phone,
)

DEFAULT_EXTERNAL_ID_FIELD = "Frontdesk_Idempotency_Key__c"
DEFAULT_SLOT_FIELD = "Frontdesk_Slot__c"
EVENT_CAPABILITIES = frozenset(
    {
        Capability.LIST_PROVIDERS,
        Capability.LIST_FREE_SLOTS,
        Capability.BOOK_APPOINTMENT,
        Capability.LIST_APPOINTMENTS,
    }
)
SUBJECT_MAX = 255


class SalesforceConnector(Connector):
    name = "salesforce"
    capabilities = frozenset(
        {
            Capability.FIND_PERSON_BY_PHONE,
            Capability.FIND_CONTACT,
            Capability.CREATE_CONTACT,
            Capability.ADD_NOTE,
            Capability.OPEN_TICKET,
            Capability.CREATE_TASK,
        }
    )

    def __init__(
        self,
        auth: SessionSource,
        *,
        api_version: str = "v60.0",
        policy: ResiliencePolicy | None = None,
        external_id_field: str = DEFAULT_EXTERNAL_ID_FIELD,
        task_owner_id: str | None = None,
        case_owner_id: str | None = None,
        timezone: str = "UTC",
        phone_region: str = "US",
        lead_company: str = "Phone caller",
        allowance: ApiAllowance | None = None,
        slot_subject: str | None = None,
        slot_field: str = DEFAULT_SLOT_FIELD,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not external_id_field.endswith("__c") or not external_id_field[:-3].replace("_", "").isalnum():
            raise ValueError("the external id field must be a custom field's API name, e.g. Frontdesk_Key__c")
        self.policy = policy or ResiliencePolicy(timeout_s=10.0)
        self.client = SalesforceClient(
            auth, api_version=api_version, timeout_s=self.policy.timeout_s, allowance=allowance
        )
        self._guard = Resilience("salesforce", self.policy)
        self._ext_field = external_id_field
        self._task_owner = check_owner_id(task_owner_id, "the task owner") if task_owner_id else None
        self._case_owner = check_owner_id(case_owner_id, "the case owner") if case_owner_id else None
        self._tz = ZoneInfo(timezone)
        self._region = phone_region
        self._lead_company = lead_company
        self._events: EventBook | None = None
        if slot_subject:
            # Optional: only orgs that publish bookable time as Events (connectors/salesforce/events.py).
            self._events = EventBook(
                read=self._get,
                write=self._write,
                slot_subject=slot_subject,
                slot_field=slot_field,
                tz=self._tz,
                clock=clock or (lambda: datetime.now(UTC)),
            )
            self.capabilities = self.capabilities | EVENT_CAPABILITIES

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- reads ---------------------------------------------------------------------------------

    async def _get(self, operation: str, path: str, params: dict[str, str] | None = None) -> Any:
        async def once() -> Any:
            return (await self.client.request("GET", path, params=params)).body

        return await self._guard.read(operation, once)

    async def _people_by_phone(self, raw: str) -> list[dict[str, Any]]:
        forms = phone_forms(raw, self._region)
        if not forms:
            raise Rejected("That doesn't sound like a phone number.", detail=f"unparseable phone {raw!r}")
        body = await self._get("search_people", "/search/", {"q": sosl_people_by_phone(forms)})
        # SOSL matches loosely (tokens, partial numbers): keep only records holding this number.
        wanted = normalize_phone(raw, self._region)
        records = body.get("searchRecords", []) if isinstance(body, dict) else []
        return [r for r in records if wanted in phones_of(r, self._region)]

    async def _people_by_email(self, email: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for soql in (soql_contacts_by_email(email), soql_leads_by_email(email)):
            body = await self._get("query_people", "/query/", {"q": soql})
            found.extend(body.get("records", []) if isinstance(body, dict) else [])
        return found

    async def find_person_by_phone(self, req: FindPersonByPhone) -> People:
        records = await self._people_by_phone(req.phone)
        return People(people=[to_person(r, self._region) for r in records])

    async def find_contact(self, req: FindContact) -> Contacts:
        if req.email:
            records = await self._people_by_email(req.email.strip())
        elif req.phone:
            records = await self._people_by_phone(req.phone)
        else:
            raise Rejected("I need a phone number or an email address to look that up.")
        return Contacts(contacts=[to_contact(r, self._region) for r in records])

    async def _person(self, record_id: str, fields: str) -> dict[str, Any]:
        kind = person_type(record_id)
        body = await self._get(f"read_{kind.lower()}", f"/sobjects/{kind}/{record_id}", {"fields": fields})
        if not isinstance(body, dict):
            raise NotFound("I couldn't find that person in our records.", detail=f"{kind} {record_id}")
        return body

    # -- idempotent writes ---------------------------------------------------------------------

    async def _write(
        self,
        operation: str,
        sobject: str,
        idempotency_key: str,
        fields: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> str:
        """The id of the record made under this key: found by the key, else upserted by it."""
        path = f"/sobjects/{sobject}/{self._ext_field}/{quote(external_key(idempotency_key), safe='')}"
        body = without_nulls(fields)

        async def once() -> str:
            try:
                existing = await self.client.request("GET", path, params={"fields": "Id"})
                return str(existing.body["Id"])
            except NotFound:
                pass
            try:
                try:
                    answer = await self.client.request("PATCH", path, json=body, headers=headers)
                except Duplicate as dup:
                    if dup.code != "DUPLICATE_VALUE":
                        raise
                    # A concurrent attempt inserted the key between our read and our upsert
                    # (Salesforce can refuse the second insert of a unique value): now it updates.
                    answer = await self.client.request("PATCH", path, json=body, headers=headers)
            except NotFound as missing:
                # An upsert finds nothing only when the object or the external id field does not
                # exist (or the integration user can't see it): our setup, not the caller's words.
                raise Rejected(
                    "Our records system did not accept that request.", detail=missing.detail
                ) from missing
            return str(answer.body["id"])

        return await self._guard.write(operation, once, idempotency_key=idempotency_key)

    def _today(self) -> date:
        return datetime.now(self._tz).date()

    async def create_contact(self, req: CreateContact) -> Contact:
        if not any((req.first_name, req.last_name, req.email)):
            raise Rejected("I need at least a name or an email address to create a contact.")
        phone = normalize_phone(req.phone, self._region) if req.phone else None
        fields = {
            "FirstName": req.first_name,
            # LastName and Company are required on a Lead; a caller may give only a first name.
            "LastName": req.last_name or "(not given)",
            "Company": self._lead_company,
            "Phone": phone,
            "Email": req.email,
            "LeadSource": "Phone Inquiry",
        }
        try:
            lead_id = await self._write("create_lead", "Lead", req.idempotency_key, fields)
        except Duplicate as dup:
            # The org's duplicate rule says this person is on file already: that record is the
            # caller's. Only what the caller told us is returned, nothing read from the record.
            people = [i for i in dup.existing_ids if is_salesforce_id(i) and i.startswith(("003", "00Q"))]
            if dup.code != "DUPLICATES_DETECTED" or not people:
                raise
            lead_id = people[0]
        return Contact(
            id=lead_id, first_name=req.first_name, last_name=req.last_name, phone=phone, email=req.email
        )

    async def add_note(self, req: AddNote) -> Note:
        person_type(req.contact_id)
        first_line = req.body.strip().splitlines()[0] if req.body.strip() else "Call note"
        fields = {
            "Subject": ("Call note: " + first_line)[:SUBJECT_MAX],
            "Description": req.body,
            "Status": "Completed",
            "Priority": "Normal",
            "ActivityDate": self._today().isoformat(),
            "WhoId": req.contact_id,
        }
        note_id = await self._write("add_note", "Task", req.idempotency_key, fields)
        return Note(id=note_id, contact_id=req.contact_id, body=req.body)

    async def open_ticket(self, req: OpenTicket) -> Ticket:
        fields: dict[str, Any] = {
            "Subject": req.subject,
            "Description": req.body,
            "Origin": "Phone",
            "Status": "New",
            "OwnerId": self._case_owner,
        }
        if req.contact_id and person_type(req.contact_id) == "Contact":
            fields["ContactId"] = req.contact_id
        elif req.contact_id:
            lead = await self._person(req.contact_id, "FirstName,LastName,Email,Phone,MobilePhone")
            name = " ".join(p for p in (lead.get("FirstName"), lead.get("LastName")) if p)
            fields |= {
                "SuppliedName": name or None,
                "SuppliedEmail": lead.get("Email"),
                "SuppliedPhone": lead.get("Phone") or lead.get("MobilePhone"),
            }
        # With an owner configured the org's case assignment rules must not override it; without
        # one they decide (Salesforce runs the default rule when this header says TRUE).
        headers = {"Sforce-Auto-Assign": "FALSE" if self._case_owner else "TRUE"}
        case_id = await self._write("open_case", "Case", req.idempotency_key, fields, headers)
        return Ticket(id=case_id, contact_id=req.contact_id, subject=req.subject, status="New")

    async def _task_owner_for(self, contact_id: str | None) -> str | None:
        """Routing: the configured owner (a user or a task queue); else the person's owner when
        that is a user; else none (Salesforce makes the integration user the owner)."""
        if self._task_owner:
            return self._task_owner
        if contact_id:
            owner = str((await self._person(contact_id, "OwnerId")).get("OwnerId") or "")
            if is_salesforce_id(owner) and owner.startswith(USER_PREFIX):
                return owner
        return None

    async def create_task(self, req: CreateTask) -> Task:
        if req.contact_id:
            person_type(req.contact_id)
        due_day = req.due.date() if req.due else self._today()
        fields: dict[str, Any] = {
            "Subject": req.subject,
            "Description": req.body,
            "Status": "Not Started",
            "Priority": "Normal",
            "ActivityDate": due_day.isoformat(),
            "WhoId": req.contact_id,
            "OwnerId": await self._task_owner_for(req.contact_id),
        }
        if req.due and req.due.timetz() != time(0, tzinfo=req.due.tzinfo):
            fields |= {"IsReminderSet": True, "ReminderDateTime": req.due.isoformat()}
        task_id = await self._write("create_task", "Task", req.idempotency_key, fields)
        return Task(
            id=task_id, contact_id=req.contact_id, subject=req.subject, status="Not Started", due=req.due
        )

    # -- appointments as Events (optional) -------------------------------------------------------

    def _event_book(self) -> EventBook:
        if self._events is None:
            raise Unsupported("I can't book appointments here.")
        return self._events

    async def list_providers(self, req: ListProviders) -> Providers:
        return await self._event_book().list_providers(req)

    async def list_free_slots(self, req: ListFreeSlots) -> Slots:
        return await self._event_book().list_free_slots(req)

    async def book_appointment(self, req: BookAppointment) -> Appointment:
        return await self._event_book().book_appointment(req)

    async def list_appointments(self, req: ListAppointments) -> Appointments:
        return await self._event_book().list_appointments(req)
