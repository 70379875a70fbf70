"""Two gateway replicas, each with its own data directory, sharing one database and one S3 bucket:
a call answered by one is recorded there, uploaded when it ends, and played through the other's
console (whole, and by byte range), behind its login and on the access log. A real call over
real servers with the real speech models. Also: the store down is a 503, an object missing a 404."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallSimulator
from gateway.console.accounts import StaffAccounts
from gateway.settings import Settings
from gateway.storage.recordings import Recordings, recording_key
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, RecordingRow
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.console.conftest import PASSWORD, STAFF, Console
from tests.gateway.storage.conftest import S3Server, s3_settings
from tests.gateway.storage.test_uploads import write_wav

TWILIO_TOKEN = "test-twilio-token"  # what tests.conftest.make_settings configures


@contextmanager
def replicas(*settings: Settings) -> Iterator[list[LiveServer]]:
    """Gateways on one database, migrated and seeded once, with a staff account."""
    asyncio.run(prepare_database(settings[0]))
    asyncio.run(_in_db(settings[0], lambda db: StaffAccounts(db).add(STAFF, "staff", PASSWORD)))
    servers = [LiveServer(s) for s in settings]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


async def _in_db(settings: Settings, work: Any) -> Any:
    db = Database(settings.database_url)
    try:
        return await work(db)
    finally:
        await db.close()


async def _recording_of(db: Database, call_sid: str) -> RecordingRow:
    async with db.session() as s:
        conversation = (
            await s.execute(select(ConversationRow).where(ConversationRow.external_id == call_sid))
        ).scalar_one()
        return (
            await s.execute(select(RecordingRow).where(RecordingRow.conversation_id == conversation.id))
        ).scalar_one()


async def _views(db: Database, conversation_id: str) -> list[dict[str, Any]]:
    async with db.session() as s:
        rows = await s.scalars(
            select(AuditEventRow.payload)
            .where(AuditEventRow.conversation_id == conversation_id, AuditEventRow.kind == "staff.view")
            .order_by(AuditEventRow.seq)
        )
        return list(rows.all())


def _wait_for_upload(s3: S3Server, bucket: str, key: str, local: Path, timeout: float = 30.0) -> bytes:
    """The call's end uploads its recording: wait (polling, with a deadline) until it is in the
    bucket and gone from the recording replica's disk."""
    client = s3.client()
    deadline = time.monotonic() + timeout
    while True:
        listed = client.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
        if listed and not local.exists():
            return bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert time.monotonic() < deadline, f"{key} not uploaded (local copy there: {local.exists()})"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_recording_made_on_one_replica_plays_on_the_other(
    tmp_path: Path, s3_server: S3Server, bucket: str
) -> None:
    shared = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}",
        "session_secret": "replicas-share-this-session-secret-" + uuid.uuid4().hex,
    }
    first = s3_settings(tmp_path / "a", s3_server.url, bucket, **shared)
    second = s3_settings(tmp_path / "b", s3_server.url, bucket, **shared)
    with replicas(first, second) as (recorder, player):
        report = asyncio.run(CallSimulator(recorder.ws_url + "/twilio/stream", TWILIO_TOKEN).run([]))
        assert report.greeting is not None and report.greeting.startswith("This call is recorded.")
        row = asyncio.run(_in_db(first, lambda db: _recording_of(db, report.call_sid)))
        assert row.path == f"recordings/{row.conversation_id}.wav"  # a storage key, not a local path
        stored = _wait_for_upload(s3_server, bucket, "clinic-a/" + row.path, first.data_dir / row.path)
        assert stored[:4] == b"RIFF" and len(stored) > 44 + 32_000  # a header and over a second of audio
        assert not (second.data_dir / row.path).exists()  # the other replica never had the file

        console = Console(player)
        url = f"/console/conversations/{row.conversation_id}/recordings/{row.id}"
        try:
            assert console.client().get(url).status_code == 303  # to the login page: nothing without it
            client, _ = console.login(STAFF)
            assert url in client.get(f"/console/conversations/{row.conversation_id}").text
            whole = client.get(url)
            assert whole.status_code == 200, whole.text
            assert whole.headers["content-type"] == "audio/wav"
            assert whole.headers["cache-control"] == "no-store"
            assert whole.content == stored
            part = client.get(url, headers={"Range": "bytes=44-1043"})
            assert part.status_code == 206
            assert part.headers["content-range"] == f"bytes 44-1043/{len(stored)}"
            assert part.content == stored[44:1044]
            tail = client.get(url, headers={"Range": "bytes=-10"})
            assert tail.status_code == 206 and tail.content == stored[-10:]
            beyond = client.get(url, headers={"Range": f"bytes={len(stored)}-"})
            assert beyond.status_code == 416
            assert beyond.headers["content-range"] == f"bytes */{len(stored)}"
            # The replica that recorded it plays it from the bucket too, its own copy being gone.
            assert Console(recorder).login(STAFF)[0].get(url).content == stored
        finally:
            for c in console.clients:
                c.close()
        views = asyncio.run(_in_db(first, lambda db: _views(db, row.conversation_id)))
        # Every play is on the access log (the 416 too: it showed the recording's length).
        assert [v["what"] for v in views].count("recording") == 5


def test_storage_down_is_a_503_and_a_missing_object_a_404(
    tmp_path: Path, s3_server: S3Server, bucket: str
) -> None:
    down = S3Server()  # never started: nothing listens on its port
    broken = s3_settings(
        tmp_path / "a", down.url, bucket, database_url=f"sqlite+aiosqlite:///{tmp_path / 'db'}"
    )
    working = s3_settings(tmp_path / "b", s3_server.url, bucket, database_url=broken.database_url)

    async def add_row(db: Database) -> int:
        async with db.session() as s, s.begin():
            s.add(ConversationRow(id="c-down", channel="voice", status="closed"))
            row = RecordingRow(conversation_id="c-down", path="recordings/c-down.wav", duration_s=1.0)
            s.add(row)
        return row.id

    with replicas(broken, working) as servers:
        rid = asyncio.run(_in_db(broken, add_row))
        url = f"/console/conversations/c-down/recordings/{rid}"
        answers = []
        for server in servers:
            console = Console(server)
            client, _ = console.login(STAFF)
            answers.append(client.get(url))
            for c in console.clients:
                c.close()
    unreachable, missing = answers
    assert unreachable.status_code == 503 and "unreachable" in unreachable.text
    assert missing.status_code == 404 and "not found" in missing.text


def test_from_disk_ranges_work_and_a_pending_upload_plays_where_it_was_recorded(
    tmp_path: Path, s3_server: S3Server, bucket: str
) -> None:
    """The local store serves its files with Range as before; a recording whose upload failed
    (its replica's store down) plays on that replica from its disk, and is a 404 elsewhere."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    local = make_settings(tmp_path / "local", database_url=database_url)
    down = s3_settings(tmp_path / "down", S3Server().url, bucket, database_url=database_url)
    other = s3_settings(tmp_path / "other", s3_server.url, bucket, database_url=database_url)

    async def add_rows(db: Database) -> dict[str, int]:
        ids = {}
        for name, settings in (("local", local), ("down", down)):
            key = recording_key(f"c-{name}")
            write_wav(Recordings.from_settings(settings).recording_path(key))
            async with db.session() as s, s.begin():
                s.add(ConversationRow(id=f"c-{name}", channel="voice", status="closed"))
                row = RecordingRow(conversation_id=f"c-{name}", path=key, duration_s=0.5)
                s.add(row)
            ids[name] = row.id
        return ids

    with replicas(local, down, other) as (on_local, on_down, on_other):
        ids = asyncio.run(_in_db(local, add_rows))
        assert asyncio.run(Recordings.from_settings(down).upload(recording_key("c-down"))) is False
        wav = (down.data_dir / "recordings" / "c-down.wav").read_bytes()
        answers = {}
        for name, server in (("local", on_local), ("down", on_down), ("other", on_other)):
            console = Console(server)
            client, _ = console.login(STAFF)
            for conversation in ("local", "down"):
                url = f"/console/conversations/c-{conversation}/recordings/{ids[conversation]}"
                answers[name, conversation] = client.get(url, headers={"Range": "bytes=4-11"})
            for c in console.clients:
                c.close()
    local_wav = (local.data_dir / "recordings" / "c-local.wav").read_bytes()
    assert answers["local", "local"].status_code == 206
    assert answers["local", "local"].content == local_wav[4:12]
    assert answers["down", "down"].status_code == 206 and answers["down", "down"].content == wav[4:12]
    assert answers["other", "down"].status_code == 404  # not uploaded yet: only its replica has it
    assert answers["other", "local"].status_code == 404  # a local-store file is one machine's
