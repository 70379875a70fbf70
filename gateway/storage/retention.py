"""Retention: recordings, and transcripts of ended conversations, older than the configured number
of days are purged (`frontdesk retention`; 0 days: kept forever).

What goes: a recording's file or object (this machine's disk and the store) and its row; a
transcript's turns, chat messages, the conversation's summary and agent state and its handoffs'
summaries and notes. What stays: the conversation row (channel, times, status: the index the audit
trail hangs off) and the audit trail itself, which is append-only and never purged (docs/audit.md).
Each purged conversation gets a `retention.purge` event on its own chain, appended before anything
of it is removed, with what is removed (counts, never content); the run's totals go on the
`system` chain. `frontdesk audit verify` passes after a purge: no event is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from gateway.logging import get_logger
from gateway.storage.base import StorageError
from gateway.storage.recordings import Recordings
from gateway.store.audit import SYSTEM_CHAIN, AuditLog
from gateway.store.db import Database
from gateway.store.models import (
    CallbackRow,
    ChatMessageRow,
    ConversationRow,
    HandoffRow,
    RecordingRow,
    TurnRow,
)

log = get_logger(__name__)

PURGE_EVENT = "retention.purge"


@dataclass
class Purge:
    """What one conversation loses."""

    recordings: list[tuple[int, str]] = field(default_factory=list)  # (row id, storage key)
    turns: int = 0
    chat_messages: int = 0
    transcript: bool = False  # its turns, messages, summaries and agent state go

    def counts(self) -> dict[str, int]:
        return {
            "recordings": len(self.recordings),
            "turns": self.turns,
            "chat_messages": self.chat_messages,
        }


@dataclass
class RetentionPlan:
    recording_days: int
    transcript_days: int
    conversations: dict[str, Purge] = field(default_factory=dict)

    @property
    def recordings(self) -> int:
        return sum(len(p.recordings) for p in self.conversations.values())

    @property
    def transcripts(self) -> int:
        return sum(1 for p in self.conversations.values() if p.transcript)

    @property
    def turns(self) -> int:
        return sum(p.turns for p in self.conversations.values())

    @property
    def chat_messages(self) -> int:
        return sum(p.chat_messages for p in self.conversations.values())

    def totals(self) -> dict[str, int]:
        return {
            "conversations": len(self.conversations),
            "recordings": self.recordings,
            "transcripts": self.transcripts,
            "turns": self.turns,
            "chat_messages": self.chat_messages,
            "recording_days": self.recording_days,
            "transcript_days": self.transcript_days,
        }


@dataclass
class RetentionResult:
    plan: RetentionPlan
    purged: dict[str, int] = field(default_factory=dict)  # the same counts as the plan's, done
    failed_recordings: int = 0  # left in place (storage unreachable): the next run tries again


async def plan_retention(
    db: Database, recording_days: int, transcript_days: int, now: datetime | None = None
) -> RetentionPlan:
    """What a purge would remove now (nothing for a kind whose days are 0)."""
    now = now or datetime.now(UTC)
    plan = RetentionPlan(recording_days, transcript_days)
    async with db.session() as s:
        if recording_days > 0:
            cutoff = now - timedelta(days=recording_days)
            rows = await s.execute(
                select(RecordingRow.id, RecordingRow.conversation_id, RecordingRow.path)
                .where(RecordingRow.created_at < cutoff)
                .order_by(RecordingRow.id)
            )
            for rid, cid, key in rows.all():
                plan.conversations.setdefault(cid, Purge()).recordings.append((rid, key))
        if transcript_days > 0:
            cutoff = now - timedelta(days=transcript_days)
            turns = (
                select(func.count()).where(TurnRow.conversation_id == ConversationRow.id).scalar_subquery()
            )
            messages = (
                select(func.count())
                .where(ChatMessageRow.conversation_id == ConversationRow.id)
                .scalar_subquery()
            )
            rows = await s.execute(
                select(ConversationRow.id, turns, messages).where(
                    ConversationRow.ended_at.is_not(None),
                    ConversationRow.ended_at < cutoff,
                    or_(turns > 0, messages > 0, ConversationRow.summary.is_not(None)),
                )
            )
            for cid, n_turns, n_messages in rows.all():
                purge = plan.conversations.setdefault(cid, Purge())
                purge.transcript, purge.turns, purge.chat_messages = True, n_turns, n_messages
    return plan


async def purge(
    db: Database, audit: AuditLog, recordings: Recordings, plan: RetentionPlan
) -> RetentionResult:
    """Remove what `plan` lists, one conversation at a time, its audit event first."""
    result = RetentionResult(plan)
    done = {"conversations": 0, "recordings": 0, "transcripts": 0, "turns": 0, "chat_messages": 0}
    for cid, what in plan.conversations.items():
        await audit.append(
            cid,
            PURGE_EVENT,
            "system",
            {**what.counts(), "recording_days": plan.recording_days, "transcript_days": plan.transcript_days},
        )
        removed = []
        for rid, key in what.recordings:
            try:
                await recordings.delete(key)
            except StorageError as exc:
                result.failed_recordings += 1
                log.warning("recording not purged; kept for the next run", recording=rid, error=str(exc))
                continue
            removed.append(rid)
        async with db.session() as s, s.begin():
            if removed:
                await s.execute(delete(RecordingRow).where(RecordingRow.id.in_(removed)))
            if what.transcript:
                await s.execute(delete(TurnRow).where(TurnRow.conversation_id == cid))
                await s.execute(delete(ChatMessageRow).where(ChatMessageRow.conversation_id == cid))
                # a message staff have dealt with goes with the transcript; an open one stays
                await s.execute(
                    delete(CallbackRow).where(
                        CallbackRow.conversation_id == cid, CallbackRow.status == "done"
                    )
                )
                await s.execute(
                    update(ConversationRow).where(ConversationRow.id == cid).values(summary=None, state={})
                )
                await s.execute(
                    update(HandoffRow)
                    .where(HandoffRow.conversation_id == cid)
                    .values(summary="", resolution_note=None)
                )
        done["conversations"] += 1
        done["recordings"] += len(removed)
        if what.transcript:
            done["transcripts"] += 1
            done["turns"] += what.turns
            done["chat_messages"] += what.chat_messages
    result.purged = done
    if plan.conversations:
        await audit.append(
            SYSTEM_CHAIN,
            PURGE_EVENT,
            "system",
            {
                **done,
                "failed_recordings": result.failed_recordings,
                "recording_days": plan.recording_days,
                "transcript_days": plan.transcript_days,
            },
        )
    log.info("retention purge", **done, failed_recordings=result.failed_recordings)
    return result
