"""Messages and callback requests in the database (`agents.callbacks.CallbackBook`): one row each
in `callbacks`, open until a member of staff marks it done; both steps on the conversation's audit
chain (`callback.taken`, `callback.done`). The console lists them (`/console/callbacks`).

The CRM: when the caller was verified and the connector offers `create_task`, the agent also makes
a task on their contact and `crm_task_id` names it. Otherwise the row is where the message lives;
after-call work may read open rows without a `crm_task_id` to send them on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select, update

from agents.callbacks import CallbackRequest
from agents.events import EventKind
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import CallbackRow, new_id

OPEN, DONE = "open", "done"
_TABLE = CallbackRow.__table__


class CallbackNotOpen(Exception):
    """No such callback, or it is done already (someone else marked it)."""


@dataclass(frozen=True)
class Callback:
    id: str
    conversation_id: str
    channel: str
    caller_name: str
    phone: str
    reason: str
    best_time: str | None
    status: str
    created_at: datetime
    done_by: str | None
    done_at: datetime | None
    crm_task_id: str | None


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive UTC."""
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=UTC)


def _callback(row: CallbackRow) -> Callback:
    created = _aware(row.created_at)
    assert created is not None
    return Callback(
        row.id,
        row.conversation_id,
        row.channel,
        row.caller_name,
        row.phone,
        row.reason,
        row.best_time,
        row.status,
        created,
        row.done_by,
        _aware(row.done_at),
        row.crm_task_id,
    )


class DatabaseCallbacks:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    # -- the agent's side (agents.callbacks.CallbackBook) ------------------------------------

    async def take(self, request: CallbackRequest) -> str:
        callback_id = new_id()
        values = {
            "id": callback_id,
            "conversation_id": request.conversation_id,
            "channel": request.channel,
            "caller_name": request.name[:200],
            "phone": request.phone,
            "reason": request.reason,
            "best_time": request.best_time[:200] if request.best_time else None,
            "status": OPEN,
            "created_at": datetime.now(UTC),
        }

        # On the chain first, like a write's intent: a message on the books is never missing from
        # the audit trail (a row that then fails to insert leaves the event and an apology).
        await self.audit.append(
            request.conversation_id,
            EventKind.CALLBACK_TAKEN,
            "agent",
            {
                "callback": callback_id,
                "channel": request.channel,
                "name": request.name,
                "phone": request.phone,
                "reason": request.reason,
                "best_time": request.best_time,
            },
        )

        def write(conn: Connection) -> None:
            conn.execute(insert(_TABLE).values(**values))

        await self.db.run_write(write)
        return callback_id

    async def link_task(self, callback_id: str, task_id: str) -> None:
        def write(conn: Connection) -> None:
            conn.execute(update(_TABLE).where(_TABLE.c.id == callback_id).values(crm_task_id=task_id))

        await self.db.run_write(write)

    # -- the console's side ------------------------------------------------------------------

    async def listed(self, limit: int = 200) -> list[Callback]:
        """Open ones first, oldest first (the longest waiting on top); then done ones, newest first."""
        async with self.db.session() as s:
            open_rows = (
                await s.scalars(
                    select(CallbackRow)
                    .where(CallbackRow.status == OPEN)
                    .order_by(CallbackRow.created_at, CallbackRow.id)
                    .limit(limit)
                )
            ).all()
            done_rows = (
                await s.scalars(
                    select(CallbackRow)
                    .where(CallbackRow.status == DONE)
                    .order_by(CallbackRow.done_at.desc(), CallbackRow.id)
                    .limit(max(0, limit - len(open_rows)))
                )
            ).all()
        return [_callback(r) for r in [*open_rows, *done_rows]]

    async def of_conversation(self, conversation_id: str) -> list[Callback]:
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(CallbackRow)
                    .where(CallbackRow.conversation_id == conversation_id)
                    .order_by(CallbackRow.created_at, CallbackRow.id)
                )
            ).all()
        return [_callback(r) for r in rows]

    async def open_count(self) -> int:
        async with self.db.session() as s:
            return int(await s.scalar(select(func.count()).where(CallbackRow.status == OPEN)) or 0)

    async def mark_done(self, callback_id: str, staff: str, role: str) -> Callback:
        """Open -> done, once: a conditional update, so of two clicks one wins and the other gets
        `CallbackNotOpen`. Audited on the conversation's chain as `callback.done`."""
        now = datetime.now(UTC)

        def write(conn: Connection) -> str | None:
            found = conn.execute(
                update(_TABLE)
                .where(_TABLE.c.id == callback_id, _TABLE.c.status == OPEN)
                .values(status=DONE, done_by=staff, done_at=now)
                .returning(_TABLE.c.conversation_id)
            ).first()
            return None if found is None else str(found[0])

        conversation_id = await self.db.run_write(write)
        if conversation_id is None:
            raise CallbackNotOpen(callback_id)
        await self.audit.append(
            conversation_id,
            EventKind.CALLBACK_DONE,
            "staff",
            {"callback": callback_id, "staff": staff, "role": role},
        )
        async with self.db.session() as s:
            row = await s.get(CallbackRow, callback_id)
        assert row is not None
        return _callback(row)
