"""Abandoned chats: a visitor who closes the tab leaves an open conversation behind, and if they
had asked for a person, a handoff that waits in the staff queue for nobody.

A chat is abandoned when it is not closed, nothing has been said in it (no event in the outbox:
visitor, bot or staff) for `FRONTDESK_CHAT_ABANDONED_AFTER_S`, and no connection of this process
is attached to it. It is then closed ("visitor left"; the close is on its audit chain) and its
waiting handoffs are resolved, so it leaves the queue. A handoff a staff member has claimed stays
with them. The database decides, so chats evicted from memory, or left before a restart, are found
too; each replica's sweep skips the chats it has a connection for, and a connected visitor is
closed by the idle timeout well before this (the setting should stay above it).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update

from gateway.chat.hub import ChatHub, ChatRefused
from gateway.logging import get_logger
from gateway.statuses import ConversationStatus, HandoffStatus
from gateway.store.db import Database
from gateway.store.models import ChatMessageRow, ConversationRow, HandoffRow

log = get_logger(__name__)


async def abandoned_chats(db: Database, idle_s: float, limit: int = 200) -> list[str]:
    """Open chat conversations started, and silent, for at least `idle_s`."""
    cutoff = datetime.now(UTC) - timedelta(seconds=idle_s)
    recent = exists().where(
        ChatMessageRow.conversation_id == ConversationRow.id, ChatMessageRow.created_at >= cutoff
    )
    async with db.session() as s:
        rows = await s.scalars(
            select(ConversationRow.id)
            .where(
                ConversationRow.channel == "chat",
                ConversationRow.status != ConversationStatus.CLOSED,
                ConversationRow.started_at < cutoff,
                ~recent,
            )
            .order_by(ConversationRow.started_at)
            .limit(limit)
        )
        return list(rows)


async def close_abandoned(db: Database, hub: ChatHub, idle_s: float) -> list[str]:
    """Close the abandoned chats and resolve their waiting handoffs; returns their ids."""
    closed: list[str] = []
    for conversation_id in await abandoned_chats(db, idle_s):
        if hub.attached(conversation_id):
            continue
        minutes = round(idle_s / 60)
        # The handoff first: a close that did not follow (a crash, a refusal) leaves the chat for the
        # next sweep, while a close before it would have left the handoff waiting for good (a closed
        # chat is never swept again), and anyone who saw the chat closed sees the handoff resolved.
        async with db.session() as s, s.begin():
            await s.execute(
                update(HandoffRow)
                .where(
                    HandoffRow.conversation_id == conversation_id, HandoffRow.status == HandoffStatus.WAITING
                )
                .values(
                    status=HandoffStatus.RESOLVED,
                    resolution_note=f"visitor left before a person joined ({minutes} min without activity)",
                    resolved_at=datetime.now(UTC),
                )
            )
        try:
            await hub.close_conversation(conversation_id, f"visitor left: no activity for {minutes} min")
        except ChatRefused:  # gone meanwhile
            continue
        closed.append(conversation_id)
    if closed:
        log.info("abandoned chats closed", count=len(closed))
    return closed


async def sweep_forever(db: Database, hub: ChatHub, idle_s: float) -> None:
    while True:
        await asyncio.sleep(min(60.0, max(0.2, idle_s / 4)))
        try:
            await close_abandoned(db, hub, idle_s)
        except Exception:  # the database may be down for a moment; the next sweep retries
            log.exception("closing abandoned chats failed")
