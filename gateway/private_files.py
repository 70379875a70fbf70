"""Files that hold patient data (the SQLite database, call recordings, exports, checkpoints) are
readable by the service's own user only: created 0600, their directories 0700.

`frontdesk` sets the process umask to 0077 before any command runs, so that whatever a library
creates on our behalf (SQLite's -wal and -shm files, a temporary file) is private too; the helpers
below set the modes explicitly as well, for code that runs under another entry point (tests,
uvicorn started by hand).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

OWNER_ONLY_UMASK = 0o077


def restrict_umask() -> int:
    """New files owner-only from now on in this process; returns the previous umask."""
    return os.umask(OWNER_ONLY_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; an existing directory is left as it is."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def create_private(path: Path) -> None:
    """Create `path` empty as 0600 unless it exists (an empty file is a valid new SQLite database)."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def open_private(path: Path) -> BinaryIO:
    """Open `path` for writing from scratch, created (or truncated) with mode 0600."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that existed keeps its mode through O_CREAT: set it
    return os.fdopen(fd, "wb")
