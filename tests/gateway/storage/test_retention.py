"""`frontdesk retention`: recordings and transcripts past their days are purged from the database
and from storage (local disk and S3), `--dry-run` only counts, the audit trail keeps every event
plus a `retention.purge` one, and `frontdesk audit verify` still passes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner, Result

from agents.api import UserTurn
from gateway.cli.main import app as cli
from gateway.services import Services
from gateway.settings import Settings
from gateway.storage.base import ObjectMissing
from gateway.storage.recordings import Recordings, recording_key
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, ConversationRow, RecordingRow, TurnRow
from tests.conftest import create_pg_database, drop_pg_database, make_settings, prepare_database
from tests.gateway.storage.conftest import S3Server, free_port, s3_settings
from tests.gateway.storage.test_uploads import write_wav

PHONE = "+15035550142"
SAID = "Hello, this is Margaret Oakley, what are your opening hours"


@pytest.fixture(params=["local", "s3", "local-postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "local":
        return make_settings(tmp_path)
    if request.param == "local-postgres":
        return make_settings(tmp_path, database_url=request.getfixturevalue("pg_url"))
    server: S3Server = request.getfixturevalue("s3_server")
    return s3_settings(tmp_path, server.url, request.getfixturevalue("bucket"))


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(url)


def _env(settings: Settings) -> dict[str, str]:
    env = {
        "FRONTDESK_DATA_DIR": str(settings.data_dir),
        "FRONTDESK_DATABASE_URL": settings.database_url,
        "FRONTDESK_STORAGE": settings.storage,
        "FRONTDESK_RETENTION_RECORDING_DAYS": "30",
        "FRONTDESK_RETENTION_TRANSCRIPT_DAYS": "90",
    }
    if settings.storage == "s3":
        secret = settings.s3_secret_access_key
        assert secret is not None
        env |= {
            "FRONTDESK_S3_BUCKET": str(settings.s3_bucket),
            "FRONTDESK_S3_PREFIX": settings.s3_prefix,
            "FRONTDESK_S3_ENDPOINT_URL": str(settings.s3_endpoint_url),
            "FRONTDESK_S3_REGION": str(settings.s3_region),
            "FRONTDESK_S3_ACCESS_KEY_ID": str(settings.s3_access_key_id),
            "FRONTDESK_S3_SECRET_ACCESS_KEY": secret.get_secret_value(),
        }
    return env


async def _frontdesk(settings: Settings, *args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=_env(settings))


async def _call(settings: Settings, recordings: Recordings) -> tuple[str, bytes]:
    """A closed voice conversation through the real path, with a recording in storage."""
    services = await Services.start(settings)
    try:
        conversation = await services.conversations.open("voice", caller_phone=PHONE)
        async for _ in conversation.greet():
            pass
        async for _ in conversation.user_turn(UserTurn(text=SAID, channel="voice")):
            pass
        await conversation.close("caller hung up")
    finally:
        await services.stop()
    key = recording_key(conversation.id)
    content = write_wav(recordings.recording_path(key))
    db = Database(settings.database_url)
    try:
        async with db.session() as s, s.begin():
            s.add(RecordingRow(conversation_id=conversation.id, path=key, duration_s=0.5, channels=2))
    finally:
        await db.close()
    assert await recordings.upload(key)
    return conversation.id, content


async def _age(db: Database, conversation_id: str, days: int) -> None:
    """Make a conversation and its recording `days` old (these tables are not the audit trail)."""
    then = datetime.now(UTC) - timedelta(days=days)
    async with db.session() as s, s.begin():
        await s.execute(
            update(ConversationRow)
            .where(ConversationRow.id == conversation_id)
            .values(started_at=then, ended_at=then + timedelta(minutes=3))
        )
        await s.execute(
            update(RecordingRow)
            .where(RecordingRow.conversation_id == conversation_id)
            .values(created_at=then)
        )


async def _counts(db: Database, conversation_id: str) -> tuple[int, int]:
    async with db.session() as s:
        turns = await s.scalar(select(func.count()).where(TurnRow.conversation_id == conversation_id))
        recs = await s.scalar(select(func.count()).where(RecordingRow.conversation_id == conversation_id))
    return int(turns or 0), int(recs or 0)


async def _purge_events(db: Database) -> dict[str, dict[str, int]]:
    async with db.session() as s:
        rows = await s.execute(
            select(AuditEventRow.conversation_id, AuditEventRow.payload).where(
                AuditEventRow.kind == "retention.purge"
            )
        )
        return {cid: payload for cid, payload in rows.all()}


async def _in_store(recordings: Recordings, conversation_id: str) -> bool:
    try:
        await recordings.find(recording_key(conversation_id))
    except ObjectMissing:
        return False
    return True


async def test_dry_run_counts_then_the_purge_removes_and_audit_verify_passes(settings: Settings) -> None:
    await prepare_database(settings)
    recordings = Recordings.from_settings(settings)
    # ancient: past both limits; middle: its recording (30 days) goes, its transcript (90) stays;
    # recent: nothing goes.
    ancient, _ = await _call(settings, recordings)
    middle, _ = await _call(settings, recordings)
    recent, recent_audio = await _call(settings, recordings)
    db = Database(settings.database_url)
    try:
        await _age(db, ancient, 200)
        await _age(db, middle, 45)
        turns = {cid: (await _counts(db, cid))[0] for cid in (ancient, middle, recent)}
        assert all(n >= 3 for n in turns.values())  # greeting, the caller, the reply

        dry = await _frontdesk(settings, "retention", "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert "recordings: older than 30 day(s) are purged" in dry.output
        assert (
            f"would purge: 2 recording(s), and the transcripts of 1 conversation(s) ({turns[ancient]} turn(s),"
            " 0 chat message(s)); 2 conversation(s) in all"
        ) in dry.output
        for secret in (PHONE, "Margaret", "Oakley", ancient, middle, recent):  # counts, no PHI, no ids
            assert secret not in dry.output
        for cid in (ancient, middle, recent):  # the dry run changed nothing
            assert await _counts(db, cid) == (turns[cid], 1)
            assert await _in_store(recordings, cid)
        assert await _purge_events(db) == {}

        real = await _frontdesk(settings, "retention")
        assert real.exit_code == 0, real.output
        assert "purged: 2 recording(s), and the transcripts of 1 conversation(s)" in real.output
        assert await _counts(db, ancient) == (0, 0)
        assert await _counts(db, middle) == (turns[middle], 0)
        assert await _counts(db, recent) == (turns[recent], 1)
        assert not await _in_store(recordings, ancient) and not await _in_store(recordings, middle)
        found = await recordings.find(recording_key(recent))
        assert b"".join([c async for c in recordings.read(found)]) == recent_audio
        if settings.storage == "s3":  # gone from the bucket, and no local copy anywhere
            assert not list((settings.data_dir / "recordings").glob("*.wav"))
        else:
            assert sorted(p.name for p in (settings.data_dir / "recordings").glob("*.wav")) == [
                f"{recent}.wav"
            ]
        async with db.session() as s:
            row = await s.get(ConversationRow, ancient)
            assert row is not None and row.summary is None and row.state == {}

        events = await _purge_events(db)
        assert events[ancient] == {
            "recordings": 1,
            "turns": turns[ancient],
            "chat_messages": 0,
            "recording_days": 30,
            "transcript_days": 90,
        }
        assert events[middle]["recordings"] == 1 and events[middle]["turns"] == 0
        assert events["system"] == {
            "conversations": 2,
            "recordings": 2,
            "transcripts": 1,
            "turns": turns[ancient],
            "chat_messages": 0,
            "failed_recordings": 0,
            "recording_days": 30,
            "transcript_days": 90,
        }
        assert recent not in events

        verify = await _frontdesk(settings, "audit", "verify")
        assert verify.exit_code == 0, verify.output
        assert verify.output.startswith("ok: ")

        again = await _frontdesk(settings, "retention")  # nothing left to purge: no new events
        assert again.exit_code == 0 and "purged: 0 recording(s)" in again.output
        assert len(await _purge_events(db)) == 3
    finally:
        await db.close()


async def test_zero_days_keeps_everything(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await prepare_database(settings)
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["retention", "--dry-run"],
        env={"FRONTDESK_DATABASE_URL": settings.database_url, "FRONTDESK_DATA_DIR": str(settings.data_dir)},
    )
    assert result.exit_code == 0, result.output
    assert "recordings: kept forever" in result.output and "transcripts: kept forever" in result.output
    assert "purge" not in result.output.replace("are purged", "")


async def test_storage_down_keeps_the_recording_row_and_exits_1(
    tmp_path: Path, s3_server: S3Server, bucket: str
) -> None:
    """The store cannot delete: the row stays for the next run, the transcript goes, verify passes."""
    settings = s3_settings(tmp_path, s3_server.url, bucket)
    await prepare_database(settings)
    cid, _ = await _call(settings, Recordings.from_settings(settings))
    down = settings.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{free_port()}"})
    db = Database(settings.database_url)
    try:
        await _age(db, cid, 200)
        result = await _frontdesk(down, "retention")
        assert result.exit_code == 1
        assert "1 recording(s) could not be removed from storage" in result.output
        assert await _counts(db, cid) == (0, 1)  # the transcript went; the recording's row stays
        assert await _in_store(Recordings.from_settings(settings), cid)  # and its object
        assert (await _purge_events(db))["system"]["failed_recordings"] == 1
        verify = await _frontdesk(settings, "audit", "verify")
        assert verify.exit_code == 0, verify.output

        again = await _frontdesk(settings, "retention")  # the store is back: the next run does it
        assert again.exit_code == 0 and "purged: 1 recording(s)" in again.output
        assert await _counts(db, cid) == (0, 0)
        assert not await _in_store(Recordings.from_settings(settings), cid)
    finally:
        await db.close()


async def test_an_audit_export_kept_in_storage(tmp_path: Path, s3_server: S3Server, bucket: str) -> None:
    settings = s3_settings(tmp_path, s3_server.url, bucket)
    await prepare_database(settings)
    cid, _ = await _call(settings, Recordings.from_settings(settings))
    result = await _frontdesk(settings, "audit", "export", cid, "--to-storage")
    assert result.exit_code == 0, result.output
    key = result.output.strip().removeprefix("stored: ")
    assert key.startswith(f"exports/audit-{cid}-") and key.endswith(".jsonl")
    body = s3_server.client().get_object(Bucket=bucket, Key="clinic-a/" + key)["Body"].read().decode()
    kinds = [json.loads(line)["kind"] for line in body.splitlines()]
    assert kinds[0] == "conversation.started" and kinds[-1] == "conversation.ended"
