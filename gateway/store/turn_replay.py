"""How the turn writer's spooled rows are stored again (gateway/store/group_commit.py's spool):
a transcript turn, a save of the agent's state, what the caller heard of a bot turn, a chat
event the chat outbox spooled there, and a conversation's close (with its after-call jobs),
handoff and status changes (gateway/store/conversation_writes.py), a phone call's replica,
recording row and status callback (gateway/store/call_writes.py), and what opens a conversation
while the database is away: its row, a call's stream token, a chat's resume token
(gateway/store/open_writes.py).
A replay may run twice (cut short by a crash after its commit, or after a commit whose answer was
lost): each is idempotent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from gateway.logging import get_logger
from gateway.store import call_writes, open_writes
from gateway.store import conversation_writes as cw
from gateway.store.group_commit import Replay
from gateway.store.models import ChatMessageRow, ConversationRow, TurnRow
from gateway.store.replayed_writes import first_replay

log = get_logger(__name__)

TURN = "turn"
STATE = "state"
HEARD = "heard"
CHAT_EVENT = "chat"

_TURNS = TurnRow.__table__
_CONVERSATIONS = ConversationRow.__table__
_CHAT = ChatMessageRow.__table__


def replay_turn(conn: Connection, row: dict[str, Any]) -> None:
    """Insert the turn unless its number is taken: by this very turn (stored before), or, which
    no replica can do while the database is away, by another (logged; the spooled one is dropped)."""
    there = conn.execute(
        select(_TURNS.c.speaker, _TURNS.c.text).where(
            _TURNS.c.conversation_id == row["conversation_id"], _TURNS.c.seq == row["seq"]
        )
    ).first()
    if there is None:
        conn.execute(insert(_TURNS), [row])
    elif (there.speaker, there.text) != (row["speaker"], row["text"]):
        log.error("row spool: a turn's number is held by another turn", seq=row["seq"])


def replay_state(conn: Connection, row: dict[str, Any]) -> None:
    """The state as it was saved then; later saves come later in the spool or after it."""
    conn.execute(
        update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == row["b_id"]).values(state=row["b_state"])
    )


def replay_heard(conn: Connection, row: dict[str, Any]) -> None:
    """What the caller heard of a bot turn (stored before it in the spool or the database)."""
    conn.execute(
        update(_TURNS)
        .where(_TURNS.c.conversation_id == row["b_id"], _TURNS.c.seq == row["b_seq"])
        .values(heard_text=row["b_heard"], interrupted=row["b_interrupted"])
    )


def replay_chat_event(conn: Connection, row: dict[str, Any]) -> None:
    """Insert the chat event unless its seq is in already (by this event: one replica numbers
    them, gateway/chat/outbox.py)."""
    there = conn.execute(
        select(_CHAT.c.id).where(_CHAT.c.conversation_id == row["conversation_id"], _CHAT.c.seq == row["seq"])
    ).first()
    if there is None:
        conn.execute(insert(_CHAT), [row])


def replay_close(conn: Connection, row: dict[str, Any]) -> None:
    """Closed, with the end time it was closed at (after its turns and state saves, the final one
    written with it: they come before it in the spool)."""
    conn.execute(cw.CLOSE_CONVERSATION, row)


def replay_after_call_job(conn: Connection, row: dict[str, Any]) -> None:
    """The job, unless the conversation has one of its kind (this one, stored before)."""
    conn.execute(cw.ADD_AFTER_CALL_JOB, row)


def replay_handoff(conn: Connection, row: dict[str, Any]) -> None:
    """The handoff row, unless one has its key (this one, stored before)."""
    conn.execute(cw.ADD_HANDOFF, row)


def replay_status(conn: Connection, row: dict[str, Any]) -> None:
    """The status as it was set then, unless the conversation is closed (or, for a handoff's
    "waiting", its handoff is no longer waiting: staff claimed it since), or a replay of the same
    file applied it before (its key; rows spooled before keys were given have none)."""
    key = row.get("b_key")
    if key is not None and not first_replay(conn, str(key), cw.STATUS):
        return
    conn.execute(cw.SET_STATUS, row)


REPLAY: dict[str, Replay] = {
    TURN: replay_turn,
    STATE: replay_state,
    HEARD: replay_heard,
    CHAT_EVENT: replay_chat_event,
    cw.CLOSE: replay_close,
    cw.AFTER_CALL_JOB: replay_after_call_job,
    cw.HANDOFF: replay_handoff,
    cw.STATUS: replay_status,
    **call_writes.REPLAY,
    **open_writes.REPLAY,
}
