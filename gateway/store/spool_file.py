"""The file under a spool (gateway/store/audit_spool.py, gateway/store/row_spool.py): lines
appended and fsynced before they are acknowledged, bounded, owned by one process at a time.

What a line means is the spool's business; here: an exclusive `flock` (a second process gets
`SpoolBusy`), the complete lines a previous process left (a last line cut short by a crash was
never acknowledged: dropped), appends of whole batches or nothing (`SpoolFull` past `max_bytes`,
and the file reports itself `refused` until it is emptied), and emptying it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from gateway.logging import get_logger
from gateway.private_files import private_dir
from gateway.store.spool_block import SpoolBlock, read_block, record_block, refusal, remove_block

log = get_logger(__name__)


class SpoolFull(Exception):
    """The batch would pass the spool's bound; nothing of it was written."""


class SpoolBusy(Exception):
    """Another process holds the spool file."""


class SpoolFile:
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self.refused = False  # a batch was refused since the file was last emptied
        self._fd: int | None = None

    def open(self) -> list[bytes]:
        """Take the file (exclusively); the complete lines it holds, in order."""
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
        if len(complete) < len(data):
            os.ftruncate(fd, len(complete))
            os.fsync(fd)
            log.warning("spool: dropped an unfinished last line", path=str(self.path))
        self.size = len(complete)
        return complete.splitlines()

    def append(self, data: bytes) -> None:
        """Write and fsync `data` (whole lines), all or none; blocking: call it off the loop."""
        if self._fd is None:
            raise RuntimeError(f"the spool {self.path.name} is not open")
        if self.size + len(data) > self.max_bytes:
            self.refused = True
            raise SpoolFull(f"the spool {self.path.name} would pass {self.max_bytes} bytes")
        os.write(self._fd, data)
        os.fsync(self._fd)
        self.size += len(data)

    def clear(self) -> None:
        """Everything in it is in the database: empty the file (blocking)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)
        self.size = 0
        self.refused = False
        remove_block(self.path)  # nothing left to block it

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None


class _Line(Protocol):
    def line(self) -> bytes: ...


R = TypeVar("R", bound=_Line)


class RecordSpool(Generic[R]):
    """A spool of records (one JSON line each, `R.line()`), read back with `parse`: what the audit
    and row spools share. `pending` is what the file holds, in order."""

    what = "record"  # for messages: "audit event", "row"

    def __init__(self, path: Path, max_bytes: int, parse: Callable[[bytes], R]) -> None:
        self.file = SpoolFile(path, max_bytes)
        self.pending: list[R] = []
        self._parse = parse
        # A replay the database refused (not away): which entry, since when (spool_block.py).
        self.blocked: SpoolBlock | None = None

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def full(self) -> bool:
        return self.file.refused

    def open(self) -> None:
        """Take the file (exclusively) and read what a previous process left in it."""
        records: list[R] = []
        for number, line in enumerate(self.file.open(), start=1):
            try:
                records.append(self._parse(line))
            except (ValueError, KeyError, TypeError) as exc:
                # Not ours to guess at: keep the file for the operator, refuse to replay past it.
                self.file.close()
                raise ValueError(f"{self.path} line {number} is not a spooled {self.what}: {exc}") from exc
        self.pending = records
        self.blocked = read_block(self.path) if records else None  # a previous process's finding
        if records:
            log.warning(
                f"{self.what} spool holds records from before the start",
                path=str(self.path),
                records=len(records),
            )

    def append(self, records: list[R]) -> None:
        """Write and fsync `records` (all or none); blocking: call it off the event loop."""
        self.file.append(b"".join(r.line() for r in records))
        self.pending.extend(records)

    def clear(self) -> None:
        """Every spooled record is in the database: empty the file (blocking)."""
        self.file.clear()
        self.pending = []
        self.blocked = None

    def note_refused(self, index: int | None, tried: tuple[int, int], exc: BaseException) -> None:
        """A replay failed for a reason other than the database being away: `pending[index]` was
        refused (None: one of `pending[tried[0]:tried[1]]`). On file next to the spool for
        `frontdesk spool show`, written when it changes (blocking, a small file)."""
        line = None if index is None else index + 1
        try:
            self.blocked = record_block(self.path, refusal(line, (tried[0] + 1, tried[1]), exc), self.blocked)
        except OSError as error:  # the log has it too; the replay goes on being retried
            log.warning("spool: could not note what blocks it", path=str(self.path), error=str(error))

    def close(self) -> None:
        self.file.close()
