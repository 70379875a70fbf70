"""Both stores, for real: the data directory and an S3-compatible server (moto's, over HTTP).
Round trips, byte ranges, a missing object, a bucket that refuses, a server that is down."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from gateway.storage import build_store
from gateway.storage.base import ObjectMissing, ObjectStore, StorageError, StorageUnavailable
from gateway.storage.local import LocalStore
from gateway.storage.s3 import S3Store
from tests.conftest import make_settings
from tests.gateway.storage.conftest import S3Server, free_port, s3_settings

KEY = "recordings/abc123.wav"
CONTENT = bytes(range(256)) * 4096  # 1 MiB: several read chunks


async def _read(store: ObjectStore, key: str, start: int = 0, stop: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, start, stop)])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "incoming.wav"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return build_store(make_settings(tmp_path))
    server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("bucket")
    return build_store(s3_settings(tmp_path, server.url, bucket))


async def test_round_trip(store: ObjectStore, source: Path) -> None:
    await store.put_file(KEY, source)
    assert await store.size(KEY) == len(CONTENT)
    assert await _read(store, KEY) == CONTENT
    assert await _read(store, KEY, 1000, 300_000) == CONTENT[1000:300_000]
    assert await _read(store, KEY, len(CONTENT) - 10) == CONTENT[-10:]
    await asyncio.to_thread(source.write_bytes, b"replaced")  # a second put replaces the first
    await store.put_file(KEY, source)
    assert await _read(store, KEY) == b"replaced"
    await store.delete(KEY)
    await store.delete(KEY)  # nothing there any more: still no error
    with pytest.raises(ObjectMissing):
        await store.size(KEY)


async def test_missing_object_is_a_clear_error(store: ObjectStore) -> None:
    with pytest.raises(ObjectMissing) as info:
        await store.size("recordings/nobody.wav")
    assert "recordings/nobody.wav" in str(info.value) and store.name in str(info.value)
    with pytest.raises(ObjectMissing):
        await _read(store, "recordings/nobody.wav")


@pytest.mark.parametrize("key", ["../outside.wav", "/etc/passwd", "recordings//x.wav", "a/./b", ""])
async def test_keys_are_plain_relative_paths(store: ObjectStore, source: Path, key: str) -> None:
    with pytest.raises(StorageError):
        await store.put_file(key, source)
    with pytest.raises(StorageError):
        await store.size(key)


async def test_local_files_are_owner_only(tmp_path: Path, source: Path) -> None:
    store = LocalStore(tmp_path / "var")
    before = os.umask(0o022)  # whatever the shell's umask
    try:
        await store.put_file(KEY, source)
    finally:
        os.umask(before)
    path = tmp_path / "var" / KEY
    assert path.read_bytes() == CONTENT
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


async def test_s3_objects_are_private_encrypted_and_under_the_prefix(
    s3_server: S3Server, bucket: str, tmp_path: Path, source: Path
) -> None:
    settings = s3_settings(tmp_path, s3_server.url, bucket, s3_server_side_encryption="AES256")
    store = build_store(settings)
    assert isinstance(store, S3Store)
    await store.put_file(KEY, source)
    client = s3_server.client()
    listed = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == ["clinic-a/" + KEY]
    head = client.head_object(Bucket=bucket, Key="clinic-a/" + KEY)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "audio/wav"
    grants = client.get_object_acl(Bucket=bucket, Key="clinic-a/" + KEY)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner's only: no public read
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)


async def test_a_bucket_that_does_not_exist_is_refused_by_name(
    s3_server: S3Server, tmp_path: Path, source: Path
) -> None:
    store = build_store(s3_settings(tmp_path, s3_server.url, "no-such-bucket-here"))
    with pytest.raises(StorageError) as info:
        await store.put_file(KEY, source)
    assert not isinstance(info.value, StorageUnavailable)
    assert "no-such-bucket-here" in str(info.value) and "NoSuchBucket" in str(info.value)


async def test_a_server_that_is_down_is_unavailable_not_missing(tmp_path: Path, source: Path) -> None:
    store = build_store(s3_settings(tmp_path, f"http://127.0.0.1:{free_port()}", "frontdesk"))
    for attempt in (store.put_file(KEY, source), store.size(KEY), store.delete(KEY)):
        with pytest.raises(StorageUnavailable) as info:
            await attempt
        assert "cannot reach the server" in str(info.value) and "frontdesk" in str(info.value)
    with pytest.raises(StorageUnavailable):
        await _read(store, KEY)
