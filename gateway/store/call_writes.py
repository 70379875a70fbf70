"""The writes of a phone call's start and end that must not be lost while the database is away
(issue #18): the spend of a call's stream token when its stream starts, the replica that holds
the call's stream, the call's recording row, and Twilio's status callback for a call this process
does not hold. Each goes through the turn writer
(gateway/store/group_commit.py), so into the turn spool during an outage, and is replayed by
gateway/store/turn_replay.py once the database is back; each replay is idempotent (a replay cut
short by a crash after its commit runs again from the same file):

- a stream token spent while the database is away (checked against the tokens this process handed
  out, gateway/twilio/tokens.py): its `used_at` set unless it is set already (the first spend's
  time stays), so the token stays one-time once the database is back;
- the stream held here: the conversation's `replica_id` set to this replica (the same value again);
- the recording row: added unless the conversation has a row with that storage key;
- a status callback saying the call ended (completed, busy, no-answer, …): read by its call SID
  when replayed (the conversation is not in memory and could not be read during the outage); the
  conversation closed at the time the callback came unless it is closed already (by its stream's
  end, another replica, an earlier replay), and then, only then, its after-call jobs queued.
  Twilio does not retry a status callback, so the spool is what keeps it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Float, Integer, String, Text, select, update

from gateway.logging import get_logger
from gateway.statuses import ConversationStatus
from gateway.store import conversation_writes as cw
from gateway.store.group_commit import Replay, Write
from gateway.store.models import CallTokenRow, ConversationRow, RecordingRow
from gateway.store.row_spool import SpooledRow

log = get_logger(__name__)

# The kinds these writes go by in the turn spool.
TOKEN_SPENT = "stream_token"
HOLD = "hold"
RECORDING = "recording"
CALL_STATUS = "call_status"

_CONVERSATIONS = ConversationRow.__table__
_RECORDINGS = RecordingRow.__table__
_TOKENS = CallTokenRow.__table__
_CLOSED = ConversationStatus.CLOSED.value

_spent = cw.typed_params(b_token=String(128), b_used_at=DateTime(timezone=True))
SPEND_TOKEN = (
    update(_TOKENS)
    .where(_TOKENS.c.token == _spent["b_token"], _TOKENS.c.used_at.is_(None))
    .values(used_at=_spent["b_used_at"])
)

_hold = cw.typed_params(b_id=String(64), b_replica=String(96))
HOLD_CALL = (
    update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == _hold["b_id"]).values(replica_id=_hold["b_replica"])
)

_recording = cw.typed_params(
    conversation_id=String(64),
    path=Text(),
    duration_s=Float(),
    channels=Integer(),
    created_at=DateTime(timezone=True),
)
ADD_RECORDING = cw.insert_unless(
    _RECORDINGS,
    _recording,
    select(_RECORDINGS.c.id).where(
        _RECORDINGS.c.conversation_id == _recording["conversation_id"],
        _RECORDINGS.c.path == _recording["path"],
    ),
)


def token_spent_row(token: str, used_at: datetime) -> SpooledRow:
    """A stream token spent in memory while the database is away, for the spool
    (`GroupCommitter.spool_rows`)."""
    return SpooledRow(TOKEN_SPENT, {"b_token": token, "b_used_at": used_at})


def hold_write(conversation_id: str, replica_id: str) -> Write:
    return Write(HOLD_CALL, {"b_id": conversation_id, "b_replica": replica_id}, HOLD)


def recording_write(conversation_id: str, key: str, duration_s: float, channels: int = 2) -> Write:
    row = {
        "conversation_id": conversation_id,
        "path": key,
        "duration_s": duration_s,
        "channels": channels,
        "created_at": datetime.now(UTC),
    }
    return Write(ADD_RECORDING, row, RECORDING)


def call_status_row(
    call_sid: str, call_status: str, received_at: datetime, after_call_kinds: tuple[str, ...]
) -> SpooledRow:
    """A status callback saying the call ended, for the spool (`GroupCommitter.spool_rows`)."""
    row = {
        "call_sid": call_sid,
        "call_status": call_status,
        "received_at": received_at,
        "after_call_kinds": list(after_call_kinds),
    }
    return SpooledRow(CALL_STATUS, row)


def replay_token_spent(conn: Connection, row: dict[str, Any]) -> None:
    """Spent as of the stream's start, unless spent already (by a replay run before, or by the
    redeem itself when its commit went through and only the answer was lost with the database)."""
    conn.execute(SPEND_TOKEN, row)


def replay_hold(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(HOLD_CALL, row)


def replay_recording(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(ADD_RECORDING, row)


def replay_call_status(conn: Connection, row: dict[str, Any]) -> None:
    """Close the call's conversation as of the callback, unless it is closed already."""
    found = conn.execute(
        select(_CONVERSATIONS.c.id)
        .where(_CONVERSATIONS.c.external_id == row["call_sid"])
        .order_by(_CONVERSATIONS.c.started_at)
    ).first()
    if found is None:  # its webhook was never answered with a conversation: nothing to close
        log.warning("row spool: a status callback for a call not on record", call_status=row["call_status"])
        return
    conversation_id = str(found.id)
    closed = conn.execute(
        update(_CONVERSATIONS)
        .where(_CONVERSATIONS.c.id == conversation_id, _CONVERSATIONS.c.status != _CLOSED)
        .values(status=_CLOSED, ended_at=row["received_at"])
    )
    if closed.rowcount != 1:
        return  # closed already: whoever closed it queued its after-call work
    kinds = tuple(str(kind) for kind in row["after_call_kinds"])
    for write in cw.close_writes(conversation_id, row["received_at"], kinds):
        if write.kind == cw.AFTER_CALL_JOB:
            conn.execute(write.statement, write.params)


REPLAY: dict[str, Replay] = {
    TOKEN_SPENT: replay_token_spent,
    HOLD: replay_hold,
    RECORDING: replay_recording,
    CALL_STATUS: replay_call_status,
}
