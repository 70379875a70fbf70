"""Phone numbers as connectors compare them: E.164 from any common spelling, bad input rejected."""

from __future__ import annotations

import pytest

from connectors.base import Rejected
from connectors.phones import normalize_phone, phone_or_none


@pytest.mark.parametrize(
    "written",
    [
        "(415) 555-0134",
        "415.555.0134",
        "415 555 0134",
        "+1 415-555-0134",
        "1-415-555-0134",
        "tel:+1-415-555-0134",
    ],
)
def test_common_spellings_give_one_e164(written: str) -> None:
    assert normalize_phone(written) == "+14155550134"


def test_the_region_decides_numbers_without_a_country_code() -> None:
    assert normalize_phone("020 7946 0018", region="GB") == "+442079460018"
    assert normalize_phone("+44 20 7946 0018", region="US") == "+442079460018"


@pytest.mark.parametrize("garbage", ["", "   ", "12", "call me", "555-01", "+1 415 555 0134 0134 0134"])
def test_what_is_not_a_phone_number_is_rejected_in_plain_words(garbage: str) -> None:
    with pytest.raises(Rejected) as info:
        normalize_phone(garbage)
    assert info.value.message == "That doesn't sound like a complete phone number."
    assert repr(garbage) in (info.value.detail or "")


def test_phone_or_none_keeps_a_record_with_an_unreadable_number() -> None:
    assert phone_or_none("415-555-0134") == "+14155550134"
    assert phone_or_none(None) is None
    assert phone_or_none("") is None
    assert phone_or_none("ask reception") is None
