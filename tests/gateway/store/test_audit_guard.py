"""The audit trail against someone with database access: TRUNCATE and head rows refused by the
database, emptied tables caught by `audit verify`, a whole rewritten chain caught by signed
checkpoints, and the gateway running under a PostgreSQL role that can only append."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gateway.cli.main import app as cli
from gateway.store.audit import AuditLog
from gateway.store.audit_chain import GENESIS_HASH, chain_hash, event_body
from gateway.store.audit_checkpoint import CheckpointWriter, verify_against
from gateway.store.db import Database
from gateway.store.models import ConversationRow
from tests.conftest import LiveServer, create_pg_database, drop_pg_database, make_settings, prepare_database
from tests.gateway.chat.conftest import Chat

ROOT = Path(__file__).resolve().parents[3]
KEY = b"a checkpoint key for the tests, 42 characters"


@pytest.fixture
async def audit(migrated_db_url: str) -> AsyncIterator[AuditLog]:
    db = Database(migrated_db_url)
    log = AuditLog(db)
    yield log
    await log.close()
    await db.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(url)


async def _fill(log: AuditLog, chain: str, n: int) -> None:
    for i in range(n):
        await log.append(chain, "turn.user", "caller", {"text": f"utterance {i}"})


async def _raw(db: Database, *statements: str) -> None:
    async with db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def _open_conversation(log: AuditLog, conversation_id: str, minutes_ago: float) -> None:
    """A conversation row with its first event, as ConversationManager.open leaves it."""
    async with log.db.session() as s, s.begin():
        s.add(
            ConversationRow(
                id=conversation_id,
                channel="chat",
                status="closed",
                started_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
                state={},
                meta={},
            )
        )
    await log.append(conversation_id, "conversation.started", "system", {"channel": "chat"})


async def _unguard(db: Database) -> None:
    """What an attacker with the owner's (or a superuser's) credentials does first."""
    if db.is_sqlite:
        await _raw(
            db,
            *(
                f"DROP TRIGGER {name}"
                for name in (
                    "audit_events_no_update",
                    "audit_events_no_delete",
                    "audit_heads_no_delete",
                    "audit_heads_forward_only",
                )
            ),
        )
    else:
        await _raw(
            db,
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            "ALTER TABLE audit_heads DISABLE TRIGGER USER",
        )


async def test_postgres_refuses_truncate_of_audit_tables(pg_url: str) -> None:
    from gateway.store.migrate import upgrade

    await upgrade(pg_url)
    db = Database(pg_url)
    log = AuditLog(db)
    await _fill(log, "c1", 3)
    for table in ("audit_events", "audit_heads"):
        with pytest.raises(Exception, match=f"{table} is append-only: TRUNCATE refused"):
            await _raw(db, f"TRUNCATE {table}")
        with pytest.raises(Exception, match="append-only"):
            await _raw(db, f"TRUNCATE {table} CASCADE")
    result = await log.verify()
    assert result.ok and result.events == 3
    await log.close()
    await db.close()


async def test_chain_heads_are_never_deleted_or_moved_back(audit: AuditLog) -> None:
    await _fill(audit, "c1", 2)
    with pytest.raises(Exception, match="audit_heads is append-only: DELETE refused"):
        await _raw(audit.db, "DELETE FROM audit_heads")
    with pytest.raises(Exception, match="a chain head only moves forward"):
        await _raw(audit.db, "UPDATE audit_heads SET seq = 1 WHERE conversation_id = 'c1'")
    with pytest.raises(Exception, match="a chain head only moves forward"):
        await _raw(audit.db, "UPDATE audit_heads SET conversation_id = 'c2' WHERE conversation_id = 'c1'")
    # Appending still moves the head forward.
    event = await audit.append("c1", "turn.user", "caller", {"text": "again"})
    assert event.seq == 3
    assert (await audit.verify()).ok


async def test_verify_catches_emptied_audit_tables(audit: AuditLog, migrated_db_url: str) -> None:
    await _open_conversation(audit, "older", minutes_ago=30)
    await _fill(audit, "older", 3)
    await _open_conversation(audit, "other", minutes_ago=10)
    assert (await audit.verify()).ok
    await _unguard(audit.db)
    if audit.db.is_sqlite:
        await _raw(audit.db, "DELETE FROM audit_events", "DELETE FROM audit_heads")
    else:
        await _raw(audit.db, "TRUNCATE audit_events, audit_heads")

    result = await audit.verify()
    assert not result.ok
    assert [(p.conversation_id, "no audit chain" in p.reason) for p in result.problems] == [
        ("older", True),
        ("other", True),
    ]
    assert not (await audit.verify("older")).ok
    runner = CliRunner()
    out = await asyncio.to_thread(
        runner.invoke, cli, ["audit", "verify"], env={"FRONTDESK_DATABASE_URL": migrated_db_url}
    )
    assert out.exit_code == 1, out.output
    assert "conversation older event 1: the conversation has no audit chain" in out.output


async def test_a_conversation_being_opened_is_not_reported(audit: AuditLog) -> None:
    # The row is committed a moment before its first event: verify must not call that tampering.
    async with audit.db.session() as s, s.begin():
        s.add(ConversationRow(id="opening", channel="voice", status="active", state={}, meta={}))
    assert (await audit.verify()).ok


async def test_verify_catches_events_whose_head_was_removed(audit: AuditLog) -> None:
    await _fill(audit, "victim", 2)
    await _fill(audit, "bystander", 2)
    await _unguard(audit.db)
    await _raw(audit.db, "DELETE FROM audit_heads WHERE conversation_id = 'victim'")
    result = await audit.verify()
    assert not result.ok
    assert result.first_bad is not None and result.first_bad.conversation_id == "victim"
    assert "chain head is missing" in result.first_bad.reason


async def _rewrite_chain(db: Database, chain: str, new_text: str) -> None:
    """Forge a whole chain: new content, every hash recomputed, the head moved to match."""
    events = await AuditLog(db).events(chain)
    prev = GENESIS_HASH
    statements = []
    for event in events:
        payload = {"text": new_text} if event.seq == 1 else event.payload
        digest = chain_hash(prev, event_body(chain, event.seq, event.ts, event.kind, event.actor, payload))
        statements.append(
            f"UPDATE audit_events SET payload = '{json.dumps(payload)}', prev_hash = '{prev}', hash = '{digest}' "
            f"WHERE conversation_id = '{chain}' AND seq = {event.seq}"
        )
        prev = digest
    statements.append(f"UPDATE audit_heads SET hash = '{prev}' WHERE conversation_id = '{chain}'")
    await _raw(db, *statements)


async def test_signed_checkpoints_catch_a_rewritten_chain(
    audit: AuditLog, migrated_db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "audit-checkpoints.jsonl"
    writer = CheckpointWriter(audit.db, path, KEY)
    await _fill(audit, "victim", 3)
    await _fill(audit, "bystander", 2)
    first = await writer.write()
    assert first is not None and first["heads"].keys() == {"victim", "bystander"}
    assert first["chains"] == 2 and first["events"] == 5
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert await writer.write() is None  # nothing moved: no line
    await _fill(audit, "bystander", 1)
    second = await CheckpointWriter(audit.db, path, KEY).write()  # a restarted gateway goes on
    assert second is not None and list(second["heads"]) == ["bystander"]
    assert second["n"] == 2 and second["prev"] == first["sig"]
    lines = path.read_text().splitlines()
    assert await verify_against(audit.db, lines, KEY) == []

    await _unguard(audit.db)
    await _rewrite_chain(audit.db, "victim", "forged")
    assert (await audit.verify()).ok  # the chain alone cannot tell
    problems = await verify_against(audit.db, lines, KEY)
    assert [(p.conversation_id, p.seq) for p in problems] == [("victim", 3)]
    assert "chain rewritten" in problems[0].reason

    runner = CliRunner()
    env = {"FRONTDESK_DATABASE_URL": migrated_db_url, "FRONTDESK_AUDIT_CHECKPOINT_KEY": KEY.decode()}
    out = await asyncio.to_thread(
        runner.invoke, cli, ["audit", "verify", "--checkpoints", str(path)], env=env
    )
    assert out.exit_code == 1, out.output
    assert "conversation victim event 3: hash differs from the signed checkpoint" in out.output
    plain = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify"], env=env)
    assert plain.exit_code == 0, plain.output


async def test_checkpoint_file_tampering_is_caught(audit: AuditLog, tmp_path: Path) -> None:
    path = tmp_path / "audit-checkpoints.jsonl"
    writer = CheckpointWriter(audit.db, path, KEY)
    for n in range(3):
        await _fill(audit, f"c{n}", 1)
        assert await writer.write() is not None
    lines = path.read_text().splitlines()
    assert await verify_against(audit.db, lines, KEY) == []

    forged = json.loads(lines[0])
    forged["heads"]["c0"] = [1, "f" * 64]
    problems = await verify_against(audit.db, [json.dumps(forged), *lines[1:]], KEY)
    assert [(p.seq, "signature does not match" in p.reason) for p in problems] == [(1, True), (2, False)]
    problems = await verify_against(audit.db, [lines[0], lines[2]], KEY)
    assert [(p.seq, p.reason) for p in problems] == [
        (2, "does not follow the line before it (a checkpoint removed?)")
    ]
    problems = await verify_against(audit.db, lines, b"another key")
    assert len(problems) == 3
    problems = await verify_against(audit.db, ["not json", *lines], KEY)
    assert [p.reason for p in problems] == ["not a checkpoint line"]


async def test_gateway_writes_checkpoints_and_logs_them(tmp_path: Path) -> None:
    from gateway.services import Services

    settings = make_settings(tmp_path, preload_models=False, audit_checkpoint_interval_s=3600)
    await prepare_database(settings)
    services = await Services.start(settings)
    conversation = await services.conversations.open("chat")
    await services.stop()
    path = settings.audit_checkpoint_file()
    assert path == settings.data_dir / "audit-checkpoints.jsonl"
    (line,) = path.read_text().splitlines()
    assert conversation.id in json.loads(line)["heads"]
    db = Database(settings.database_url)
    try:
        assert await verify_against(db, [line], settings.audit_checkpoint_key_bytes()) == []
        assert len(await verify_against(db, [line], b"not the gateway's key")) == 1
    finally:
        await db.close()


APP_ROLE = "frontdesk_app"


async def test_gateway_runs_under_a_role_that_can_only_append(pg_url: str, tmp_path: Path) -> None:
    owner_url = pg_url
    app_url = pg_url.replace("postgres@", f"{APP_ROLE}@", 1)
    # Migrations under the owner (FRONTDESK_DATABASE_OWNER_URL), then the shipped grants.
    runner = CliRunner()
    env = {
        "FRONTDESK_DATABASE_URL": app_url,
        "FRONTDESK_DATABASE_OWNER_URL": owner_url,
        "FRONTDESK_DATA_DIR": str(tmp_path / "var"),
    }
    out = await asyncio.to_thread(runner.invoke, cli, ["db", "upgrade"], env=env)
    assert out.exit_code == 0, out.output
    await prepare_database(make_settings(tmp_path, database_url=owner_url))  # demo practice
    owner = await asyncpg.connect(owner_url.replace("+asyncpg", ""))
    try:
        await owner.execute((ROOT / "deploy" / "postgres-roles.sql").read_text())
    finally:
        await owner.close()

    # The whole gateway as the app role: a chat conversation, its turns and audit events.
    settings = make_settings(tmp_path, database_url=app_url)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    try:
        chat = await Chat.open(server)
        await chat.hello()
        await chat.greeting()
        reply = await chat.say("what are your opening hours?", client_id="m1")
        assert "9" in reply[-1]["text"], reply[-1]
        await chat.close()
    finally:
        await asyncio.to_thread(server.stop)

    db = Database(app_url)
    log = AuditLog(db)
    try:
        await _fill(log, "c1", 2)
        result = await log.verify()
        assert result.ok and result.chains >= 2, result.first_bad
        refused = {
            "UPDATE audit_events SET kind = 'x'": "permission denied",
            "DELETE FROM audit_events": "permission denied",
            "TRUNCATE audit_events": "permission denied",
            "DELETE FROM audit_heads": "permission denied",
            "TRUNCATE audit_heads": "permission denied",
            "UPDATE audit_heads SET conversation_id = 'x'": "permission denied",
            "UPDATE audit_heads SET seq = 0": "only moves forward",
            "ALTER TABLE audit_events DISABLE TRIGGER USER": "must be owner",
            "DROP TRIGGER audit_events_append_only ON audit_events": "must be owner",
            "UPDATE alembic_version SET version_num = '0001'": "permission denied",
        }
        for statement, error in refused.items():
            with pytest.raises(Exception, match=error):
                await _raw(db, statement)
        assert (await log.verify()).ok
    finally:
        await log.close()
        await db.close()


async def test_verify_while_the_service_appends_reports_nothing(audit: AuditLog) -> None:
    # `audit verify` may run beside a live gateway: events and new chains committed between its
    # reads are appends, not tampering.
    await _fill(audit, "existing", 3)
    stop = asyncio.Event()

    async def service() -> int:
        n = 0
        while not stop.is_set():
            await audit.append("existing", "turn.user", "caller", {"n": n})
            await audit.append(f"new-{n}", "conversation.started", "system", {"n": n})
            n += 1
        return n

    writer = asyncio.create_task(service())
    results = [await audit.verify() for _ in range(15)]
    stop.set()
    appended = await writer
    assert appended > 0
    assert [r.first_bad for r in results if not r.ok] == []
    final = await audit.verify()
    assert final.ok and final.chains == appended + 1
