"""Tables of the built-in demo practice, in the project's own database (prefix `demo_`).

Free slots are not stored: they are working hours minus booked appointments, computed on demand.
Datetimes are stored as naive UTC so that SQLite and PostgreSQL compare and index them alike; the
connector converts to the business's time zone at its edge.

Double booking is impossible by construction: a partial unique index allows at most one *booked*
appointment per provider and start time (cancelled ones don't count).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = MetaData()


class DemoBase(DeclarativeBase):
    metadata = metadata


class DemoProvider(DemoBase):
    __tablename__ = "demo_providers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str | None] = mapped_column(String(200))


class DemoPatient(DemoBase):
    __tablename__ = "demo_patients"
    __table_args__ = (Index("ix_demo_patients_identity", "last_name_key", "first_name_key", "date_of_birth"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Case- and accent-folded names, so "JOSE garcia" finds "José García" on either database.
    first_name_key: Mapped[str] = mapped_column(String(100))
    last_name_key: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(32), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(200))


class DemoAppointment(DemoBase):
    __tablename__ = "demo_appointments"
    __table_args__ = (
        Index(
            "uq_demo_appointments_provider_start_booked",
            "provider_id",
            "start_utc",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_demo_appointments_patient", "patient_id", "start_utc"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("demo_patients.id"))
    provider_id: Mapped[str] = mapped_column(ForeignKey("demo_providers.id"))
    start_utc: Mapped[datetime] = mapped_column(DateTime())
    end_utc: Mapped[datetime] = mapped_column(DateTime())
    status: Mapped[str] = mapped_column(String(16))  # booked | cancelled
    reason: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_utc: Mapped[datetime] = mapped_column(DateTime())
    updated_utc: Mapped[datetime] = mapped_column(DateTime())


class DemoIdempotency(DemoBase):
    """The first result of each write, by idempotency key: a retried write returns it unchanged."""

    __tablename__ = "demo_idempotency"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request without its key
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    created_utc: Mapped[datetime] = mapped_column(DateTime())
