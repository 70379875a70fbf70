"""The keys of spooled writes a replay of the turn spool has stored (issue #18).

A replay may run twice from the same file (cut short by a crash between its commit and emptying
the file). Most spooled writes are idempotent by what they are (a turn by its number, a handoff by
its `request_key`); a plain status change is not: set again, it would undo whatever staff changed
in between. So each status change is spooled with a key of its own, and the replay stores the key
in the transaction that applies the change: a second replay finds it and leaves the status alone.

Only replays write here (the normal path applies a change once by construction): one small row per
status change that went through the spool during an outage.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, String, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.models import Base, utcnow


class ReplayedWriteRow(Base):
    __tablename__ = "replayed_writes"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # the spooled row's kind (gateway/store/turn_replay.py)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


_REPLAYED = ReplayedWriteRow.__table__


def first_replay(conn: Connection, key: str, kind: str) -> bool:
    """True, and `key` recorded in this transaction, unless a replay stored it before."""
    if conn.execute(select(_REPLAYED.c.key).where(_REPLAYED.c.key == key)).first() is not None:
        return False
    conn.execute(insert(_REPLAYED).values(key=key, kind=kind, applied_at=utcnow()))
    return True
