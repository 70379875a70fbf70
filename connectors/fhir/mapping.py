"""FHIR R4 resources <-> the connector records of `connectors.base`."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.slot import Slot as FhirSlot

from connectors.base import Appointment, AppointmentStatus, Person, Provider, Rejected, Slot
from connectors.phones import phone_or_none

IDEMPOTENCY_SYSTEM = "urn:frontdesk:idempotency"  # Appointment.identifier of a booking's key
CANCEL_IDEMPOTENCY_SYSTEM = "urn:frontdesk:idempotency:cancel"  # ... of the cancel that ended it

# FHIR has ten appointment states; the agent explains five.
_STATUS: dict[str, AppointmentStatus] = {
    "booked": "booked",
    "arrived": "fulfilled",
    "checked-in": "fulfilled",
    "fulfilled": "fulfilled",
    "noshow": "noshow",
    "cancelled": "cancelled",
    "entered-in-error": "cancelled",
    "proposed": "pending",
    "pending": "pending",
    "waitlist": "pending",
}


def reference_id(reference: str | None, resource_type: str) -> str | None:
    """`Practitioner/123` (or an absolute URL ending so) -> `123`; None for other types."""
    if not reference:
        return None
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource_type:
        return parts[-1]
    if len(parts) >= 4 and parts[-4] == resource_type and parts[-2] == "_history":
        return parts[-3]
    return None


# -- phone numbers ------------------------------------------------------------------------------


def phone_spellings(e164: str, region: str = "US") -> list[str]:
    """The ways an EMR may have stored a number. FHIR token search matches `value` exactly, so
    the search asks for all of them at once (comma = OR) and the result is checked afterwards."""
    number = phonenumbers.parse(e164, region)
    fmt = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(number, fmt.NATIONAL)  # (415) 555-0134
    international = phonenumbers.format_number(number, fmt.INTERNATIONAL)  # +1 415-555-0134
    rfc3966 = phonenumbers.format_number(number, fmt.RFC3966)  # tel:+1-415-555-0134
    digits, cc = str(number.national_number), str(number.country_code)
    spellings = [e164, national, international, rfc3966, rfc3966.removeprefix("tel:"), digits, cc + digits]
    spellings += [f"+{cc} {national}", f"{cc} {national}", international.replace("-", " ")]
    if len(digits) == 10:  # North American style groupings
        a, b, c = digits[:3], digits[3:6], digits[6:]
        for sep in ("-", ".", " "):
            spellings += [f"{a}{sep}{b}{sep}{c}", f"{cc}{sep}{a}{sep}{b}{sep}{c}"]
        spellings += [f"({a}){b}-{c}", f"({a}) {b} {c}"]
    return list(dict.fromkeys(spellings))


# -- people -------------------------------------------------------------------------------------


def _best_name(names: list[HumanName] | None) -> HumanName | None:
    if not names:
        return None
    for use in ("official", "usual"):
        for name in names:
            if name.use == use:
                return name
    return names[0]


def to_person(patient: Patient, region: str = "US") -> Person:
    name = _best_name(patient.name)
    phone = email = None
    for point in patient.telecom or []:
        if point.system == "phone" and phone is None:
            phone = phone_or_none(point.value, region)
        elif point.system == "email" and email is None:
            email = point.value
    return Person(
        id=str(patient.id),
        first_name=(name.given or [""])[0] if name else "",
        last_name=(name.family or "") if name else "",
        date_of_birth=patient.birthDate,
        phone=phone,
        email=email,
    )


def fold(text: str) -> str:
    """Case, accents, spaces and punctuation dropped: "O'Brien" = "obrien", "José" = "jose"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def name_matches(patient: Patient, first_name: str, last_name: str) -> bool:
    """Exact family name and a given name (after `fold`): FHIR `name` search is a prefix match,
    too loose for identity verification."""
    first, last = fold(first_name), fold(last_name)
    for name in patient.name or []:
        givens = [fold(g) for g in name.given or [] if g is not None]
        if fold(name.family or "") == last and (first in givens or first == "".join(givens)):
            return True
    return False


def provider_name(practitioner: Practitioner) -> str:
    name = _best_name(practitioner.name)
    if name is None:
        return f"Practitioner {practitioner.id}"
    if name.text:
        return name.text
    parts = [*(name.prefix or []), *(name.given or []), name.family or ""]
    return " ".join(p for p in parts if p).strip() or f"Practitioner {practitioner.id}"


def to_provider(practitioner: Practitioner) -> Provider:
    specialty = None
    for qualification in practitioner.qualification or []:
        code = qualification.code
        specialty = code.text or next((c.display for c in code.coding or [] if c.display), None)
        if specialty:
            break
    return Provider(id=str(practitioner.id), name=provider_name(practitioner), specialty=specialty)


# -- scheduling ---------------------------------------------------------------------------------


def slot_span(slot: FhirSlot) -> tuple[datetime, datetime]:
    """A Slot's start and end: R4B requires both, the model's types leave them optional."""
    if slot.start is None or slot.end is None:
        raise Rejected("That time has no start or end on record.", detail=f"Slot/{slot.id} has no start/end")
    return slot.start, slot.end


def to_slot(slot: FhirSlot, provider: Provider, tz: ZoneInfo) -> Slot:
    start, end = slot_span(slot)
    return Slot(
        id=str(slot.id),
        provider_id=provider.id,
        provider_name=provider.name,
        start=start.astimezone(tz),
        end=end.astimezone(tz),
    )


def participant_id(appointment: FhirAppointment, resource_type: str) -> str | None:
    for participant in appointment.participant or []:
        found = reference_id(participant.actor.reference if participant.actor else None, resource_type)
        if found:
            return found
    return None


def to_appointment(appointment: FhirAppointment, providers: dict[str, str], tz: ZoneInfo) -> Appointment:
    provider_id = participant_id(appointment, "Practitioner") or ""
    if appointment.start is None or appointment.end is None:
        raise Rejected(
            "That appointment has no time on record.", detail=f"Appointment/{appointment.id} has no start/end"
        )
    return Appointment(
        id=str(appointment.id),
        person_id=participant_id(appointment, "Patient") or "",
        provider_id=provider_id,
        provider_name=providers.get(provider_id, provider_id),
        start=appointment.start.astimezone(tz),
        end=appointment.end.astimezone(tz),
        status=_STATUS.get(appointment.status or "", "pending"),
        reason=appointment.description,
    )


def key_token(idempotency_key: str) -> str:
    """The key as stored in an identifier: as is when it is a plain token, else its SHA-256, so
    that no comma, bar or backslash ever needs escaping in a token search."""
    if re.fullmatch(r"[A-Za-z0-9._:\-]{1,64}", idempotency_key):
        return idempotency_key
    return "sha256-" + hashlib.sha256(idempotency_key.encode()).hexdigest()


def identifier_value(appointment: FhirAppointment, system: str) -> str | None:
    return next((i.value for i in appointment.identifier or [] if i.system == system), None)


def fhir_instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def appointment_resource(
    *,
    slot: FhirSlot,
    patient_id: str,
    practitioner_id: str,
    practitioner_name: str,
    idempotency_key: str,
    reason: str | None,
    created: datetime,
) -> dict[str, Any]:
    start, end = slot_span(slot)
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "status": "booked",
        "identifier": [{"system": IDEMPOTENCY_SYSTEM, "value": key_token(idempotency_key)}],
        "start": fhir_instant(start),
        "end": fhir_instant(end),
        "created": created.isoformat(timespec="seconds"),
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "participant": [
            {"actor": {"reference": f"Patient/{patient_id}"}, "required": "required", "status": "accepted"},
            {
                "actor": {"reference": f"Practitioner/{practitioner_id}", "display": practitioner_name},
                "required": "required",
                "status": "accepted",
            },
        ],
    }
    if reason:
        body["description"] = reason
    return FhirAppointment.model_validate(body).model_dump(mode="json", exclude_none=True)
