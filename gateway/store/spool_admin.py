"""Looking into the spools and moving an entry aside: what `frontdesk spool show|skip` do
(gateway/cli/spool.py), on the files of gateway/store/spool_file.py.

A spooled entry the database refuses for a reason other than being away (a bug, a constraint)
blocks its spool: the replay is retried and everything newer queues behind it
(gateway/store/spool_block.py notes which entry). Showing reads the file as it is, without its
lock (appends are whole lines; a last line still being written is left out), so it works next to
a running gateway. Skipping needs the lock the gateway holds while it runs: with the gateway
stopped, the entry is appended (fsynced) to a quarantine file in the data directory, kept, never
deleted, and only then is the spool rewritten without it (a new file, fsynced, renamed over the
old one): a crash between the two leaves the entry in both, never in neither.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.private_files import private_dir
from gateway.store.audit_spool import SpooledEvent
from gateway.store.row_spool import SpooledRow
from gateway.store.spool_block import SpoolBlock, read_block, remove_block
from gateway.store.spool_file import SpoolBusy

AUDIT = "audit"
TURN = "turn"
SPOOLS = (AUDIT, TURN)
QUARANTINE_FILE = "spool-quarantine.jsonl"

# A row's key: what its replay recognises it by (gateway/store/turn_replay.py), where it has one.
_ROW_KEYS = ("request_key", "b_key", "id")


class CannotSkip(Exception):
    """No such spool file, an empty one, no entry matching what was asked for, or no way to tell
    which entry blocks it."""


@dataclass(frozen=True)
class SpoolEntry:
    line: int  # 1-based, in the file
    id: str  # an audit event's key; a row's fingerprint (sha256 of its line, 12 hex digits)
    kind: str  # the event's or the row's kind; "unreadable" for a line that does not parse
    conversation: str | None
    key: str | None  # what a replay recognises it by: a key, or a turn's or chat event's seq
    at: datetime | None  # when it was spooled (rows spooled before that was kept: None)
    size: int  # bytes, with its newline

    def age(self, now: datetime) -> str:
        if self.at is None:
            return "-"
        seconds = max(0, int((now - self.at).total_seconds()))
        if seconds < 60:
            return f"{seconds}s"
        if seconds < 3600:
            return f"{seconds // 60}m{seconds % 60:02d}s"
        if seconds < 86400:
            return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
        return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


@dataclass(frozen=True)
class SpoolView:
    name: str
    path: Path
    exists: bool
    size: int  # the file's bytes (with a last line still being written)
    entries: list[SpoolEntry]
    block: SpoolBlock | None  # what the gateway last found blocking it


@dataclass(frozen=True)
class Skipped:
    entry: SpoolEntry
    left: int  # entries still in the spool
    quarantine: Path


def entry_of(spool: str, line: int, raw: bytes) -> SpoolEntry:
    """What one line of `spool` ("audit" or "turn") is, for an operator; an unreadable one too."""
    size = len(raw) + 1
    fingerprint = hashlib.sha256(raw).hexdigest()[:12]
    try:
        if spool == AUDIT:
            event = SpooledEvent.parse(raw)
            return SpoolEntry(line, event.key, event.kind, event.conversation_id, event.key, event.ts, size)
        row = SpooledRow.parse(raw)
    except (ValueError, KeyError, TypeError, AttributeError):
        return SpoolEntry(line, fingerprint, "unreadable", None, None, None, size)
    conversation = row.row.get("conversation_id", row.row.get("b_id"))
    key = next((str(row.row[k]) for k in _ROW_KEYS if row.row.get(k) is not None), None)
    if key is None and row.row.get("seq", row.row.get("b_seq")) is not None:
        key = f"seq {row.row.get('seq', row.row.get('b_seq'))}"
    return SpoolEntry(
        line, fingerprint, row.kind, None if conversation is None else str(conversation), key, row.at, size
    )


def _complete_lines(data: bytes) -> list[bytes]:
    return data[: data.rfind(b"\n") + 1].splitlines()


def read_spool(spool: str, path: Path) -> SpoolView:
    """The spool as it is on disk now (no lock: a running gateway keeps appending)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return SpoolView(spool, path, False, 0, [], None)
    entries = [entry_of(spool, n, raw) for n, raw in enumerate(_complete_lines(data), start=1)]
    return SpoolView(spool, path, True, len(data), entries, read_block(path) if entries else None)


def skip_entry(
    spool: str,
    path: Path,
    quarantine: Path,
    *,
    line: int | None = None,
    entry_id: str | None = None,
    reason: str = "",
) -> Skipped:
    """Move one entry of the spool at `path` to `quarantine`: the one named by `line` or `entry_id`,
    else the one the gateway found refused, else the head (unless the gateway found a batch refused
    and not which entry). Raises `SpoolBusy` while a gateway holds the spool, `CannotSkip` when
    there is no such entry."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        raise CannotSkip(f"{path} does not exist: nothing is spooled") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SpoolBusy(f"{path} is held by a running gateway") from None
        lines = _complete_lines(path.read_bytes())
        if not lines:
            raise CannotSkip(f"{path} is empty: nothing is spooled")
        block = read_block(path)
        index = _chosen(spool, lines, line, entry_id, block)
        entry = entry_of(spool, index + 1, lines[index])
        _quarantine(quarantine, spool, path, entry, lines[index], reason, block)
        remove_block(path)  # the next replay finds out what (if anything) blocks it now
        rest = b"".join(raw + b"\n" for n, raw in enumerate(lines) if n != index)
        _replace(path, rest)
    finally:
        os.close(fd)  # releases the lock (on the file now replaced)
    return Skipped(entry, len(lines) - 1, quarantine)


def _chosen(
    spool: str, lines: list[bytes], line: int | None, entry_id: str | None, block: SpoolBlock | None
) -> int:
    if entry_id is not None:
        for n, raw in enumerate(lines):
            if entry_of(spool, n + 1, raw).id == entry_id:
                if line is not None and line != n + 1:
                    raise CannotSkip(f"entry {entry_id} is on line {n + 1}, not {line}")
                return n
        raise CannotSkip(f"no entry {entry_id} in the spool (replayed or moved since?)")
    if line is not None:
        if not 1 <= line <= len(lines):
            raise CannotSkip(f"the spool has {len(lines)} entries; there is no line {line}")
        return line - 1
    if block is not None and block.line is not None and block.line <= len(lines):
        return block.line - 1
    if block is not None and block.lines[0] == block.lines[1] <= len(lines):
        return block.lines[0] - 1  # a batch of one
    if block is not None and block.lines[0] < block.lines[1]:
        raise CannotSkip(
            f"the database refused one of lines {block.lines[0]}-{block.lines[1]}, which one is not"
            " known: name it with --line or --id (see `frontdesk spool show` and the error)"
        )
    return 0


def _quarantine(
    quarantine: Path,
    spool: str,
    path: Path,
    entry: SpoolEntry,
    raw: bytes,
    reason: str,
    block: SpoolBlock | None,
) -> None:
    record: dict[str, Any] = {
        "skipped_at": datetime.now(UTC).isoformat(),
        "spool": spool,
        "file": path.name,
        "line": entry.line,
        "id": entry.id,
        "kind": entry.kind,
        "conversation": entry.conversation,
        "reason": reason,
        # What the database said, when the gateway had found this very entry refused.
        "refused": None
        if block is None or block.line != entry.line
        else {"error": block.error, "message": block.message, "since": block.since.isoformat()},
        "entry": raw.decode("utf-8", errors="backslashreplace"),  # the spool's line as it was
    }
    private_dir(quarantine.parent)
    fd = os.open(quarantine, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        _write_all(fd, json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(path: Path, data: bytes) -> None:
    """`path` holds `data` from now on, whole: a new file, fsynced, renamed over it."""
    tmp = path.with_name(path.name + ".skip-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
