"""What the connectors that keep an appointment book share: the capabilities they serve (each
really implemented), what a part of the day means, and the business-time-zone clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.appointment_book import APPOINTMENT_BOOK, AppointmentBookConnector, in_part_of_day
from connectors.base import Connector
from connectors.demo import DemoConnector
from connectors.fhir import FhirConnector

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("connector_class", [DemoConnector, FhirConnector])
def test_each_appointment_book_capability_is_implemented(connector_class: type[Connector]) -> None:
    assert issubclass(connector_class, AppointmentBookConnector)
    assert connector_class.capabilities == APPOINTMENT_BOOK
    for capability in APPOINTMENT_BOOK:
        # the base class only says "unsupported": every declared capability must override it
        assert getattr(connector_class, capability.value) is not getattr(Connector, capability.value), (
            capability
        )


@pytest.mark.parametrize(
    ("hour", "minute", "part", "inside"),
    [
        (9, 0, "morning", True),
        (11, 59, "morning", True),
        (12, 0, "morning", False),
        (12, 0, "afternoon", True),
        (11, 59, "afternoon", False),
        (16, 30, "afternoon", True),
        (7, 0, "any", True),
        (19, 0, "any", True),
    ],
)
def test_parts_of_the_day_split_at_noon(hour: int, minute: int, part: str, inside: bool) -> None:
    assert in_part_of_day(datetime(2026, 3, 2, hour, minute, tzinfo=NEW_YORK), part) is inside  # type: ignore[arg-type]


def test_part_of_day_is_read_in_the_time_given() -> None:
    # 15:00 UTC is 10:00 in New York (winter): the caller's morning
    moment = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
    assert in_part_of_day(moment, "afternoon")
    assert in_part_of_day(moment.astimezone(NEW_YORK), "morning")


async def test_now_is_in_the_business_time_zone() -> None:
    fixed = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        demo = DemoConnector(engine, "America/New_York", clock=lambda: fixed)
        fhir = FhirConnector("http://127.0.0.1:9", auth=None, timezone=NEW_YORK, clock=lambda: fixed)
        for connector in (demo, fhir):
            assert connector.now() == fixed and connector.now().utcoffset() == NEW_YORK.utcoffset(fixed)
            assert connector.now().hour == 10
        await fhir.aclose()
    finally:
        await engine.dispose()
