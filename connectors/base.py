"""The one interface between the agent and a business's systems of record.

A connector implements some of the capabilities below. Each capability has a pydantic request
model (its JSON schema is what the model sees), a response model, and two policy flags the agent
runtime enforces: `reads_protected` (needs a verified caller) and `writes` (needs the caller's
explicit confirmation). Every write request carries an `idempotency_key` chosen by the runtime,
never by the model: a retried write must not act twice.

All datetimes are timezone-aware, in the business's time zone.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# ---------------------------------------------------------------------------------------------
# Records


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Person(Record):
    id: str
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    phone: str | None = None  # E.164 where known
    email: str | None = None


class Provider(Record):
    id: str
    name: str  # as a caller would say it, e.g. "Dr. Priya Patel"
    specialty: str | None = None


class Slot(Record):
    id: str
    provider_id: str
    provider_name: str
    start: datetime
    end: datetime


AppointmentStatus = Literal["booked", "cancelled", "fulfilled", "noshow", "pending"]


class Appointment(Record):
    id: str
    person_id: str
    provider_id: str
    provider_name: str
    start: datetime
    end: datetime
    status: AppointmentStatus
    reason: str | None = None


class Contact(Record):
    id: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None


class Note(Record):
    id: str
    contact_id: str
    body: str


class Ticket(Record):
    id: str
    contact_id: str | None = None
    subject: str
    status: str | None = None


class Task(Record):
    """A follow-up for a person at the business (call back, answer a message)."""

    id: str
    contact_id: str | None = None
    subject: str
    status: str | None = None
    due: datetime | None = None


# ---------------------------------------------------------------------------------------------
# Requests (what the model fills in; `idempotency_key` is added by the runtime)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WriteRequest(Request):
    idempotency_key: str = Field(min_length=8, max_length=200)


class FindPersonByPhone(Request):
    phone: str = Field(description="The caller's phone number, any common format.")


class FindPersonByNameDob(Request):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date


class FindPeopleByDob(Request):
    """Everyone on file born that day: the candidates a last name typed on a phone keypad is
    matched against (`agents.keyed_names`); never offered to a model as a tool."""

    date_of_birth: date


class ListProviders(Request):
    pass


PartOfDay = Literal["any", "morning", "afternoon"]


class ListFreeSlots(Request):
    provider_id: str | None = Field(default=None, description="Omit for any provider.")
    start_date: date = Field(description="First day to search (inclusive).")
    end_date: date = Field(description="Last day to search (inclusive).")
    part_of_day: PartOfDay = "any"
    limit: int = Field(default=5, ge=1, le=50)


class ListAppointments(Request):
    person_id: str
    include_past: bool = False


class GetAppointment(Request):
    appointment_id: str


class BookAppointment(WriteRequest):
    person_id: str
    slot_id: str
    reason: str | None = Field(default=None, max_length=500)


class RescheduleAppointment(WriteRequest):
    appointment_id: str
    new_slot_id: str


class CancelAppointment(WriteRequest):
    appointment_id: str
    reason: str | None = Field(default=None, max_length=500)


class FindContact(Request):
    phone: str | None = None
    email: str | None = None


class CreateContact(WriteRequest):
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None


class AddNote(WriteRequest):
    contact_id: str
    body: str = Field(min_length=1, max_length=65536)


class OpenTicket(WriteRequest):
    contact_id: str | None = None
    subject: str = Field(min_length=1, max_length=500)
    body: str | None = Field(default=None, max_length=65536)


class CreateTask(WriteRequest):
    contact_id: str | None = None
    subject: str = Field(min_length=1, max_length=255)
    body: str | None = Field(default=None, max_length=65536)
    due: datetime | None = None


# ---------------------------------------------------------------------------------------------
# Responses


class People(Record):
    people: list[Person]


class Providers(Record):
    providers: list[Provider]


class Slots(Record):
    slots: list[Slot]


class Appointments(Record):
    appointments: list[Appointment]


class Contacts(Record):
    contacts: list[Contact]


# ---------------------------------------------------------------------------------------------
# Capabilities


class Capability(StrEnum):
    FIND_PERSON_BY_PHONE = "find_person_by_phone"
    FIND_PERSON_BY_NAME_DOB = "find_person_by_name_dob"
    FIND_PEOPLE_BY_DOB = "find_people_by_dob"
    LIST_PROVIDERS = "list_providers"
    LIST_FREE_SLOTS = "list_free_slots"
    LIST_APPOINTMENTS = "list_appointments"
    GET_APPOINTMENT = "get_appointment"
    BOOK_APPOINTMENT = "book_appointment"
    RESCHEDULE_APPOINTMENT = "reschedule_appointment"
    CANCEL_APPOINTMENT = "cancel_appointment"
    FIND_CONTACT = "find_contact"
    CREATE_CONTACT = "create_contact"
    ADD_NOTE = "add_note"
    OPEN_TICKET = "open_ticket"
    CREATE_TASK = "create_task"


@dataclass(frozen=True)
class CapabilitySpec:
    name: Capability
    description: str
    request: type[Request]
    response: type[Record]
    reads_protected: bool
    writes: bool


def _spec(
    name: Capability,
    description: str,
    request: type[Request],
    response: type[Record],
    *,
    protected: bool = False,
    writes: bool = False,
) -> CapabilitySpec:
    return CapabilitySpec(name, description, request, response, protected, writes)


CAPABILITIES: dict[Capability, CapabilitySpec] = {
    s.name: s
    for s in [
        # Identity lookups return protected records, but they are how a caller gets verified:
        # the runtime discloses nothing from them until name + date of birth match.
        _spec(
            Capability.FIND_PERSON_BY_PHONE, "Find people on file by phone number.", FindPersonByPhone, People
        ),
        _spec(
            Capability.FIND_PERSON_BY_NAME_DOB,
            "Find a person by first name, last name and date of birth (identity verification).",
            FindPersonByNameDob,
            People,
        ),
        _spec(
            Capability.FIND_PEOPLE_BY_DOB,
            "Find the people born on a date (a last name typed on the keypad is checked against them).",
            FindPeopleByDob,
            People,
        ),
        _spec(
            Capability.LIST_PROVIDERS,
            "List the providers (doctors) one can book with.",
            ListProviders,
            Providers,
        ),
        _spec(Capability.LIST_FREE_SLOTS, "List free appointment slots.", ListFreeSlots, Slots),
        _spec(
            Capability.LIST_APPOINTMENTS,
            "List a verified person's upcoming appointments.",
            ListAppointments,
            Appointments,
            protected=True,
        ),
        _spec(
            Capability.GET_APPOINTMENT, "Read one appointment.", GetAppointment, Appointment, protected=True
        ),
        _spec(
            Capability.BOOK_APPOINTMENT,
            "Book a free slot for a verified person.",
            BookAppointment,
            Appointment,
            protected=True,
            writes=True,
        ),
        _spec(
            Capability.RESCHEDULE_APPOINTMENT,
            "Move an appointment to another free slot.",
            RescheduleAppointment,
            Appointment,
            protected=True,
            writes=True,
        ),
        _spec(
            Capability.CANCEL_APPOINTMENT,
            "Cancel an appointment.",
            CancelAppointment,
            Appointment,
            protected=True,
            writes=True,
        ),
        _spec(
            Capability.FIND_CONTACT,
            "Find a contact by phone or email.",
            FindContact,
            Contacts,
            protected=True,
        ),
        _spec(Capability.CREATE_CONTACT, "Create a contact.", CreateContact, Contact, writes=True),
        _spec(Capability.ADD_NOTE, "Add a note to a contact.", AddNote, Note, protected=True, writes=True),
        _spec(Capability.OPEN_TICKET, "Open a ticket or lead.", OpenTicket, Ticket, writes=True),
        _spec(Capability.CREATE_TASK, "Create a follow-up task for staff.", CreateTask, Task, writes=True),
    ]
}


# ---------------------------------------------------------------------------------------------
# Typed failures: a small set the agent can explain to a caller in plain words.


class ConnectorError(Exception):
    kind: str = "error"

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message  # safe to say to a caller
        self.detail = detail  # for logs and audit only


class NotFound(ConnectorError):
    kind = "not_found"


class Conflict(ConnectorError):
    """E.g. the slot was taken meanwhile, or the appointment is already cancelled."""

    kind = "conflict"


class Unavailable(ConnectorError):
    """The system of record is down, timing out, rate limiting or its circuit is open."""

    kind = "unavailable"


class Rejected(ConnectorError):
    """The system refused the request as invalid (bad date, slot in the past, 4xx)."""

    kind = "rejected"


class Unsupported(ConnectorError):
    kind = "unsupported"


# ---------------------------------------------------------------------------------------------
# The interface


class Connector(abc.ABC):  # noqa: B024 - every capability is optional, none is abstract
    """A business system. Subclasses override the methods of the capabilities they list."""

    name: str = "connector"
    capabilities: frozenset[Capability] = frozenset()
    # What the gateway itself may write here after a conversation (its summary, follow-ups),
    # without the agent being offered it as a tool: an EMR keeps a call's summary, yet the agent
    # does not take notes in it. The methods are the capabilities' own.
    record_keeping: frozenset[Capability] = frozenset()

    async def find_person_by_phone(self, req: FindPersonByPhone) -> People:
        raise Unsupported("That is not something I can look up here.")

    async def find_person_by_name_dob(self, req: FindPersonByNameDob) -> People:
        raise Unsupported("That is not something I can look up here.")

    async def find_people_by_dob(self, req: FindPeopleByDob) -> People:
        raise Unsupported("That is not something I can look up here.")

    async def list_providers(self, req: ListProviders) -> Providers:
        raise Unsupported("That is not something I can look up here.")

    async def list_free_slots(self, req: ListFreeSlots) -> Slots:
        raise Unsupported("That is not something I can look up here.")

    async def list_appointments(self, req: ListAppointments) -> Appointments:
        raise Unsupported("That is not something I can look up here.")

    async def get_appointment(self, req: GetAppointment) -> Appointment:
        raise Unsupported("That is not something I can look up here.")

    async def book_appointment(self, req: BookAppointment) -> Appointment:
        raise Unsupported("I can't book appointments here.")

    async def reschedule_appointment(self, req: RescheduleAppointment) -> Appointment:
        raise Unsupported("I can't move appointments here.")

    async def cancel_appointment(self, req: CancelAppointment) -> Appointment:
        raise Unsupported("I can't cancel appointments here.")

    async def find_contact(self, req: FindContact) -> Contacts:
        raise Unsupported("That is not something I can look up here.")

    async def create_contact(self, req: CreateContact) -> Contact:
        raise Unsupported("I can't create contacts here.")

    async def add_note(self, req: AddNote) -> Note:
        raise Unsupported("I can't add notes here.")

    async def open_ticket(self, req: OpenTicket) -> Ticket:
        raise Unsupported("I can't open tickets here.")

    async def create_task(self, req: CreateTask) -> Task:
        raise Unsupported("I can't create follow-up tasks here.")

    async def invoke(self, capability: Capability, request: Request) -> Record:
        """Dispatch by capability name (the agent's tool registry calls this)."""
        if capability not in self.capabilities:
            raise Unsupported(f"This system does not support {capability.value}.")
        spec = CAPABILITIES[capability]
        if not isinstance(request, spec.request):
            raise Rejected(f"Wrong request type for {capability.value}.")
        result: Record = await getattr(self, capability.value)(request)
        return result

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
