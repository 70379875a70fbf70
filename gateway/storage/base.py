"""The storage interface: put a finished file under a key, read it back (whole or a byte range),
delete it. Keys are relative, slash-separated paths such as `recordings/<conversation id>.wav`:
the same key names the file under the data directory and the object under the bucket's prefix.

Errors name the store and the key, never the content: `ObjectMissing` (nothing under that key),
`StorageUnavailable` (the store could not be reached: try again later), `StorageError` otherwise
(refused: credentials, bucket, a key that is not a plain relative path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 256 * 1024  # one read from disk or from the bucket while streaming


class StorageError(Exception):
    """The store refused or failed; the message says which store, which key and why."""


class ObjectMissing(StorageError):
    """Nothing is stored under the key."""


class StorageUnavailable(StorageError):
    """The store could not be reached (connection refused, timed out): nothing was changed."""


def check_key(key: str) -> str:
    """A key is a relative path of plain names: no leading slash, no '..', '.', empty parts or backslashes."""
    parts = key.split("/")
    if not key or "\\" in key or any(p in ("", ".", "..") for p in parts):
        raise StorageError(f"not a storage key: {key!r}")
    return key


class ObjectStore(Protocol):
    """One place files are kept. Every method runs its blocking work off the event loop."""

    name: str  # "local" or "s3", for logs and errors

    async def put_file(self, key: str, source: Path) -> None:
        """Store the file at `source` under `key` (replacing what was there)."""
        ...

    async def size(self, key: str) -> int:
        """The stored object's length in bytes; `ObjectMissing` if there is none."""
        ...

    def read(self, key: str, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        """The bytes from `start` up to `stop` (exclusive; None: the end), in chunks."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; no error when there is none."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file itself when the store is a local directory (served as a file), else None."""
        ...
