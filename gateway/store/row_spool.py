"""A row spool: rows a writer could not store because the database was away, kept on disk until it
can (the turn writer's: transcript turns, agent state, a conversation's close, handoff and
status, gateway/store/group_commit.py).

The same discipline as the audit spool (gateway/store/audit_spool.py), for plain rows, on the
same file mechanics (gateway/store/spool_file.py): one JSON line per row, fsynced before the rows
are acknowledged, so a gateway killed during the outage loses none; bounded (`max_bytes`, the
audit spool's setting): a batch that would pass the bound is refused (`SpoolFull`) and the spool
reports itself full until it is emptied; one process owns the file (an exclusive `flock`). What a row means and how it is stored again without being stored twice is the
writer's business: here a row is `{"kind": ..., "row": {...}}`, its datetimes kept as datetimes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.store.spool_file import RecordSpool

_DATETIME = "$datetime"  # a row value that was a datetime: {"$datetime": iso}


@dataclass(frozen=True)
class SpooledRow:
    kind: str  # which statement stores it (the writer's name for it)
    row: dict[str, Any]  # its parameters
    # When it was spooled (for `frontdesk spool show`; lines from before it have none).
    at: datetime | None = field(default_factory=lambda: datetime.now(UTC), compare=False)

    def line(self) -> bytes:
        row = {k: {_DATETIME: v.isoformat()} if isinstance(v, datetime) else v for k, v in self.row.items()}
        record: dict[str, Any] = {"kind": self.kind, "row": row}
        if self.at is not None:
            record["at"] = self.at.isoformat()
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> SpooledRow:
        record = json.loads(line)
        row = {
            k: datetime.fromisoformat(v[_DATETIME]) if isinstance(v, dict) and set(v) == {_DATETIME} else v
            for k, v in dict(record["row"]).items()
        }
        at = record.get("at")
        return cls(str(record["kind"]), row, datetime.fromisoformat(at) if at else None)


class RowSpool(RecordSpool[SpooledRow]):
    what = "row"

    def __init__(self, path: Path, max_bytes: int) -> None:
        super().__init__(path, max_bytes, SpooledRow.parse)
