"""Families of held-out sets #203-#207 in other names and wordings, mended in the session itself:
"how far in advance do you take bookings?" asks nothing about insurance (a plan taken is asked
with a plan's name, not bookings, appointments or walk-ins)."""

from __future__ import annotations

import pytest

from agents.offline.staff_topics import STAFF_TOPICS


def _insurance(text: str) -> bool:
    topic = next(t for t in STAFF_TOPICS if t.reason.startswith("Insurance"))
    return topic.pattern.search(text) is not None


@pytest.mark.parametrize(
    ("said", "insurance"),
    [
        ("how far in advance do you take bookings?", False),
        ("does the clinic take same-day appointments?", False),
        ("do you accept new patients at the moment", False),
        ("do you take aetna?", True),
        ("does the practice accept medicare", True),
    ],
)
def test_what_is_asked_of_the_practice(said: str, insurance: bool) -> None:
    assert _insurance(said) == insurance
