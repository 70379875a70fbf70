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
from pathlib import Path

from gateway.logging import get_logger
from gateway.private_files import private_dir

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

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None
