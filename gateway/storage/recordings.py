"""Call recordings in storage: written on local disk while the call runs, then kept in the
configured store under a key (`recordings/<conversation id>.wav`) that the `recordings` row holds.

With the local store the file is recorded where it is kept and nothing moves. With S3 the finished
file is uploaded when the call ends, its size checked against the bucket's, and only then removed
from local disk; when the upload fails (the bucket unreachable, refused) the file stays where it
is and is uploaded later: at start and every `FRONTDESK_STORAGE_RETRY_INTERVAL_S` each replica
uploads the finished recordings still on its own disk (they have a row; a file without one is a
call still being recorded). Until then the replica that recorded it serves it from its disk.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from gateway.logging import get_logger
from gateway.settings import Settings
from gateway.storage import build_store
from gateway.storage.base import ObjectStore, StorageError
from gateway.storage.local import LocalStore
from gateway.store.db import Database
from gateway.store.models import RecordingRow

log = get_logger(__name__)

RECORDINGS = "recordings"


def recording_key(conversation_id: str) -> str:
    return f"{RECORDINGS}/{conversation_id}.wav"


@dataclass(frozen=True)
class StoredRecording:
    """A recording found: its length, and its file when it is on this machine's disk."""

    key: str
    size: int
    path: Path | None


class Recordings:
    def __init__(self, data_dir: Path, store: ObjectStore, retry_interval_s: float = 0.0) -> None:
        self.disk = LocalStore(data_dir)  # where calls are recorded
        self.store = store  # where finished recordings are kept
        self.retry_interval_s = retry_interval_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._retry: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Recordings:
        return cls(settings.data_dir, build_store(settings), settings.storage_retry_interval_s)

    @property
    def remote(self) -> bool:
        """Finished recordings leave this machine's disk for the store."""
        return not isinstance(self.store, LocalStore) or self.store.root.resolve() != self.disk.root.resolve()

    def recording_path(self, key: str) -> Path:
        """Where a call's recording is written while it runs."""
        return self.disk.path_for(key)

    # -- after the call -----------------------------------------------------------------------

    async def upload(self, key: str) -> bool:
        """Keep a finished recording in the store. False: the upload failed, the file stays on
        this machine's disk (logged) and a later retry takes it."""
        if not self.remote:
            return True
        async with self._locks.setdefault(key, asyncio.Lock()):
            try:
                return await self._upload(key)
            finally:
                self._locks.pop(key, None)

    async def _upload(self, key: str) -> bool:
        path = self.disk.path_for(key)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return True  # already uploaded (by the retry, or the call's own end)
        try:
            await self.store.put_file(key, path)
            stored = await self.store.size(key)
            if stored != size:
                raise StorageError(f"{self.store.name}: {key} stored with {stored} bytes of {size}")
        except StorageError as exc:
            log.warning(
                "recording upload failed; kept on local disk for a retry",
                store=self.store.name,
                key=key,
                error=str(exc),
                error_type=type(exc).__name__,
            )
            return False
        await self.disk.delete(key)
        log.info("recording uploaded", store=self.store.name, key=key, bytes=size)
        return True

    async def upload_pending(self, db: Database) -> tuple[int, int]:
        """Upload the finished recordings still on this machine's disk: (uploaded, failed)."""
        if not self.remote:
            return 0, 0
        folder = self.disk.root / RECORDINGS
        names = await asyncio.to_thread(lambda: sorted(p.name for p in folder.glob("*.wav") if p.is_file()))
        if not names:
            return 0, 0
        keys = [f"{RECORDINGS}/{name}" for name in names]
        async with db.session() as s:
            finished = set(
                (await s.scalars(select(RecordingRow.path).where(RecordingRow.path.in_(keys)))).all()
            )
        uploaded = failed = 0
        for key in keys:
            if key in finished:  # no row: a call still being recorded (or one that crashed)
                if await self.upload(key):
                    uploaded += 1
                else:
                    failed += 1
        if uploaded or failed:
            log.info("recordings left on disk uploaded", uploaded=uploaded, failed=failed)
        return uploaded, failed

    def start(self, db: Database) -> None:
        """Retry what earlier uploads left on disk: now, then every retry interval (0: only now)."""
        if self.remote and self._retry is None:
            self._retry = asyncio.create_task(self._retry_loop(db), name="recording-uploads")

    async def _retry_loop(self, db: Database) -> None:
        while True:
            try:
                await self.upload_pending(db)
            except Exception as exc:  # the database away: the next round tries again
                log.warning("recording upload retry failed", error=str(exc), error_type=type(exc).__name__)
            if self.retry_interval_s <= 0:
                return
            await asyncio.sleep(self.retry_interval_s)

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
            self._retry = None

    # -- reading and purging ---------------------------------------------------------------------

    async def find(self, key: str) -> StoredRecording:
        """The recording under `key`: on this machine's disk (not uploaded yet, or the local
        store), else in the store. `ObjectMissing` / `StorageUnavailable` / `StorageError`."""
        path = self.disk.path_for(key)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
            return StoredRecording(key, size, path)
        except FileNotFoundError:
            pass
        return StoredRecording(key, await self.store.size(key), self.store.local_path(key))

    def read(self, found: StoredRecording, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        if found.path is not None:
            return self.disk.read(found.key, start, stop)
        return self.store.read(found.key, start, stop)

    async def delete(self, key: str) -> None:
        """Remove a recording from this machine's disk and from the store."""
        await self.disk.delete(key)
        if self.remote:
            await self.store.delete(key)
