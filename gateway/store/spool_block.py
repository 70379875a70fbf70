"""What blocks a spool: the entry the database refused when a replay of the spool failed for a
reason other than the database being away (a bug, a constraint), kept in a small file next to the
spool (`turn-spool.jsonl` → `turn-spool.blocked.json`) for `frontdesk spool show` and `/readyz`.

A refused replay is retried (every 0.25 s) and everything newer queues behind it until the spool is
full: this file is how an operator finds out which entry it is and since when, without reading
logs. The replay writes it when what blocks changes and the spool removes it when it is emptied
(gateway/store/spool_file.py); `frontdesk spool skip` moves the entry aside (gateway/store/
spool_admin.py). The error's text is the driver's own message (it can name a key's value, as the
spool itself holds what was said): the file is private (0600) in the private data directory.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.private_files import private_dir

_MESSAGE_CHARS = 400


@dataclass(frozen=True)
class SpoolBlock:
    line: int | None  # the refused entry's line in the spool (1-based); None: somewhere in `lines`
    lines: tuple[int, int]  # the lines the failed transaction tried, first and last
    error: str  # the exception's type
    message: str  # the driver's message, first line(s), shortened
    since: datetime  # the first refusal of this entry with this error

    def same_refusal(self, other: SpoolBlock) -> bool:
        return (self.line, self.lines, self.error, self.message) == (
            other.line,
            other.lines,
            other.error,
            other.message,
        )

    def describe(self) -> str:
        where = (
            f"line {self.line}" if self.line is not None else f"one of lines {self.lines[0]}-{self.lines[1]}"
        )
        return (
            f"{where} refused by the database since {self.since.isoformat(timespec='seconds')}: {self.error}"
        )

    def to_json(self) -> bytes:
        record: dict[str, Any] = asdict(self)
        record["lines"] = list(self.lines)
        record["since"] = self.since.isoformat()
        return json.dumps(record, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> SpoolBlock:
        record = json.loads(data)
        return cls(
            line=None if record["line"] is None else int(record["line"]),
            lines=(int(record["lines"][0]), int(record["lines"][1])),
            error=str(record["error"]),
            message=str(record["message"]),
            since=datetime.fromisoformat(record["since"]),
        )


def block_path(spool_path: Path) -> Path:
    return spool_path.with_name(spool_path.stem + ".blocked.json")


def refusal(line: int | None, lines: tuple[int, int], exc: BaseException) -> SpoolBlock:
    """The block `exc` makes, now: the driver's message where SQLAlchemy wrapped it (SQLAlchemy's
    own text would append the statement's parameters: the row's values)."""
    orig = getattr(exc, "orig", None)
    message = " ".join(str(orig if orig is not None else exc).split())[:_MESSAGE_CHARS]
    return SpoolBlock(line, lines, type(exc).__name__, message, datetime.now(UTC))


def record_block(spool_path: Path, block: SpoolBlock, previous: SpoolBlock | None) -> SpoolBlock:
    """Write `block` unless it is the refusal already on file (`previous`, then kept with its
    `since`); what is on file now. Blocking (a small file, written when what blocks changes)."""
    path = block_path(spool_path)
    if previous is not None and previous.same_refusal(block):
        if path.exists():
            return previous
        block = replace(block, since=previous.since)
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, block.to_json())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return block


def read_block(spool_path: Path) -> SpoolBlock | None:
    try:
        return SpoolBlock.from_json(block_path(spool_path).read_bytes())
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # a file cut short or not ours: nothing known


def remove_block(spool_path: Path) -> None:
    block_path(spool_path).unlink(missing_ok=True)
