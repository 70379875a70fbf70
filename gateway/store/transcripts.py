"""One conversation as stored: its row, its turns in order, its handoffs and its recordings.

The one place these are read together: the console's conversation page, transcript and export,
and the Twilio inspection endpoint (`GET /twilio/calls/{CallSid}/turns`) all come here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from gateway.store.audit import StoredEvent
from gateway.store.db import Database
from gateway.store.models import ConversationRow, HandoffRow, RecordingRow, TurnRow


@dataclass
class ConversationDetail:
    row: ConversationRow
    turns: list[TurnRow]
    handoffs: list[HandoffRow]
    recordings: list[RecordingRow]
    events: list[StoredEvent] = field(default_factory=list)  # the audit chain, when the reader adds it


async def load_conversation(db: Database, conversation_id: str) -> ConversationDetail | None:
    async with db.session() as s:
        row = await s.get(ConversationRow, conversation_id)
        if row is None:
            return None
        turns = (
            await s.scalars(
                select(TurnRow).where(TurnRow.conversation_id == conversation_id).order_by(TurnRow.seq)
            )
        ).all()
        handoffs = (
            await s.scalars(
                select(HandoffRow)
                .where(HandoffRow.conversation_id == conversation_id)
                .order_by(HandoffRow.created_at, HandoffRow.id)
            )
        ).all()
        recordings = (
            await s.scalars(
                select(RecordingRow)
                .where(RecordingRow.conversation_id == conversation_id)
                .order_by(RecordingRow.created_at, RecordingRow.id)
            )
        ).all()
    return ConversationDetail(row, list(turns), list(handoffs), list(recordings))


async def conversation_of_call(db: Database, call_sid: str) -> str | None:
    """The id of the conversation a phone call (Twilio's CallSid) became, if any."""
    async with db.session() as s:
        return await s.scalar(select(ConversationRow.id).where(ConversationRow.external_id == call_sid))
