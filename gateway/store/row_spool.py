"""A row spool: rows a writer could not store because the database was away, kept on disk until it
can (the turn writer's: transcript turns and agent state, gateway/store/group_commit.py).

The same discipline as the audit spool (gateway/store/audit_spool.py), for plain rows: one JSON
line per row, fsynced before the rows are acknowledged, so a gateway killed during the outage
loses none; bounded (`max_bytes`, the audit spool's setting): a batch that would pass the bound is
refused and the spool reports itself full until it is emptied; one process owns the file (an
exclusive `flock`). What a row means and how it is stored again without being stored twice is the
writer's business: here a row is `{"kind": ..., "row": {...}}`, its datetimes kept as datetimes.
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
from gateway.store.audit_spool import SpoolBusy, SpoolFull

log = get_logger(__name__)

_DATETIME = "$datetime"  # a row value that was a datetime: {"$datetime": iso}


@dataclass(frozen=True)
class SpooledRow:
    kind: str  # which statement stores it (the writer's name for it)
    row: dict[str, Any]  # its parameters

    def line(self) -> bytes:
        row = {k: {_DATETIME: v.isoformat()} if isinstance(v, datetime) else v for k, v in self.row.items()}
        record = {"kind": self.kind, "row": row}
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> SpooledRow:
        record = json.loads(line)
        row = {
            k: datetime.fromisoformat(v[_DATETIME]) if isinstance(v, dict) and set(v) == {_DATETIME} else v
            for k, v in dict(record["row"]).items()
        }
        return cls(str(record["kind"]), row)


class RowSpool:
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.pending: list[SpooledRow] = []  # what the file holds, in order
        self.size = 0
        self.refused = False  # a batch was refused since the spool was last emptied
        self._fd: int | None = None

    @property
    def full(self) -> bool:
        return self.refused

    def open(self) -> None:
        """Take the file (exclusively) and read what a previous process left in it; a last line
        cut short by a crash was never acknowledged and is dropped."""
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SpoolBusy(f"{self.path} is held by another process") from None
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        try:
            rows = [SpooledRow.parse(line) for line in complete.splitlines()]
        except (ValueError, KeyError, TypeError) as exc:
            os.close(fd)  # not ours to guess at: the file stays for the operator
            raise ValueError(f"{self.path} holds a line that is not a spooled row: {exc}") from exc
        if len(complete) < len(data):
            os.ftruncate(fd, len(complete))
            os.fsync(fd)
            log.warning("row spool: dropped an unfinished last line", path=str(self.path))
        self._fd = fd
        self.pending = rows
        self.size = len(complete)
        if rows:
            log.warning("row spool holds rows from before the start", path=str(self.path), rows=len(rows))

    def append(self, rows: list[SpooledRow]) -> None:
        """Write and fsync `rows` (all or none); blocking: call it off the event loop."""
        if self._fd is None:
            raise RuntimeError("the row spool is not open")
        data = b"".join(r.line() for r in rows)
        if self.size + len(data) > self.max_bytes:
            self.refused = True
            raise SpoolFull(f"the row spool {self.path.name} would pass {self.max_bytes} bytes")
        os.write(self._fd, data)
        os.fsync(self._fd)
        self.pending.extend(rows)
        self.size += len(data)

    def clear(self) -> None:
        """Every spooled row is in the database: empty the file (blocking)."""
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
