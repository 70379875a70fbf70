"""The writes that open a conversation, kept in the turn spool while the database is away (issue
#18): a new call or chat is answered during an outage while the spool has room, instead of being
refused because its first rows could not be stored.

- the conversation's row (`ConversationManager.open`): inserted unless a row has its id (the id is
  made by the process that opened it, so a row with it is this one: stored by an attempt whose
  answer was lost with the connection, or by an earlier replay);
- a call's stream token (gateway/twilio/tokens.py): its row inserted unless the token is on record
  (the token is derived from the conversation id: a row with it is this one);
- a chat's resume token (gateway/chat/resume.py): the generation of the conversation's one current
  token, its `chat_sessions` row inserted unless the conversation has one, else raised to it
  unless it is that high already (the replay of an older resume after a newer one changes nothing).

Each is spooled only after its direct write failed because the database was away, and before any
row that names the conversation: the turn spool is one file, replayed in order (turns and
recording rows, stream token spends, handoffs and after-call jobs name the conversation by a
foreign key). Each replay is idempotent: a replay cut short by a crash after its commit runs again
from the same file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Integer, String, column, insert, select, table, update

from gateway.store.group_commit import GroupCommitter, Replay
from gateway.store.models import CallTokenRow, ConversationRow
from gateway.store.row_spool import SpooledRow

# The kinds these writes go by in the turn spool.
CONVERSATION = "conversation"
CALL_TOKEN = "call_token"
CHAT_SESSION = "chat_session"

_CONVERSATIONS = ConversationRow.__table__
_TOKENS = CallTokenRow.__table__
# The chat edge's table (gateway/chat/resume.py `ChatSessionRow`), named here without importing the
# chat package: the store knows no channel, and a spool is replayed at start before any edge exists.
_CHAT_SESSIONS = table(
    "chat_sessions",
    column("conversation_id", String(64)),
    column("generation", Integer()),
    column("issued_at", DateTime(timezone=True)),
)


def conversation_row(values: dict[str, Any]) -> SpooledRow:
    """A conversation's row as `ConversationManager.open` made it (its columns by name), for the
    spool; its id under `conversation_id`, as every other row of the spool names it."""
    row = {("conversation_id" if name == "id" else name): value for name, value in values.items()}
    return SpooledRow(CONVERSATION, row)


def call_token_row(token: str, conversation_id: str, created_at: datetime) -> SpooledRow:
    return SpooledRow(
        CALL_TOKEN, {"token": token, "conversation_id": conversation_id, "created_at": created_at}
    )


def chat_session_row(conversation_id: str, generation: int, issued_at: datetime) -> SpooledRow:
    """The conversation's current resume token is of `generation` (1: the chat just opened)."""
    return SpooledRow(
        CHAT_SESSION, {"conversation_id": conversation_id, "generation": generation, "issued_at": issued_at}
    )


def spooled(rows: list[SpooledRow], kind: str, key: str, value: str) -> bool:
    """Whether `rows` (a spool's pending rows) hold a row of `kind` whose `key` is `value`: its
    write is not in the database yet."""
    return any(row.kind == kind and row.row.get(key) == value for row in rows)


def conversation_spooled(writes: GroupCommitter, conversation_id: str) -> bool:
    """The conversation's row waits in the writer's spool: a row naming it cannot be stored
    directly yet (its foreign key), also once the database answers, until the spool is replayed."""
    spool = writes.spool
    return spool is not None and spooled(spool.pending, CONVERSATION, "conversation_id", conversation_id)


def replay_conversation(conn: Connection, row: dict[str, Any]) -> None:
    values = {("id" if name == "conversation_id" else name): value for name, value in row.items()}
    there = conn.execute(select(_CONVERSATIONS.c.id).where(_CONVERSATIONS.c.id == values["id"])).first()
    if there is None:
        conn.execute(insert(_CONVERSATIONS), [values])


def replay_call_token(conn: Connection, row: dict[str, Any]) -> None:
    there = conn.execute(select(_TOKENS.c.token).where(_TOKENS.c.token == row["token"])).first()
    if there is None:
        conn.execute(insert(_TOKENS), [row])


def replay_chat_session(conn: Connection, row: dict[str, Any]) -> None:
    there = conn.execute(
        select(_CHAT_SESSIONS.c.generation).where(_CHAT_SESSIONS.c.conversation_id == row["conversation_id"])
    ).first()
    if there is None:
        conn.execute(insert(_CHAT_SESSIONS), [row])
        return
    conn.execute(
        update(_CHAT_SESSIONS)
        .where(
            _CHAT_SESSIONS.c.conversation_id == row["conversation_id"],
            _CHAT_SESSIONS.c.generation < row["generation"],
        )
        .values(generation=row["generation"], issued_at=row["issued_at"])
    )


REPLAY: dict[str, Replay] = {
    CONVERSATION: replay_conversation,
    CALL_TOKEN: replay_call_token,
    CHAT_SESSION: replay_chat_session,
}
