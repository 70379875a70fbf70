"""Read-side queries behind the console pages: the filtered conversation list and the handoff
queue (one conversation with everything staff look at: `gateway.store.transcripts`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Select, exists, func, or_, select

from gateway.statuses import OPEN_HANDOFF, ConversationStatus, HandoffStatus
from gateway.store.db import Database
from gateway.store.models import ConversationRow, HandoffRow, StaffUserRow, TurnRow

PAGE_SIZE_DEFAULT = 25


class ConversationFilter(BaseModel):
    """The list page's query string. Empty fields mean "any"; bad values raise a clear error."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    channel: Literal["voice", "chat", "terminal", "web-call"] | None = None
    status: ConversationStatus | None = None
    date_from: date | None = None  # in the business's time zone, inclusive
    date_to: date | None = None  # inclusive
    needs_person: bool = False
    q: str | None = Field(default=None, max_length=200)
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=PAGE_SIZE_DEFAULT, ge=1, le=200)

    @field_validator("channel", "status", "date_from", "date_to", "q", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("needs_person", mode="before")
    @classmethod
    def _checkbox(cls, value: Any) -> Any:
        return False if value in (None, "") else value

    @model_validator(mode="after")
    def _range_in_order(self) -> ConversationFilter:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    def query_string(self, **changes: Any) -> str:
        """This filter as a query string (for paging links), with `changes` applied."""
        from urllib.parse import urlencode

        data = self.model_dump() | changes
        pairs = {k: ("1" if v is True else v) for k, v in data.items() if v not in (None, False, "")}
        if pairs.get("page_size") == PAGE_SIZE_DEFAULT:
            pairs.pop("page_size")
        return urlencode(pairs)


@dataclass
class ConversationSummary:
    row: ConversationRow
    turns: int
    open_handoff: HandoffRow | None


@dataclass
class ConversationPage:
    items: list[ConversationSummary]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _filtered(flt: ConversationFilter, tz: ZoneInfo) -> Select[tuple[ConversationRow]]:
    query = select(ConversationRow)
    if flt.channel:
        query = query.where(ConversationRow.channel == flt.channel)
    if flt.status:
        query = query.where(ConversationRow.status == flt.status)
    if flt.date_from:
        query = query.where(ConversationRow.started_at >= _local_midnight_utc(flt.date_from, tz))
    if flt.date_to:
        end = _local_midnight_utc(flt.date_to + timedelta(days=1), tz)
        query = query.where(ConversationRow.started_at < end)
    if flt.needs_person:
        open_handoff = exists().where(
            HandoffRow.conversation_id == ConversationRow.id, HandoffRow.status.in_(OPEN_HANDOFF)
        )
        query = query.where(
            or_(
                ConversationRow.status.in_((ConversationStatus.WAITING, ConversationStatus.WITH_STAFF)),
                open_handoff,
            )
        )
    if flt.q:
        pattern = f"%{_escape_like(flt.q)}%"
        in_turns = exists().where(
            TurnRow.conversation_id == ConversationRow.id,
            or_(TurnRow.text.ilike(pattern, escape="\\"), TurnRow.heard_text.ilike(pattern, escape="\\")),
        )
        query = query.where(
            or_(
                in_turns,
                ConversationRow.summary.ilike(pattern, escape="\\"),
                ConversationRow.caller_phone.ilike(pattern, escape="\\"),
                ConversationRow.id == flt.q,
                ConversationRow.external_id == flt.q,
            )
        )
    return query


async def list_conversations(db: Database, flt: ConversationFilter, tz: ZoneInfo) -> ConversationPage:
    query = _filtered(flt, tz)
    async with db.session() as s:
        total = await s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = (
            await s.scalars(
                query.order_by(ConversationRow.started_at.desc(), ConversationRow.id)
                .limit(flt.page_size)
                .offset((flt.page - 1) * flt.page_size)
            )
        ).all()
        ids = [r.id for r in rows]
        counts: dict[str, int] = {}
        handoffs: dict[str, HandoffRow] = {}
        if ids:
            counted = await s.execute(
                select(TurnRow.conversation_id, func.count())
                .where(TurnRow.conversation_id.in_(ids))
                .group_by(TurnRow.conversation_id)
            )
            counts = {conversation_id: n for conversation_id, n in counted}
            for h in await s.scalars(
                select(HandoffRow)
                .where(HandoffRow.conversation_id.in_(ids), HandoffRow.status.in_(OPEN_HANDOFF))
                .order_by(HandoffRow.created_at)
            ):
                handoffs.setdefault(h.conversation_id, h)
    items = [ConversationSummary(r, counts.get(r.id, 0), handoffs.get(r.id)) for r in rows]
    return ConversationPage(items, total, flt.page, flt.page_size)


@dataclass
class QueueEntry:
    handoff: HandoffRow
    conversation: ConversationRow


async def handoff_queue(db: Database) -> tuple[list[QueueEntry], list[QueueEntry]]:
    """(waiting oldest first, claimed and not yet resolved oldest first)."""
    async with db.session() as s:
        result = await s.execute(
            select(HandoffRow, ConversationRow)
            .join(ConversationRow, ConversationRow.id == HandoffRow.conversation_id)
            .where(HandoffRow.status.in_(OPEN_HANDOFF))
            .order_by(HandoffRow.created_at, HandoffRow.id)
        )
        entries = [QueueEntry(h, c) for h, c in result.all()]
    waiting = [e for e in entries if e.handoff.status == HandoffStatus.WAITING]
    claimed = [e for e in entries if e.handoff.status == HandoffStatus.CLAIMED]
    return waiting, claimed


async def staff_names(db: Database) -> dict[str, str]:
    """Display names by e-mail, for the accounts that have one (who claimed, who replied)."""
    async with db.session() as s:
        rows = await s.execute(
            select(StaffUserRow.email, StaffUserRow.display_name).where(
                StaffUserRow.display_name.is_not(None)
            )
        )
        return {email: name for email, name in rows.all() if name}


async def waiting_handoffs(db: Database) -> list[int]:
    """The ids of the handoffs waiting for a person, oldest first (no patient data)."""
    async with db.session() as s:
        found = await s.scalars(
            select(HandoffRow.id)
            .where(HandoffRow.status == HandoffStatus.WAITING)
            .order_by(HandoffRow.created_at, HandoffRow.id)
        )
        return list(found.all())
