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

from gateway.logging import get_logger
from gateway.store.spool_file import SpoolBusy, SpoolFile, SpoolFull

log = get_logger(__name__)

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


class AuditSpool:
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.file = SpoolFile(path, max_bytes)
        self.pending: list[SpooledEvent] = []  # what the file holds, in order

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def full(self) -> bool:
        return self.file.refused

    @property
    def refused(self) -> bool:
        return self.file.refused

    @refused.setter
    def refused(self, value: bool) -> None:
        self.file.refused = value

    def open(self) -> None:
        """Take the file (exclusively) and read what a previous process left in it."""
        events: list[SpooledEvent] = []
        for number, line in enumerate(self.file.open(), start=1):
            try:
                events.append(SpooledEvent.parse(line))
            except (ValueError, KeyError, TypeError) as exc:
                # Not ours to guess at: keep the file for the operator, refuse to replay past it.
                self.file.close()
                raise ValueError(f"{self.path} line {number} is not a spooled audit event: {exc}") from exc
        self.pending = events
        if events:
            log.warning("audit spool holds events from before the start", events=len(events))

    def append(self, events: list[SpooledEvent]) -> None:
        """Write and fsync `events` (all or none); blocking: call it off the event loop."""
        self.file.append(b"".join(e.line() for e in events))
        self.pending.extend(events)

    def clear(self) -> None:
        """Every spooled event is in the database: empty the file (blocking)."""
        self.file.clear()
        self.pending = []

    def close(self) -> None:
        self.file.close()
