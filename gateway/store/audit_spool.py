"""The audit spool: audit events the database could not take, kept on disk until it can.

While the database is away (a restart, a failover, SQLite locked by another writer) the audit
writer appends each batch here instead of holding it in memory: one JSON line per event, the
file fsynced before the events are acknowledged, so a gateway killed during the outage loses
none of them. When the database answers again (or the next gateway starts on the same data
directory) `AuditLog` commits them into their chains, in the order they were spooled and before
anything newer. Each carries its key in its payload (`_spool_key`, on the chain like the rest of
the event): a replay cut short by a crash finds the events it already committed (the chain's
events since the spool time) and skips them, so nothing is written twice. Then the file is
emptied. A batch whose commit failed with the connection (the database may have committed it
and the answer been lost) is spooled with where each event would be in its chain, (seq, hash):
a replay that finds exactly that event there skips it, so an ambiguous commit is not chained twice.

The spool is bounded (`FRONTDESK_AUDIT_SPOOL_MAX_BYTES`): a batch that would pass the bound is
refused (its writers get `AuditWriteError`, as without a spool) and the spool reports itself full
until it is emptied: `/readyz` is not ready, `frontdesk_audit_spool_full` is 1, and new calls are
answered with the "call back" message instead of being taken with nothing on record.

One process owns the file at a time (an exclusive `flock`): a second gateway or a CLI tool on
the same data directory runs without a spool.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.store.spool_file import RecordSpool, SpoolBusy, SpoolFull

__all__ = ["AuditSpool", "SpoolBusy", "SpoolFull", "SpooledEvent"]


@dataclass(frozen=True)
class SpooledEvent:
    key: str  # unique per event: what makes a replay idempotent
    conversation_id: str
    ts: datetime  # when it was spooled: after every event committed before it
    kind: str
    actor: str
    payload: dict[str, Any]
    # The commit that failed may have landed (its answer lost with the connection): where the
    # event would be, (seq, hash). A replay finding that event in the chain skips this one.
    attempt: tuple[int, str] | None = None

    def line(self) -> bytes:
        record: dict[str, Any] = {
            "key": self.key,
            "conversation_id": self.conversation_id,
            "ts": self.ts.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
        }
        if self.attempt is not None:
            record["attempt"] = list(self.attempt)
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> SpooledEvent:
        record = json.loads(line)
        return cls(
            key=str(record["key"]),
            conversation_id=str(record["conversation_id"]),
            ts=datetime.fromisoformat(record["ts"]),
            kind=str(record["kind"]),
            actor=str(record["actor"]),
            payload=dict(record["payload"]),
            attempt=(int(record["attempt"][0]), str(record["attempt"][1])) if record.get("attempt") else None,
        )


class AuditSpool(RecordSpool[SpooledEvent]):
    what = "audit event"

    def __init__(self, path: Path, max_bytes: int) -> None:
        super().__init__(path, max_bytes, SpooledEvent.parse)

    @property
    def refused(self) -> bool:
        return self.file.refused

    @refused.setter
    def refused(self, value: bool) -> None:
        self.file.refused = value
