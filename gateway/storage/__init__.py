"""Where recordings (and other files kept for staff) are stored: a local directory or an
S3-compatible bucket, behind one small interface (`base.ObjectStore`); `recordings.py` is how
calls put theirs there and how the console and `frontdesk retention` reach them (docs/storage.md)."""

from __future__ import annotations

from gateway.settings import Settings
from gateway.storage.base import ObjectMissing, ObjectStore, StorageError, StorageUnavailable

__all__ = ["ObjectMissing", "ObjectStore", "StorageError", "StorageUnavailable", "build_store"]


def build_store(settings: Settings) -> ObjectStore:
    """The configured store (FRONTDESK_STORAGE): the data directory, or the S3 bucket."""
    if settings.storage == "s3":
        from gateway.storage.s3 import S3Store

        return S3Store.from_settings(settings)
    from gateway.storage.local import LocalStore

    return LocalStore(settings.data_dir)
