"""The practice's working hours and slot arithmetic (pure functions, no database).

A slot is identified by a stable string `"<provider_id>:<ISO start with offset>"`, e.g.
`"dr-patel:2030-01-07T09:00:00-05:00"`, so free slots are computed from working hours minus
booked appointments rather than stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from connectors.base import Rejected

NOON = time(12, 0)


@dataclass(frozen=True)
class WorkingHours:
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday..Friday
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    slot_minutes: int = 30
    horizon_days: int = 60  # bookable from today up to (not including) today + horizon

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def last_day(self, today: date) -> date:
        return today + timedelta(days=self.horizon_days - 1)

    def starts_on(self, day: date, tz: ZoneInfo) -> list[datetime]:
        """Every slot start of one day, in the business's time zone (empty on closed days)."""
        if day.weekday() not in self.weekdays:
            return []
        out: list[datetime] = []
        current = datetime.combine(day, self.opens, tzinfo=tz)
        close = datetime.combine(day, self.closes, tzinfo=tz)
        while current + self.slot_length <= close:
            out.append(current)
            current = current + self.slot_length
        return out

    def check_bookable(self, start: datetime, now: datetime) -> None:
        """Raise `Rejected` unless `start` (aware, business time zone) is a bookable slot start."""
        local_now = now.astimezone(start.tzinfo)
        if start <= local_now:
            raise Rejected("That time has already passed.", detail=f"slot start {start.isoformat()} <= now")
        if start.date() > self.last_day(local_now.date()):
            raise Rejected(
                f"We only book up to {self.horizon_days} days ahead.",
                detail=f"slot start {start.isoformat()}",
            )
        if start not in self.starts_on(start.date(), start.tzinfo):  # type: ignore[arg-type]
            raise Rejected(
                "That time is outside our working hours.",
                detail=f"{start.isoformat()} is not a {self.slot_minutes}-minute slot Mon-Fri "
                f"{self.opens:%H:%M}-{self.closes:%H:%M}",
            )


def make_slot_id(provider_id: str, start: datetime) -> str:
    return f"{provider_id}:{start.isoformat()}"


def parse_slot_id(slot_id: str, tz: ZoneInfo) -> tuple[str, datetime]:
    """Split a slot id into provider id and aware start (in `tz`); `Rejected` if malformed."""
    provider_id, sep, iso = slot_id.partition(":")
    if not sep or not provider_id or not iso:
        raise Rejected(
            "I didn't understand which time slot that is.", detail=f"malformed slot id {slot_id!r}"
        )
    try:
        start = datetime.fromisoformat(iso)
    except ValueError:
        raise Rejected(
            "I didn't understand the date or time of that slot.", detail=f"malformed date in {slot_id!r}"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)  # a bare local time means the business's time zone
    return provider_id, start.astimezone(tz)
