"""Chat handoffs nobody claims in time (`FRONTDESK_HANDOFF_CLAIM_TIMEOUT_S`): the visitor is not
left "waiting for a person" for ever. The handoff is resolved as unanswered (a conditional update:
of a claim and this sweep racing, one wins; across replicas, one replica acts), the conversation
goes back to the assistant, and the assistant says nobody is free and offers to take a message
(`agents.staff_hours.offer_after_wait`; a "no, I'll wait" hands over again). On the audit chain
as `handoff.unanswered` (`why: unclaimed`, how long it waited)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, update

from agents.events import EventKind
from gateway.chat.hub import ChatHub, ChatRefused
from gateway.logging import get_logger
from gateway.statuses import ConversationStatus, HandoffStatus
from gateway.store.audit import AuditLog
from gateway.store.db import Database, unreachable
from gateway.store.models import ConversationRow, HandoffRow

log = get_logger(__name__)
_HANDOFFS = HandoffRow.__table__


async def unclaimed_handoffs(db: Database, timeout_s: float, limit: int = 100) -> list[tuple[int, str]]:
    """(handoff id, conversation id) of chat handoffs waiting for at least `timeout_s`."""
    cutoff = datetime.now(UTC) - timedelta(seconds=timeout_s)
    async with db.session() as s:
        rows = await s.execute(
            select(HandoffRow.id, HandoffRow.conversation_id)
            .join(ConversationRow, ConversationRow.id == HandoffRow.conversation_id)
            .where(
                HandoffRow.status == HandoffStatus.WAITING,
                HandoffRow.created_at <= cutoff,
                ConversationRow.channel == "chat",
                ConversationRow.status == ConversationStatus.WAITING,
            )
            .order_by(HandoffRow.created_at)
            .limit(limit)
        )
        return [(int(r[0]), str(r[1])) for r in rows]


def _minutes(seconds: float) -> str:
    """'3 minutes', '1 second' (tests use short timeouts)."""
    count, unit = (max(1, round(seconds)), "second") if seconds < 90 else (round(seconds / 60), "minute")
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


async def offer_messages(db: Database, audit: AuditLog, hub: ChatHub, timeout_s: float) -> list[str]:
    """Resolve the unclaimed handoffs this replica wins and offer each visitor a message."""
    offered: list[str] = []
    for handoff_id, conversation_id in await unclaimed_handoffs(db, timeout_s):
        note = f"Not claimed within {_minutes(timeout_s)}: the assistant offered to take a message."

        def resolve(conn: Connection, handoff_id: int = handoff_id, note: str = note) -> bool:
            done = conn.execute(
                update(_HANDOFFS)
                .where(_HANDOFFS.c.id == handoff_id, _HANDOFFS.c.status == HandoffStatus.WAITING)
                .values(status=HandoffStatus.RESOLVED, resolution_note=note, resolved_at=datetime.now(UTC))
            )
            return bool(done.rowcount)

        if not await db.run_write(resolve):
            continue  # claimed meanwhile, or another replica took it
        await audit.append(
            conversation_id,
            EventKind.HANDOFF_UNANSWERED,
            "system",
            {"handoff": handoff_id, "why": "unclaimed", "timeout_s": timeout_s},
        )
        try:
            await hub.offer_message_instead(conversation_id)
        except ChatRefused:  # closed meanwhile
            continue
        offered.append(conversation_id)
    if offered:
        log.info("unclaimed chat handoffs offered a message", count=len(offered))
    return offered


async def sweep_forever(db: Database, audit: AuditLog, hub: ChatHub, timeout_s: float) -> None:
    while True:
        await asyncio.sleep(min(15.0, max(0.1, timeout_s / 5)))
        try:
            await offer_messages(db, audit, hub, timeout_s)
        except Exception as exc:  # the database may be down for a moment; the next sweep retries
            if unreachable(exc):  # an outage is said as one, without a traceback (it is no bug)
                log.warning(
                    "offering messages for unclaimed handoffs waits: database unreachable", error=repr(exc)
                )
            else:
                log.exception("offering messages for unclaimed handoffs failed")
