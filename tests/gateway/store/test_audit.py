"""The audit chain on SQLite and PostgreSQL: appends, concurrency, tampering caught, failures loud."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gateway.cli.main import app as cli
from gateway.store.audit import AuditLog, AuditWriteError
from gateway.store.db import Database


@pytest.fixture
async def audit(migrated_db_url: str):
    db = Database(migrated_db_url)
    log = AuditLog(db)
    yield log
    await log.close()
    await db.close()


async def _fill(log: AuditLog, conversation: str, n: int) -> None:
    for i in range(n):
        await log.append(
            conversation, "turn.user", "caller", {"text": f"utterance {i}", "n": i, "conf": 0.93}
        )


async def test_append_assigns_sequence_and_links_hashes(audit: AuditLog) -> None:
    await _fill(audit, "c1", 5)
    events = await audit.events("c1")
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    result = await audit.verify()
    assert result.ok and result.events == 5


async def test_payload_with_unicode_and_nested_values_survives_storage(audit: AuditLog) -> None:
    payload = {"text": "Zoë's appointment — 3 PM", "args": {"b": [1, 2.5, None], "a": True}, "when": "x"}
    await audit.append("c2", "agent.tool_call", "agent", payload)
    assert (await audit.verify("c2")).ok
    exported = await audit.export("c2")
    assert exported[0]["payload"] == payload


async def test_concurrent_writers_keep_sequences_gap_free(migrated_db_url: str) -> None:
    # Two AuditLog instances with their own engines stand for two gateway replicas.
    dbs = [Database(migrated_db_url), Database(migrated_db_url)]
    logs = [AuditLog(db) for db in dbs]
    conversations = [f"conv-{i}" for i in range(20)]

    async def writer(k: int, conversation: str) -> None:
        for i in range(15):
            await logs[(k + i) % 2].append(conversation, "turn.user", "caller", {"i": i, "k": k})

    await asyncio.gather(*(writer(k, c) for k, c in enumerate(conversations) for _ in range(2)))
    for conversation in conversations:
        seqs = [e.seq for e in await logs[0].events(conversation)]
        assert seqs == list(range(1, 31))
    result = await logs[0].verify()
    assert result.ok, result.first_bad
    assert result.events == 20 * 30
    for log, db in zip(logs, dbs, strict=True):
        await log.close()
        await db.close()


async def test_database_refuses_update_and_delete(audit: AuditLog) -> None:
    await _fill(audit, "c3", 2)
    for statement in (
        "UPDATE audit_events SET kind = 'x' WHERE conversation_id = 'c3'",
        "DELETE FROM audit_events WHERE conversation_id = 'c3'",
    ):
        with pytest.raises(Exception, match="append-only"):
            async with audit.db.engine.begin() as conn:
                await conn.execute(text(statement))
    assert (await audit.verify("c3")).ok


async def _disable_guard(db: Database) -> None:
    """What an attacker with database access does first."""
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            await conn.execute(text("DROP TRIGGER audit_events_no_update"))
            await conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            await conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))


async def _raw(db: Database, *statements: str) -> None:
    async with db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


TAMPERING = {
    "altered payload": (
        [
            "UPDATE audit_events SET payload = '{\"text\": \"forged\"}' WHERE conversation_id = 'victim' AND seq = 3"
        ],
        3,
        "altered",
    ),
    "altered kind": (
        ["UPDATE audit_events SET kind = 'turn.bot' WHERE conversation_id = 'victim' AND seq = 2"],
        2,
        "altered",
    ),
    "deleted middle": (
        ["DELETE FROM audit_events WHERE conversation_id = 'victim' AND seq = 2"],
        2,
        "missing",
    ),
    "deleted last": (["DELETE FROM audit_events WHERE conversation_id = 'victim' AND seq = 5"], 5, "deleted"),
    "reordered": (
        [
            "UPDATE audit_events SET seq = 100 WHERE conversation_id = 'victim' AND seq = 2",
            "UPDATE audit_events SET seq = 2 WHERE conversation_id = 'victim' AND seq = 3",
            "UPDATE audit_events SET seq = 3 WHERE conversation_id = 'victim' AND seq = 100",
        ],
        2,
        "",
    ),
    "inserted": (
        [
            "UPDATE audit_events SET seq = seq + 10 WHERE conversation_id = 'victim' AND seq >= 3",
            "UPDATE audit_events SET seq = seq - 9 WHERE conversation_id = 'victim' AND seq >= 13",
            "INSERT INTO audit_events (conversation_id, seq, ts, kind, actor, payload, prev_hash, hash) "
            "SELECT conversation_id, 3, ts, kind, actor, payload, hash, hash FROM audit_events "
            "WHERE conversation_id = 'victim' AND seq = 2",
        ],
        3,
        "",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
async def test_verify_catches_tampering(audit: AuditLog, migrated_db_url: str, case: str) -> None:
    await _fill(audit, "victim", 5)
    await _fill(audit, "bystander", 3)
    assert (await audit.verify()).ok
    statements, bad_seq, reason = TAMPERING[case]
    await _disable_guard(audit.db)
    await _raw(audit.db, *statements)

    result = await audit.verify()
    assert not result.ok
    assert result.first_bad is not None
    assert result.first_bad.conversation_id == "victim"
    assert result.first_bad.seq == bad_seq
    assert reason in result.first_bad.reason
    assert (await audit.verify("bystander")).ok

    # The CLI says the same and exits 1.
    runner = CliRunner()
    out = await asyncio.to_thread(
        runner.invoke, cli, ["audit", "verify"], env={"FRONTDESK_DATABASE_URL": migrated_db_url}
    )
    assert out.exit_code == 1, out.output
    assert f"conversation victim event {bad_seq}" in out.output


async def test_cli_verify_ok_and_export_jsonl(audit: AuditLog, migrated_db_url: str) -> None:
    await _fill(audit, "c9", 3)
    runner = CliRunner()
    env = {"FRONTDESK_DATABASE_URL": migrated_db_url}
    ok = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify", "--conversation", "c9"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "3 event(s) intact" in ok.output
    exported = await asyncio.to_thread(runner.invoke, cli, ["audit", "export", "c9"], env=env)
    lines = [json.loads(line) for line in exported.output.splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3]
    assert lines[2]["prev_hash"] == lines[1]["hash"]
    missing = await asyncio.to_thread(runner.invoke, cli, ["audit", "export", "nope"], env=env)
    assert missing.exit_code == 1


async def test_failed_write_is_reported_not_dropped(db_url: str) -> None:
    # No migrations: the table does not exist, so the write must fail loudly.
    db = Database(db_url)
    log = AuditLog(db)
    with pytest.raises(AuditWriteError):
        await log.append("c1", "turn.user", "caller", {"text": "hello"})
    # The writer survives a failed batch: after migrating, appends work again.
    from gateway.store.migrate import upgrade

    await upgrade(db_url)
    event = await log.append("c1", "turn.user", "caller", {"text": "hello"})
    assert event.seq == 1
    await log.close()
    await db.close()


async def test_deferred_events_keep_order_and_failures_surface_on_flush(db_url: str) -> None:
    from gateway.store.migrate import upgrade

    db = Database(db_url)
    log = AuditLog(db)
    # emit() only queues: the failure (no tables yet) is reported by flush(), not lost.
    await log.emit("c1", "agent.tool_call", "agent", {"tool": "list_providers"})
    with pytest.raises(AuditWriteError):
        await log.flush("c1")
    await upgrade(db_url)
    for i in range(5):
        await log.emit("c2", "agent.tool_call", "agent", {"i": i})
    await log.flush("c2")
    events = await log.events("c2")
    assert [e.payload["i"] for e in events] == [0, 1, 2, 3, 4]
    assert (await log.verify("c2")).ok
    await log.flush()  # nothing pending: returns at once
    await log.close()
    await db.close()
