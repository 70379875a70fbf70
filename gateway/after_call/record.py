"""A conversation's structured record, read back from what was stored: its audit chain (tool calls
and their outcomes, the verified identity, handoffs, how it ended), its row and the agent's saved
state (the verified caller's name), and the messages taken. Summaries are written from this, never
from the transcript's free text, so they can only say what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from agents.api import ConversationState
from agents.events import EventKind
from agents.memory import AgentMemory
from connectors.base import CAPABILITIES, Capability
from gateway.statuses import HandoffStatus
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, HandoffRow


@dataclass(frozen=True)
class VerifiedPerson:
    id: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    method: str | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or f"person {self.id}"


@dataclass(frozen=True)
class Action:
    """One connector call the agent made: what, with what, and how it went."""

    tool: str
    ok: bool
    arguments: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None  # the connector's plain message (safe to show staff)

    @property
    def writes(self) -> bool:
        try:
            return CAPABILITIES[Capability(self.tool)].writes
        except ValueError:
            return False


@dataclass(frozen=True)
class TakenMessage:
    """A message or callback request the agent took (the `callbacks` table)."""

    id: str
    caller_name: str
    phone: str
    reason: str
    best_time: str | None
    crm_task_id: str | None = None  # a task the agent already made during the conversation


@dataclass
class CallRecord:
    conversation_id: str
    channel: str
    caller_phone: str | None
    started_at: datetime
    ended_at: datetime | None
    timezone: str
    verified: VerifiedPerson | None = None
    actions: list[Action] = field(default_factory=list)
    failed_validations: list[str] = field(default_factory=list)  # tools whose read-back differed
    unrun_writes: list[str] = field(default_factory=list)  # intents stored, no result on record
    handoff_reason: str | None = None
    resolved_by_staff: str | None = None  # the resolution note of a person who took the handoff
    end_reason: str | None = None
    messages: list[TakenMessage] = field(default_factory=list)

    @property
    def writes(self) -> list[Action]:
        return [a for a in self.actions if a.writes]

    @property
    def unfinished(self) -> list[str]:
        """Why a person must pick this conversation up (empty: nothing left open)."""
        why: list[str] = []
        if self.handoff_reason and self.resolved_by_staff is None:
            why.append(f"handed over: {self.handoff_reason}")
        why += [f"{a.tool} failed: {a.error or 'no reason given'}" for a in self.writes if not a.ok]
        why += [f"{tool} could not be confirmed by a read-back" for tool in self.failed_validations]
        why += [f"{tool} was agreed but has no result on record" for tool in self.unrun_writes]
        return why

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:  # SQLite gives back the stored UTC without its zone
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(ZoneInfo(self.timezone))


def _error_text(error: Any) -> str | None:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("kind") or "") or None
    return None if error is None else str(error)


def record_from(row: ConversationRow, events: list[AuditEventRow], timezone: str) -> CallRecord:
    """The record of one conversation from its row and its audit events (in chain order)."""
    record = CallRecord(
        conversation_id=row.id,
        channel=row.channel,
        caller_phone=row.caller_phone,
        started_at=row.started_at,
        ended_at=row.ended_at,
        timezone=timezone,
    )
    memory = AgentMemory.load(ConversationState.model_validate(row.state)) if row.state else AgentMemory()
    intents: list[str] = []
    for event in events:
        p = event.payload or {}
        if event.kind == EventKind.TOOL_CALL and p.get("outcome") in ("ok", "failed"):
            record.actions.append(
                Action(
                    tool=str(p.get("tool")),
                    ok=p.get("outcome") == "ok",
                    arguments=dict(p.get("arguments") or {}),
                    result=p.get("result") if isinstance(p.get("result"), dict) else None,
                    error=_error_text(p.get("error")),
                )
            )
        elif event.kind == EventKind.WRITE_INTENT:
            intents.append(str(p.get("tool")))
        elif event.kind == EventKind.VALIDATION and p.get("ok") is False:
            record.failed_validations.append(str(p.get("tool")))
        elif event.kind == EventKind.IDENTITY_VERIFIED:
            record.verified = VerifiedPerson(
                id=str(p.get("person_id")),
                first_name=memory.verified_first_name,
                last_name=memory.verified_last_name,
                phone=memory.verified_phone,
                email=memory.verified_email,
                method=p.get("method"),
            )
        elif event.kind == EventKind.HANDOFF:
            record.handoff_reason = str(p.get("reason") or "requested")
        elif event.kind == EventKind.CONVERSATION_ENDED:
            record.end_reason = str(p.get("reason") or "") or None
    ran = [a.tool for a in record.writes]
    for tool in intents:  # an intent whose call never came back (the process died mid-write)
        if tool in ran:
            ran.remove(tool)
        else:
            record.unrun_writes.append(tool)
    return record


async def load_record(db: Database, conversation_id: str, timezone: str) -> CallRecord | None:
    async with db.session() as s:
        row = await s.get(ConversationRow, conversation_id)
        if row is None:
            return None
        events = list(
            await s.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.conversation_id == conversation_id)
                .order_by(AuditEventRow.seq)
            )
        )
        handoffs = list(
            await s.scalars(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id))
        )
    record = record_from(row, events, timezone)
    # A handoff a person claimed and resolved was finished by them: no case for it.
    if handoffs and all(h.status == HandoffStatus.RESOLVED and h.claimed_by for h in handoffs):
        record.resolved_by_staff = "; ".join(h.resolution_note or "resolved" for h in handoffs)
    return record
