"""When nobody can take a handoff (agents/staff_hours.py): what the caller is told about when we
open, from the business hours and the clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agents.offline.hours import OpeningHours
from agents.staff_hours import StaffHours

TZ = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("hours", "now", "said"),
    [
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 5, 18, 0), "we open on Monday at 9 AM."),  # Saturday
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 7, 7, 30), "we open today at 9 AM."),  # Monday early
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 7, 17, 0), "we open tomorrow at 9 AM."),  # at closing
        ("Mon-Fri 08:30-17:00; Sat 9am-1pm", datetime(2026, 12, 4, 20, 0), "we open tomorrow at 9 AM."),
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 7, 9, 0), None),  # open
        ("Mon-Sun 00:00-24:00", datetime(2026, 12, 5, 23, 59, 30), None),  # 24:00: to the end of the day
    ],
)
def test_closed_now_says_when_we_open(hours: str, now: datetime, said: str | None) -> None:
    words = StaffHours(OpeningHours.parse(hours), lambda: now.replace(tzinfo=TZ)).closed_now()
    if said is None:
        assert words is None
    else:
        assert words == f"We're closed right now; {said}"
