"""What a conversation left behind, read from the gateway's database: the demo practice's
appointments before and after, and the conversation's audit events (turns, identity, handoffs).

Checks look only here, never at the channel's own view, so the three channels are judged alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gateway.settings import Settings

# `conversation.ended` reasons that mean the bot ended the conversation (said goodbye): the agent's
# EndConversation reason (terminal, chat) and the voice edge's close after the goodbye was played.
BOT_ENDED_REASONS = frozenset({"completed", "bot ended the call"})


@dataclass(frozen=True)
class Appointment:
    id: str
    patient_id: str
    patient_name: str
    provider_id: str
    provider_name: str
    start: datetime  # local, aware
    status: str


@dataclass(frozen=True)
class Patient:
    id: str
    first_name: str
    last_name: str
    date_of_birth: date

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    payload: dict[str, Any]


@dataclass
class Practice:
    """The demo practice at one moment: appointments by id, and the patient roster."""

    appointments: dict[str, Appointment]
    patients: list[Patient]
    providers: dict[str, str]  # id -> name


@dataclass
class Record:
    conversation_id: str | None
    before: Practice
    after: Practice
    events: list[Event] = field(default_factory=list)

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    @property
    def bot_replies(self) -> list[Event]:
        return self.of("turn.bot")

    @property
    def caller_turns(self) -> list[Event]:
        return self.of("turn.user")

    def transcript(self) -> list[tuple[str, str]]:
        """(speaker, text) in order, as audited: "caller" for user turns, "bot" for replies."""
        lines = []
        for e in self.events:
            if e.kind == "turn.user":
                lines.append(("caller", str(e.payload.get("text") or "")))
            elif e.kind == "turn.bot":
                lines.append(("bot", str(e.payload.get("said") or "")))
        return lines

    @property
    def handoff_reasons(self) -> list[str]:
        return [str(e.payload.get("reason") or "") for e in self.of("handoff.requested")]

    @property
    def ended_by_bot(self) -> bool:
        return any(e.payload.get("reason") in BOT_ENDED_REASONS for e in self.of("conversation.ended"))

    @property
    def verified_at(self) -> int | None:
        """The audit seq of the first `agent.identity_verified`, or None."""
        found = self.of("agent.identity_verified")
        return found[0].seq if found else None

    # -- what changed in the system of record --------------------------------------------------

    @property
    def new_bookings(self) -> list[Appointment]:
        return [a for i, a in self.after.appointments.items() if i not in self.before.appointments]

    @property
    def booked(self) -> list[Appointment]:
        """New appointments still booked at the end."""
        return [a for a in self.new_bookings if a.status == "booked"]

    @property
    def moved(self) -> list[tuple[Appointment, Appointment]]:
        """(before, after) of appointments that existed and were moved (provider or time)."""
        out = []
        for i, old in self.before.appointments.items():
            new = self.after.appointments.get(i)
            if (
                new is not None
                and new.status == "booked"
                and (new.start, new.provider_id)
                != (
                    old.start,
                    old.provider_id,
                )
            ):
                out.append((old, new))
        return out

    @property
    def cancelled(self) -> list[Appointment]:
        """Appointments booked before the conversation and cancelled during it."""
        return [
            a
            for i, a in self.after.appointments.items()
            if a.status == "cancelled"
            and i in self.before.appointments
            and self.before.appointments[i].status == "booked"
        ]

    @property
    def changed(self) -> bool:
        return bool(self.new_bookings or self.moved or self.cancelled)


async def read_practice(settings: Settings) -> Practice:
    from connectors.demo.models import DemoAppointment, DemoPatient, DemoProvider
    from gateway.store.db import Database

    tz = ZoneInfo(settings.timezone)
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            patients = [
                Patient(p.id, p.first_name, p.last_name, p.date_of_birth)
                for p in (await s.execute(select(DemoPatient).order_by(DemoPatient.id))).scalars()
            ]
            providers = {p.id: p.name for p in (await s.execute(select(DemoProvider))).scalars()}
            rows = (await s.execute(select(DemoAppointment))).scalars().all()
    finally:
        await db.close()
    names = {p.id: p.full_name for p in patients}
    appointments = {
        r.id: Appointment(
            id=r.id,
            patient_id=r.patient_id,
            patient_name=names.get(r.patient_id, r.patient_id),
            provider_id=r.provider_id,
            provider_name=providers.get(r.provider_id, r.provider_id),
            start=r.start_utc.replace(tzinfo=UTC).astimezone(tz),
            status=r.status,
        )
        for r in rows
    }
    return Practice(appointments, patients, providers)


async def read_events(settings: Settings, conversation_id: str) -> list[Event]:
    from gateway.store.db import Database
    from gateway.store.models import AuditEventRow

    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            rows = (
                await s.execute(
                    select(AuditEventRow)
                    .where(AuditEventRow.conversation_id == conversation_id)
                    .order_by(AuditEventRow.seq)
                )
            ).scalars()
            return [Event(r.seq, r.kind, dict(r.payload or {})) for r in rows]
    finally:
        await db.close()


async def conversation_for_call(settings: Settings, call_sid: str) -> str | None:
    from gateway.store.db import Database
    from gateway.store.models import ConversationRow

    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            return (
                await s.execute(select(ConversationRow.id).where(ConversationRow.external_id == call_sid))
            ).scalar_one_or_none()
    finally:
        await db.close()
