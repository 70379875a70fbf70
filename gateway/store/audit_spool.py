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

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.logging import get_logger
from gateway.private_files import private_dir

log = get_logger(__name__)


class SpoolFull(Exception):
    """The batch would pass the spool's bound; nothing of it was written."""


class SpoolBusy(Exception):
    """Another process holds the spool file."""


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
        self.path = path
        self.max_bytes = max_bytes
        self.pending: list[SpooledEvent] = []  # what the file holds, in order
        self.size = 0
        self.refused = False  # a batch was refused since the spool was last emptied
        self._fd: int | None = None

    @property
    def full(self) -> bool:
        return self.refused

    def open(self) -> None:
        """Take the file (exclusively) and read what a previous process left in it. A last line
        cut short by a crash was never acknowledged (fsync had not returned): it is dropped."""
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SpoolBusy(f"{self.path} is held by another process") from None
        self._fd = fd
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        events: list[SpooledEvent] = []
        for number, line in enumerate(complete.splitlines(), start=1):
            try:
                events.append(SpooledEvent.parse(line))
            except (ValueError, KeyError, TypeError) as exc:
                # Not ours to guess at: keep the file for the operator, refuse to replay past it.
                os.close(fd)
                self._fd = None
                raise ValueError(f"{self.path} line {number} is not a spooled audit event: {exc}") from exc
        if len(complete) < len(data):
            os.ftruncate(fd, len(complete))
            os.fsync(fd)
            log.warning("audit spool: dropped an unfinished last line", path=str(self.path))
        self.pending = events
        self.size = len(complete)
        if events:
            log.warning("audit spool holds events from before the start", events=len(events))

    def append(self, events: list[SpooledEvent]) -> None:
        """Write and fsync `events` (all or none); blocking: call it off the event loop."""
        if self._fd is None:
            raise RuntimeError("the audit spool is not open")
        data = b"".join(e.line() for e in events)
        if self.size + len(data) > self.max_bytes:
            self.refused = True
            raise SpoolFull(f"the audit spool would pass {self.max_bytes} bytes")
        os.write(self._fd, data)
        os.fsync(self._fd)
        self.pending.extend(events)
        self.size += len(data)

    def clear(self) -> None:
        """Every spooled event is in the database: empty the file (blocking)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)
        self.pending = []
        self.size = 0
        self.refused = False

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None
