"""The writes that end a conversation, hand it to staff and change its status, as the turn writer
(gateway/store/group_commit.py) takes them: behind the conversation's turns and state saves, and
into the turn spool while the database is away (issue #18: a call that ends or is handed to staff
during an outage is not lost).

Each statement is idempotent, so the same statement stores a write the first time and again when
its spooled copy is replayed (gateway/store/turn_replay.py), once or twice:

- closing: the conversation closed with its end time (the same value again), and each of its
  after-call jobs (gateway/after_call/queue.py) added unless the conversation has a job of that
  kind already (its final state is a state save of the turn writer's, written with it);
- a handoff: its row, named by a key given when it is requested, added unless a row has that key;
  then the conversation waiting for staff, unless that handoff is no longer waiting (a replay
  after staff claimed it leaves the conversation with them);
- a status change: applied once by the replay, by its key (gateway/store/replayed_writes.py), so
  a second replay of the same file does not set it again over what staff changed since.

No status write reopens a closed conversation: closing is for good (a replay of an earlier status
change must not undo a close stored since, by this process or another).

The writer runs a batch statement by statement, each statement's rows in the order they came, in
the order the statements first appear in the batch: so no write here relies on another statement
having run before it in the same transaction (a handoff's "waiting" may run before its row is
added, when another conversation's status change came first in the batch).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Insert,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    case,
    insert,
    select,
    update,
)
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from gateway.statuses import ConversationStatus, HandoffStatus
from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.group_commit import Write
from gateway.store.models import ConversationRow, HandoffRow

# The kinds these writes go by in the turn spool (their replays: gateway/store/turn_replay.py).
CLOSE = "close"
AFTER_CALL_JOB = "after_call_job"
HANDOFF = "handoff"
STATUS = "status"

_CONVERSATIONS = ConversationRow.__table__
_HANDOFFS = HandoffRow.__table__
_JOBS = AfterCallJobRow.__table__
_CLOSED = ConversationStatus.CLOSED.value

CLOSE_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("b_id"))
    .values(status=_CLOSED, ended_at=bindparam("b_ended"))
)


def typed_params(**types: TypeEngine[Any]) -> dict[str, BindParameter[Any]]:
    """Typed parameters by name (PostgreSQL casts them where a select lists them)."""
    return {name: bindparam(name, type_=type_) for name, type_ in types.items()}


def insert_unless(table: Table, params: dict[str, BindParameter[Any]], taken: Select[Any]) -> Insert:
    """INSERT INTO table (params) SELECT :params WHERE NOT EXISTS (taken): one statement, so a
    write that runs twice adds one row."""
    return insert(table).from_select(list(params), select(*params.values()).where(~taken.exists()))


_job = typed_params(
    id=String(32),
    conversation_id=String(64),
    kind=String(16),
    status=String(16),
    attempts=Integer(),
    next_attempt_at=DateTime(timezone=True),
    created_at=DateTime(timezone=True),
    updated_at=DateTime(timezone=True),
)
ADD_AFTER_CALL_JOB = insert_unless(
    _JOBS,
    _job,
    select(_JOBS.c.id).where(
        _JOBS.c.conversation_id == _job["conversation_id"], _JOBS.c.kind == _job["kind"]
    ),
)

_handoff_row = typed_params(
    request_key=String(32),
    conversation_id=String(64),
    reason=Text(),
    summary=Text(),
    status=String(16),
    created_at=DateTime(timezone=True),
)
ADD_HANDOFF = insert_unless(
    _HANDOFFS,
    _handoff_row,
    select(_HANDOFFS.c.id).where(_HANDOFFS.c.request_key == _handoff_row["request_key"]),
)

# One statement for a status change and a handoff's "waiting" (b_handoff names the handoff), so the
# status changes of a batch run in the order they were made (the writer groups by statement).
_handoff = bindparam("b_handoff", type_=String(32))
SET_STATUS = (
    update(_CONVERSATIONS)
    .where(
        _CONVERSATIONS.c.id == bindparam("b_id", type_=String(64)),
        _CONVERSATIONS.c.status != _CLOSED,
        (_handoff.is_(None))
        | ~select(_HANDOFFS.c.id)
        .where(_HANDOFFS.c.request_key == _handoff, _HANDOFFS.c.status != HandoffStatus.WAITING.value)
        .exists(),
    )
    .values(
        status=bindparam("b_status", type_=String(16)),
        # A handoff's summary replaces the conversation's (none: NULL), a plain change keeps it.
        summary=case(
            (bindparam("b_sets_summary", type_=Boolean()), bindparam("b_summary", type_=Text())),
            else_=_CONVERSATIONS.c.summary,
        ),
    )
)


def close_writes(conversation_id: str, ended_at: datetime, after_call_kinds: tuple[str, ...]) -> list[Write]:
    """The conversation closed at `ended_at`, and its after-call work queued (its final state: a
    state save of the caller's in the same `write`, so that state saves keep their order)."""
    writes = [Write(CLOSE_CONVERSATION, {"b_id": conversation_id, "b_ended": ended_at}, CLOSE)]
    for kind in after_call_kinds:
        job = {
            "id": uuid.uuid4().hex,
            "conversation_id": conversation_id,
            "kind": kind,
            "status": "pending",  # gateway.after_call.queue.PENDING
            "attempts": 0,
            "next_attempt_at": ended_at,
            "created_at": ended_at,
            "updated_at": ended_at,
        }
        writes.append(Write(ADD_AFTER_CALL_JOB, job, AFTER_CALL_JOB))
    return writes


def handoff_writes(conversation_id: str, reason: str, summary: str, requested_at: datetime) -> list[Write]:
    """A new handoff row (its key made here) and the conversation waiting for staff."""
    key = uuid.uuid4().hex
    row = {
        "request_key": key,
        "conversation_id": conversation_id,
        "reason": reason,
        "summary": summary,
        "status": HandoffStatus.WAITING.value,
        "created_at": requested_at,
    }
    waiting = _status(conversation_id, ConversationStatus.WAITING, handoff=key, summary=summary or None)
    return [Write(ADD_HANDOFF, row, HANDOFF), waiting]


def status_write(conversation_id: str, status: ConversationStatus) -> Write:
    return _status(conversation_id, status)


def _status(
    conversation_id: str,
    status: ConversationStatus,
    *,
    handoff: str | None = None,
    summary: str | None = None,
) -> Write:
    params = {
        "b_id": conversation_id,
        "b_status": ConversationStatus(status).value,
        "b_handoff": handoff,
        "b_sets_summary": handoff is not None,
        "b_summary": summary,
        # Its own key: a replay applies it once (gateway/store/replayed_writes.py), not again over
        # a later change when the same spool file is replayed a second time.
        "b_key": uuid.uuid4().hex,
    }
    return Write(SET_STATUS, params, STATUS)
