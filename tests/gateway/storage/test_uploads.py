"""A finished recording goes from local disk to the S3 store; when the store is down the file stays
on disk, nothing is lost, and the retry uploads it once the store is back."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.settings import Settings
from gateway.storage.base import ObjectMissing
from gateway.storage.recordings import Recordings, recording_key
from gateway.store.db import Database
from gateway.store.models import ConversationRow, RecordingRow
from tests.conftest import make_settings, prepare_database
from tests.gateway.storage.conftest import S3Server, free_port, s3_settings
from tests.logs import captured_logs, json_lines  # noqa: F401  (fixture)


def write_wav(path: Path, seconds: float = 0.5) -> bytes:
    """A small stereo 8 kHz WAV (a ramp, so byte ranges differ); returns its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(int(i % 30000).to_bytes(2, "little") * 2 for i in range(int(8000 * seconds)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames)
    return path.read_bytes()


async def add_recording(db: Database, conversation_id: str, key: str) -> None:
    async with db.session() as s, s.begin():
        if await s.get(ConversationRow, conversation_id) is None:
            s.add(ConversationRow(id=conversation_id, channel="voice", status="closed"))
        s.add(RecordingRow(conversation_id=conversation_id, path=key, duration_s=0.5, channels=2))


@pytest.fixture
async def down_then_up(tmp_path: Path) -> AsyncIterator[tuple[Settings, S3Server]]:
    """Settings for an S3 server on a port where none runs yet; the test starts it."""
    server = S3Server(free_port())
    settings = s3_settings(tmp_path, server.url, "frontdesk-recordings")
    await prepare_database(settings)
    yield settings, server
    server.stop()


async def test_upload_moves_the_file_to_the_bucket(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    settings = s3_settings(tmp_path, s3_server.url, bucket)
    recordings = Recordings.from_settings(settings)
    key = recording_key("c1")
    content = write_wav(recordings.recording_path(key))
    assert await recordings.upload(key) is True
    assert not recordings.recording_path(key).exists()
    stored = s3_server.client().get_object(Bucket=bucket, Key="clinic-a/" + key)["Body"].read()
    assert stored == content
    found = await recordings.find(key)
    assert found.size == len(content) and found.path is None  # read from the bucket now
    assert b"".join([c async for c in recordings.read(found, 44, 144)]) == content[44:144]
    await recordings.delete(key)
    with pytest.raises(ObjectMissing):
        await recordings.find(key)


async def test_local_store_keeps_the_file_where_it_was_recorded(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    recordings = Recordings.from_settings(settings)
    key = recording_key("c1")
    path = recordings.recording_path(key)
    assert path == (settings.data_dir / "recordings" / "c1.wav").resolve()  # where it always was
    content = write_wav(path)
    assert not recordings.remote and await recordings.upload(key) is True
    assert path.read_bytes() == content
    found = await recordings.find(key)
    assert found.path == path and found.size == len(content)
    await recordings.delete(key)
    assert not path.exists()


async def test_store_down_keeps_the_recording_and_the_retry_uploads_it(
    down_then_up: tuple[Settings, S3Server], caplog: pytest.LogCaptureFixture
) -> None:
    settings, server = down_then_up
    db = Database(settings.database_url)
    try:
        recordings = Recordings.from_settings(settings)
        finished, running = recording_key("finished"), recording_key("still-recording")
        content = write_wav(recordings.recording_path(finished))
        write_wav(recordings.recording_path(running))
        await add_recording(db, "finished", finished)  # saved at the end of its call

        assert await recordings.upload(finished) is False  # the store is down
        path = recordings.recording_path(finished)
        assert path.read_bytes() == content  # kept, whole
        found = await recordings.find(finished)  # and still played from this replica's disk
        assert found.path == path
        assert await recordings.upload_pending(db) == (0, 1)  # the retry fails too: still kept
        assert path.read_bytes() == content

        server.start()
        server.client().create_bucket(Bucket="frontdesk-recordings")
        assert await recordings.upload_pending(db) == (1, 0)
        assert not path.exists()
        assert recordings.recording_path(running).exists()  # no row yet: its call is still on
        stored = server.client().get_object(Bucket="frontdesk-recordings", Key="clinic-a/" + finished)
        assert stored["Body"].read() == content
        assert await recordings.upload_pending(db) == (0, 0)  # nothing left to do
    finally:
        await db.close()


async def test_the_failed_upload_is_logged_with_its_reason(
    down_then_up: tuple[Settings, S3Server],
    captured_logs: io.StringIO,  # noqa: F811
) -> None:
    settings, _ = down_then_up
    recordings = Recordings.from_settings(settings)
    key = recording_key("c1")
    write_wav(recordings.recording_path(key))
    assert await recordings.upload(key) is False
    [line] = [e for e in json_lines(captured_logs) if e.get("event", "").startswith("recording upload")]
    assert line["event"] == "recording upload failed; kept on local disk for a retry"
    assert line["key"] == key and line["store"] == "s3" and line["error_type"] == "StorageUnavailable"
    assert "cannot reach the server" in line["error"]


async def test_a_gateway_starting_uploads_what_was_left_on_its_disk(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    """A replica that stopped with an upload pending (its store was down) uploads it at start."""
    from gateway.services import Services

    settings = s3_settings(tmp_path, s3_server.url, bucket, storage_retry_interval_s=0)
    await prepare_database(settings)
    key = recording_key("left-behind")
    path = Recordings.from_settings(settings).recording_path(key)
    content = write_wav(path)
    db = Database(settings.database_url)
    try:
        await add_recording(db, "left-behind", key)
    finally:
        await db.close()
    services = await Services.start(settings)
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while await asyncio.to_thread(path.exists):  # the start-up retry runs in the background
            assert asyncio.get_running_loop().time() < deadline, "not uploaded at start"
            await asyncio.sleep(0.05)
    finally:
        await services.stop()
    stored = s3_server.client().get_object(Bucket=bucket, Key="clinic-a/" + key)["Body"].read()
    assert stored == content
