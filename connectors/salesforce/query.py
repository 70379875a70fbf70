"""SOQL and SOSL text the connector sends, with every value escaped (a caller's words never become
query syntax)."""

from __future__ import annotations

import phonenumbers

CONTACT_FIELDS = ("Id", "FirstName", "LastName", "Phone", "MobilePhone", "HomePhone", "Email", "Birthdate")
LEAD_FIELDS = ("Id", "FirstName", "LastName", "Phone", "MobilePhone", "Email")
PERSON_LIMIT = 20

_SOQL_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# SOSL's reserved characters: escaped with a backslash inside a FIND clause.
_SOSL_RESERVED = set("?&|!{}[]()^~*:\\\"'+-")


def soql_string(value: str) -> str:
    return "'" + "".join(_SOQL_ESCAPES.get(c, c) for c in value) + "'"


def sosl_term(value: str) -> str:
    return '"' + "".join("\\" + c if c in _SOSL_RESERVED else c for c in value) + '"'


def phone_forms(raw: str, region: str = "US") -> list[str]:
    """The ways one number is commonly stored: E.164, national (`(415) 555-0142`), bare national
    digits. Empty when `raw` is not a possible phone number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return []
    if not phonenumbers.is_possible_number(number):
        return []
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return list(dict.fromkeys([e164, national, str(number.national_number)]))


def sosl_people_by_phone(forms: list[str]) -> str:
    """One search over the phone fields of contacts and of leads not yet converted (a converted
    lead's person lives on as a contact, found there)."""
    terms = " OR ".join(sosl_term(f) for f in forms)
    return (
        f"FIND {{{terms}}} IN PHONE FIELDS RETURNING "
        f"Contact({', '.join(CONTACT_FIELDS)}), "
        f"Lead({', '.join(LEAD_FIELDS)} WHERE IsConverted = false) "
        f"LIMIT {PERSON_LIMIT}"
    )


def soql_contacts_by_email(email: str) -> str:
    return (
        f"SELECT {', '.join(CONTACT_FIELDS)} FROM Contact "
        f"WHERE Email = {soql_string(email)} LIMIT {PERSON_LIMIT}"
    )


def soql_leads_by_email(email: str) -> str:
    return (
        f"SELECT {', '.join(LEAD_FIELDS)} FROM Lead "
        f"WHERE Email = {soql_string(email)} AND IsConverted = false LIMIT {PERSON_LIMIT}"
    )
