"""Salesforce records <-> the connector's records, and the sObject fields each write sends."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from connectors.base import Contact, Person, Rejected
from connectors.phones import phone_or_none

CONTACT_PREFIX = "003"
LEAD_PREFIX = "00Q"
USER_PREFIX = "005"
QUEUE_PREFIX = "00G"
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9._-]{1,200}")


def is_salesforce_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))


def person_type(record_id: str) -> str:
    """ "Contact" or "Lead" for a person's record id; `Rejected` for anything else (an id never
    reaches a URL or a field unchecked)."""
    if is_salesforce_id(record_id):
        if record_id.startswith(CONTACT_PREFIX):
            return "Contact"
        if record_id.startswith(LEAD_PREFIX):
            return "Lead"
    raise Rejected(
        "I couldn't find that person in our records.", detail=f"not a Contact/Lead id: {record_id!r}"
    )


def check_owner_id(owner_id: str, what: str) -> str:
    if not is_salesforce_id(owner_id) or not owner_id.startswith((USER_PREFIX, QUEUE_PREFIX)):
        raise ValueError(f"{what} must be a Salesforce user id (005...) or queue id (00G...)")
    return owner_id


def external_key(idempotency_key: str) -> str:
    """The runtime's key as stored in the external id field and put into a URL path: as is when
    it is a plain token, else its SHA-256 (the same key always gives the same value)."""
    if _PLAIN_KEY.fullmatch(idempotency_key):
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def _phone(record: dict[str, Any], region: str) -> str | None:
    for name in ("Phone", "MobilePhone", "HomePhone"):
        phone = phone_or_none(record.get(name), region)
        if phone:
            return phone
    return None


def phones_of(record: dict[str, Any], region: str) -> set[str]:
    found = {phone_or_none(record.get(n), region) for n in ("Phone", "MobilePhone", "HomePhone")}
    return {p for p in found if p}


def to_person(record: dict[str, Any], region: str) -> Person:
    dob: date | None = None
    raw = record.get("Birthdate")  # Contacts only; a Lead has no birth date
    if raw:
        try:
            dob = date.fromisoformat(str(raw)[:10])
        except ValueError:
            dob = None
    return Person(
        id=str(record["Id"]),
        first_name=record.get("FirstName") or "",
        last_name=record.get("LastName") or "",
        date_of_birth=dob,
        phone=_phone(record, region),
        email=record.get("Email") or None,
    )


def to_contact(record: dict[str, Any], region: str) -> Contact:
    return Contact(
        id=str(record["Id"]),
        first_name=record.get("FirstName") or None,
        last_name=record.get("LastName") or None,
        phone=_phone(record, region),
        email=record.get("Email") or None,
    )


def without_nulls(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
