"""The S3 store: objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...), so that every
replica reads what any of them stored.

Objects stay private: no ACL is ever set (the bucket's own policy applies, which should block
public access), and the console streams them through the gateway, behind its login and access
log, instead of handing out links. Every upload can ask for server-side encryption
(`FRONTDESK_S3_SERVER_SIDE_ENCRYPTION`). boto3 blocks, so each call runs in a worker thread; one
client serves all of them (boto3 clients are thread-safe).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

# boto3 and botocore ship no type information (the boto3-stubs packages are not dependencies).
import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from gateway.settings import Settings
from gateway.storage.base import CHUNK_BYTES, ObjectMissing, StorageError, StorageUnavailable, check_key

_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
# Answers that mean "try again later", not "refused".
_UNAVAILABLE_CODES = {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown"}


class S3Store:
    name = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any,
        encryption: str = "",
        kms_key_id: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._client = client
        self._extra: dict[str, str] = {}
        if encryption:
            self._extra["ServerSideEncryption"] = encryption
            if encryption == "aws:kms" and kms_key_id:
                self._extra["SSEKMSKeyId"] = kms_key_id

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        if not settings.s3_bucket:
            raise StorageError("FRONTDESK_S3_BUCKET is not set")
        endpoint = _set(settings.s3_endpoint_url)
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise StorageError("FRONTDESK_S3_ENDPOINT_URL must be an http:// or https:// URL")
        config = Config(
            connect_timeout=settings.s3_connect_timeout_s,
            read_timeout=settings.s3_read_timeout_s,
            retries={"max_attempts": settings.s3_max_attempts, "mode": "standard"},
            s3={"addressing_style": settings.s3_addressing_style},
        )
        secret = settings.s3_secret_access_key
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=_set(settings.s3_region),
            aws_access_key_id=_set(settings.s3_access_key_id),
            aws_secret_access_key=_set(secret.get_secret_value() if secret is not None else None),
            config=config,
        )
        return cls(
            settings.s3_bucket,
            settings.s3_prefix,
            client=client,
            encryption=settings.s3_server_side_encryption,
            kms_key_id=_set(settings.s3_kms_key_id),
        )

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def local_path(self, key: str) -> Path | None:
        return None

    def _error(self, exc: Exception, action: str, key: str) -> StorageError:
        """The boto error as ours: which store, which key, what went wrong (never the content)."""
        where = f"s3 bucket {self.bucket}: {action} {self.object_key(key)}"
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _MISSING_CODES or (status == "404" and code != "NoSuchBucket"):
                return ObjectMissing(f"{where}: no such object")
            if code in _UNAVAILABLE_CODES or status in _UNAVAILABLE_CODES:
                return StorageUnavailable(f"{where}: the server answered {code}")
            return StorageError(f"{where}: refused ({code})")
        if isinstance(exc, BotoConnectionError | HTTPClientError):
            return StorageUnavailable(f"{where}: cannot reach the server ({type(exc).__name__})")
        return StorageError(f"{where}: {type(exc).__name__}")

    async def put_file(self, key: str, source: Path) -> None:
        object_key = self.object_key(key)
        if not await asyncio.to_thread(source.is_file):
            raise ObjectMissing(f"s3 bucket {self.bucket}: no file to upload for {key}")
        extra = {"ContentType": _content_type(key), **self._extra}
        try:
            await asyncio.to_thread(
                self._client.upload_file, str(source), self.bucket, object_key, ExtraArgs=extra
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "upload", key) from None
        except Exception as exc:  # s3transfer wraps failures in its own types
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, BotoCoreError | ClientError):
                raise self._error(cause, "upload", key) from None
            raise StorageError(
                f"s3 bucket {self.bucket}: upload {object_key}: {type(exc).__name__}"
            ) from None

    async def size(self, key: str) -> int:
        try:
            head = await asyncio.to_thread(
                self._client.head_object, Bucket=self.bucket, Key=self.object_key(key)
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "read", key) from None
        return int(head["ContentLength"])

    async def read(self, key: str, start: int = 0, stop: int | None = None) -> AsyncIterator[bytes]:
        if stop is not None and stop <= start:
            return
        wanted = f"bytes={start}-" + ("" if stop is None else str(stop - 1))
        try:
            answer = await asyncio.to_thread(
                self._client.get_object, Bucket=self.bucket, Key=self.object_key(key), Range=wanted
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "read", key) from None
        body = answer["Body"]
        try:
            while True:
                try:
                    chunk = await asyncio.to_thread(body.read, CHUNK_BYTES)
                except (BotoCoreError, ClientError) as exc:
                    raise self._error(exc, "read", key) from None
                if not chunk:
                    break
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self.object_key(key))
        except (BotoCoreError, ClientError) as exc:
            error = self._error(exc, "delete", key)
            if not isinstance(error, ObjectMissing):
                raise error from None


def _set(value: str | None) -> str | None:
    """An empty value (a variable a deployment template leaves blank) counts as unset."""
    return value.strip() or None if value is not None else None


def _content_type(key: str) -> str:
    return "audio/wav" if key.endswith(".wav") else "application/octet-stream"
