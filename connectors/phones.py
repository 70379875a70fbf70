"""Phone numbers as every connector compares them: E.164 (`+14155550134`), parsed from any common
way of writing one, with the business's region for numbers written without a country code."""

from __future__ import annotations

import phonenumbers

from connectors.base import Rejected


def normalize_phone(raw: str, region: str = "US") -> str:
    """Any common way of writing a phone number -> E.164; `Rejected` when it isn't one."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise Rejected(
            "That doesn't sound like a complete phone number.", detail=f"unparseable phone {raw!r}"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_or_none(raw: str | None, region: str = "US") -> str | None:
    """E.164, or None for a missing or unreadable number (a stored record is not rejected for it)."""
    if not raw:
        return None
    try:
        return normalize_phone(raw, region)
    except Rejected:
        return None
