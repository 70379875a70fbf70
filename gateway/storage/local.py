"""The local store: files under the data directory, owner-only (0600 files in 0700 directories),
as recordings have always been kept. Good for one gateway; replicas need the S3 store."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from gateway.private_files import open_private
from gateway.storage.base import CHUNK_BYTES, ObjectMissing, StorageError, check_key


class LocalStore:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        """The file of `key`; a key that would lead outside the root is refused."""
        base = self.root.resolve()
        path = (base / check_key(key)).resolve()
        if not path.is_relative_to(base):
            raise StorageError(f"key {key!r} leads outside the local store")
        return path

    def local_path(self, key: str) -> Path | None:
        return self.path_for(key)

    async def put_file(self, key: str, source: Path) -> None:
        target = self.path_for(key)
        await asyncio.to_thread(_copy_private, source, target)

    async def size(self, key: str) -> int:
        path = self.path_for(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            raise ObjectMissing(f"local store: nothing under {key}") from None

    async def read(self, key: str, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        path = self.path_for(key)
        try:
            f = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise ObjectMissing(f"local store: nothing under {key}") from None
        try:
            await asyncio.to_thread(f.seek, start)
            left = None if stop is None else max(0, stop - start)
            while left is None or left > 0:
                chunk = await asyncio.to_thread(
                    f.read, CHUNK_BYTES if left is None else min(left, CHUNK_BYTES)
                )
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(f.close)

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        try:
            await asyncio.to_thread(os.unlink, path)
        except FileNotFoundError:
            pass


def _copy_private(source: Path, target: Path) -> None:
    if source.resolve() == target:
        return  # written in place: a recording is recorded where it is kept
    try:
        src = source.open("rb")
    except FileNotFoundError:
        raise ObjectMissing(f"local store: no file to store at {source}") from None
    with src, open_private(target) as dst:
        shutil.copyfileobj(src, dst, CHUNK_BYTES)
