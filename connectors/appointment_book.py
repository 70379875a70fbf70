"""What every connector that keeps an appointment book shares: the capabilities it serves, what a
part of the day means, and the plumbing (business time zone, clock, every call under the
resilience guard). The demo practice and FHIR differ only in where the book lives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from connectors.base import Capability, Connector, PartOfDay
from connectors.resilience import Resilience, ResiliencePolicy

T = TypeVar("T")

APPOINTMENT_BOOK = frozenset(
    {
        Capability.FIND_PERSON_BY_PHONE,
        Capability.FIND_PERSON_BY_NAME_DOB,
        Capability.FIND_PEOPLE_BY_DOB,
        Capability.LIST_PROVIDERS,
        Capability.LIST_FREE_SLOTS,
        Capability.LIST_APPOINTMENTS,
        Capability.GET_APPOINTMENT,
        Capability.BOOK_APPOINTMENT,
        Capability.RESCHEDULE_APPOINTMENT,
        Capability.CANCEL_APPOINTMENT,
    }
)

NOON = time(12, 0)


def in_part_of_day(start: datetime, part: PartOfDay) -> bool:
    """Morning is before noon, afternoon from noon on, in the local time `start` is given in."""
    if part == "morning":
        return start.time() < NOON
    if part == "afternoon":
        return start.time() >= NOON
    return True


class AppointmentBookConnector(Connector):
    capabilities = APPOINTMENT_BOOK

    def __init__(
        self,
        system: str,
        *,
        timezone: str | ZoneInfo,
        policy: ResiliencePolicy | None,
        clock: Callable[[], datetime] | None,
        phone_region: str,
    ) -> None:
        self.tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._guard = Resilience(system, policy or ResiliencePolicy(timeout_s=10.0))
        self._clock = clock or (lambda: datetime.now(UTC))
        self._region = phone_region

    def now(self) -> datetime:
        return self._clock().astimezone(self.tz)

    async def _read(self, operation: str, fn: Callable[[], Awaitable[T]]) -> T:
        return await self._guard.read(operation, lambda: self._translate_errors(fn))

    async def _write(self, operation: str, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        return await self._guard.write(operation, lambda: self._translate_errors(fn), idempotency_key=key)

    async def _translate_errors(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Where a backend's own exceptions become `ConnectorError`s (FHIR's client raises them
        already; a database's errors need translating)."""
        return await fn()
