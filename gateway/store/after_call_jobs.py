"""The row of the after-call queue (its own module, beside `models.py`'s rows on the same `Base`:
the queue and its worker are in `gateway/after_call/`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models import Base, new_id, utcnow


class AfterCallJobRow(Base):
    """One piece of after-call work (note, case, lead, task) for an ended conversation, written in
    the CRM by the worker in `gateway/after_call/` (docs/connectors.md, "After-call work").
    `claimed_by`/`claimed_until`: the replica working on it, a lease another may take over."""

    __tablename__ = "after_call_jobs"
    __table_args__ = (UniqueConstraint("conversation_id", "kind", name="uq_after_call_conversation_kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # note | case | lead | task
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|skipped|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)  # why it failed or was skipped
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None]
    crm: Mapped[str | None] = mapped_column(String(32))  # the connector it went to
    result_id: Mapped[str | None] = mapped_column(String(128))  # the CRM record's id(s)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_after_call_jobs_due", AfterCallJobRow.status, AfterCallJobRow.next_attempt_at)
