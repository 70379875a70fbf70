"""HubSpot CRM objects ↔ the connector records, and phone-number search filters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import phonenumbers

from connectors.base import Contact, Note, Person, Task, Ticket

CONTACT_PROPERTIES = ["firstname", "lastname", "email", "phone", "mobilephone", "date_of_birth"]
IDEMPOTENCY_PROPERTY = "frontdesk_idempotency_key"
NOTE_TO_CONTACT = 202  # HUBSPOT_DEFINED association type: note → contact
TICKET_TO_CONTACT = 16  # HUBSPOT_DEFINED association type: ticket → contact
TASK_TO_CONTACT = 204  # HUBSPOT_DEFINED association type: task → contact


def _props(obj: Any) -> dict[str, Any]:
    props = getattr(obj, "properties", None)
    return dict(props or {})


def to_contact(obj: Any) -> Contact:
    p = _props(obj)
    return Contact(
        id=str(obj.id),
        first_name=p.get("firstname") or None,
        last_name=p.get("lastname") or None,
        phone=p.get("phone") or p.get("mobilephone") or None,
        email=p.get("email") or None,
    )


def to_person(obj: Any) -> Person:
    p = _props(obj)
    dob: date | None = None
    raw = p.get("date_of_birth")
    if raw:
        try:
            dob = date.fromisoformat(str(raw)[:10])
        except ValueError:
            dob = None
    return Person(
        id=str(obj.id),
        first_name=p.get("firstname") or "",
        last_name=p.get("lastname") or "",
        date_of_birth=dob,
        phone=p.get("phone") or p.get("mobilephone") or None,
        email=p.get("email") or None,
    )


def to_note(obj: Any, contact_id: str) -> Note:
    return Note(id=str(obj.id), contact_id=contact_id, body=_props(obj).get("hs_note_body") or "")


def to_ticket(obj: Any, contact_id: str | None) -> Ticket:
    p = _props(obj)
    return Ticket(
        id=str(obj.id),
        contact_id=contact_id,
        subject=p.get("subject") or "",
        status=p.get("hs_pipeline_stage"),
    )


def to_task(obj: Any, contact_id: str | None) -> Task:
    p = _props(obj)
    due: datetime | None = None
    raw = p.get("hs_timestamp")
    if raw:
        try:
            due = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            due = None
    return Task(
        id=str(obj.id),
        contact_id=contact_id,
        subject=p.get("hs_task_subject") or "",
        status=p.get("hs_task_status"),
        due=due,
    )


def phone_variants(raw: str, region: str = "US") -> list[str]:
    """The forms a phone number is commonly stored in: E.164, national, bare national digits."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        digits = "".join(c for c in raw if c.isdigit())
        return [digits] if digits else []
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = str(number.national_number)
    return list(dict.fromkeys([e164, national, digits]))


def phone_filter_groups(raw: str, region: str = "US") -> list[dict[str, Any]]:
    """OR across groups (HubSpot allows 5): exact matches on phone/mobilephone, then HubSpot's own
    digits-only calculated property, which ignores formatting."""
    variants = phone_variants(raw, region)
    if not variants:
        return []
    digits = variants[-1]
    groups = [{"filters": [{"propertyName": "phone", "operator": "EQ", "value": v}]} for v in variants[:3]]
    groups.append({"filters": [{"propertyName": "mobilephone", "operator": "EQ", "value": variants[0]}]})
    groups.append(
        {
            "filters": [
                {"propertyName": "hs_searchable_calculated_phone_number", "operator": "EQ", "value": digits}
            ]
        }
    )
    return groups[:5]
