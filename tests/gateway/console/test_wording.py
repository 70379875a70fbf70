"""The console's plain words: dates in the business's time zone in the clinic's style, how long a
handoff has waited, who a conversation is with; and the handoff summary staff read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agents.api import ConversationState
from agents.handoff import handoff_summary
from agents.memory import AgentMemory
from agents.planner import Message
from gateway.console.rendering import format_local, waited, who
from gateway.store.models import ConversationRow

NEW_YORK = ZoneInfo("America/New_York")
# 02:05 UTC on 6 December is still the evening of the 5th in New York.
STAMP = datetime(2026, 12, 6, 2, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("style", "part", "expected"),
    [
        ("us", "datetime", "Dec 5, 2026 9:05 PM"),
        ("us", "time", "9:05:09 PM"),
        ("us", "date", "Dec 5, 2026"),
        ("day_first", "datetime", "5 Dec 2026 21:05"),
        ("day_first", "time", "21:05:09"),
        ("iso", "datetime", "2026-12-05 21:05"),
    ],
)
def test_dates_in_the_business_time_zone_and_style(style: str, part: str, expected: str) -> None:
    assert format_local(STAMP, NEW_YORK, style, part) == expected
    # SQLite hands back naive UTC: the same moment.
    assert format_local(STAMP.replace(tzinfo=None), NEW_YORK, style, part) == expected


def test_noon_and_midnight_in_the_us_style() -> None:
    assert format_local(datetime(2026, 7, 1, 16, 0, tzinfo=UTC), NEW_YORK, "us") == "Jul 1, 2026 12:00 PM"
    assert format_local(datetime(2026, 7, 1, 4, 0, tzinfo=UTC), NEW_YORK, "us") == "Jul 1, 2026 12:00 AM"


@pytest.mark.parametrize(
    ("seconds", "expected"), [(20, "just now"), (60, "1 min"), (179, "2 min"), (3600 + 300, "1 h 5 min")]
)
def test_how_long_it_has_waited(seconds: int, expected: str) -> None:
    assert waited(STAMP - timedelta(seconds=seconds), STAMP) == expected
    assert waited((STAMP - timedelta(seconds=seconds)).replace(tzinfo=None), STAMP) == expected


def test_who_a_conversation_is_with() -> None:
    def row(channel: str, phone: str | None = None, name: str | None = None) -> ConversationRow:
        return ConversationRow(
            channel=channel, caller_phone=phone, state={"verified_name": name} if name else {}
        )

    assert who(row("chat", name="Sarah Johnson")) == "Sarah Johnson"  # was "—"
    assert who(row("voice", "+15035550101", "Sarah Johnson")) == "Sarah Johnson"
    assert who(row("voice", "+15035550101")) == "+15035550101"
    assert who(row("chat")) == "website visitor"
    assert who(row("voice")) == "unknown caller"
    assert who(row("web-call")) == "test call"  # from the console's test-call page


def _summary(channel: str, reason: str, verified: bool = False) -> str:
    state = ConversationState(conversation_id="c1", channel=channel, caller_phone=None)
    memory = AgentMemory(messages=[Message(role="user", content="I have a question about my bill")])
    if verified:
        state.verified_person_id = "p-1001"
        memory.verified_first_name, memory.verified_last_name = "Sarah", "Johnson"
    return handoff_summary(state, memory, reason)


def test_handoff_summary_has_one_period_and_names_the_channel() -> None:
    chat = _summary("chat", "The caller asked to speak to a person.")
    assert chat.startswith("Handoff: The visitor asked to speak to a person. Visitor not verified.")
    assert ".." not in chat and "Visitor said: I have a question about my bill" in chat
    call = _summary("voice", "Billing: a question about a charge on a bill", verified=True)
    assert call.startswith(
        "Handoff: Billing: a question about a charge on a bill. Verified caller Sarah Johnson (p-1001)."
    )
    assert "Caller said:" in call
