"""`frontdesk spool show|skip` (issue #18): a spooled row the database refuses (here a turn of a
conversation that does not exist: a foreign key, as a bug would write it) blocks the turn spool;
the replay notes which entry, `show` names it, `skip` refuses while a gateway holds the spool and,
with it stopped, moves the entry into the quarantine file and records the move in the audit trail;
then the rest is replayed. On real SQLite and PostgreSQL databases; the command runs in-process
(Typer's runner) as an operator runs it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner, Result

from gateway.cli.main import app as cli
from gateway.statuses import ConversationStatus
from gateway.store.audit import SYSTEM_CHAIN, AuditLog
from gateway.store.audit_spool import AuditSpool
from gateway.store.conversation_writes import status_write
from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter, Write
from gateway.store.models import ConversationRow, TurnRow
from gateway.store.spool_block import block_path
from gateway.store.turn_replay import REPLAY
from tests.gateway.store.test_audit_spool import _refusing_url
from tests.gateway.store.test_row_spool import _spool, _turn


def _frontdesk(data_dir: Path, db_url: str, *args: str) -> Result:
    env = {"FRONTDESK_DATA_DIR": str(data_dir), "FRONTDESK_DATABASE_URL": db_url}
    return CliRunner().invoke(cli, list(args), env=env)


async def _run(data_dir: Path, db_url: str, *args: str) -> Result:
    return await asyncio.to_thread(_frontdesk, data_dir, db_url, *args)


def _ghost_turn() -> Write:
    """A turn of a conversation that does not exist: the database refuses it, up or not."""
    turn = _turn(2, "refused")
    return Write(turn.statement, {**turn.params, "conversation_id": "ghost"}, turn.kind)


async def test_a_refused_row_is_shown_skipped_into_quarantine_and_the_rest_replayed(
    migrated_db_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "var"
    path = data_dir / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    try:
        await writes.write(_turn(1, "hello"))
        await writes.write(_ghost_turn())
        await writes.write(_turn(3, "after"), status_write("c1", ConversationStatus.WAITING))
    finally:
        await writes.close()
        await away.close()

    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id="c1", channel="chat", status="active", state={}, meta={}))
    writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)  # the gateway, back
    try:
        assert not await writes.replay_spool()  # refused, not away: it stays and blocks
        assert writes.spool is not None and writes.spool.blocked is not None
        assert writes.spool.blocked.line == 2 and writes.spool.blocked.error == "IntegrityError"
        assert block_path(path).exists()

        shown = await _run(data_dir, migrated_db_url, "spool", "show")
        assert shown.exit_code == 0, shown.output
        assert "audit spool: " in shown.output and "no file (nothing spooled)" in shown.output
        assert "turn spool: " in shown.output and "4 entries" in shown.output
        assert "BLOCKED: line 2 refused by the database since" in shown.output
        assert "IntegrityError" in shown.output
        row_of_line_2 = next(line for line in shown.output.splitlines() if line.startswith("  2\t"))
        assert "\tturn\tghost\tseq 2\t" in row_of_line_2

        busy = await _run(data_dir, migrated_db_url, "spool", "skip", "turn")
        assert busy.exit_code == 1
        assert "a running gateway holds" in busy.output and "stop it" in busy.output
        assert len(path.read_bytes().splitlines()) == 4  # untouched

        await writes.close()  # the gateway stopped: its lock released, the spool stays on disk
        skipped = await _run(data_dir, migrated_db_url, "spool", "skip", "turn", "--reason", "bug #123")
        assert skipped.exit_code == 0, skipped.output
        assert "moved line 2 of" in skipped.output and "(turn, conversation ghost" in skipped.output
        assert "3 entries left" in skipped.output
        assert "recorded in the audit trail" in skipped.output
        assert not block_path(path).exists()
        quarantined = [
            json.loads(line) for line in (data_dir / "spool-quarantine.jsonl").read_text().splitlines()
        ]
        assert len(quarantined) == 1
        moved = quarantined[0]
        assert (moved["spool"], moved["line"], moved["kind"], moved["reason"]) == (
            "turn",
            2,
            "turn",
            "bug #123",
        )
        assert moved["refused"]["error"] == "IntegrityError"
        assert json.loads(moved["entry"])["row"]["text"] == "refused"  # the line kept whole
        assert (data_dir / "spool-quarantine.jsonl").stat().st_mode & 0o777 == 0o600

        events = [e for e in await AuditLog(db).events(SYSTEM_CHAIN) if e.kind == "staff.action"]
        assert [e.payload["action"] for e in events] == ["spool_entry_skipped"]
        assert events[0].payload["conversation"] == "ghost" and events[0].payload["entry"] == moved["id"]

        writes = GroupCommitter(db, spool=_spool(path), replay=REPLAY)  # the next start
        assert await writes.replay_spool()
        async with db.session() as s:
            turns = list(await s.execute(select(TurnRow.seq, TurnRow.text).order_by(TurnRow.seq)))
            status = await s.scalar(select(ConversationRow.status).where(ConversationRow.id == "c1"))
        assert [(seq, text) for seq, text in turns] == [(1, "hello"), (3, "after")]
        assert status == "waiting"
        assert (await _run(data_dir, migrated_db_url, "spool", "show")).output.count("empty") == 1
    finally:
        await writes.close()
        await db.close()


async def test_skip_by_id_or_line_an_audit_event_and_the_errors_an_operator_meets(tmp_path: Path) -> None:
    """No database needed for the move itself: when the audit store is unreachable the command
    says so and the quarantine file is the record."""
    data_dir = tmp_path / "var"
    unreachable = _refusing_url()
    missing = await _run(tmp_path / "nowhere", unreachable, "spool", "show")
    assert missing.exit_code == 1 and "no data directory at" in missing.output

    data_dir.mkdir()
    nothing = await _run(data_dir, unreachable, "spool", "skip", "audit")
    assert nothing.exit_code == 1 and "does not exist: nothing is spooled" in nothing.output
    (data_dir / "audit-spool.jsonl").write_bytes(b"")
    empty = await _run(data_dir, unreachable, "spool", "skip", "audit")
    assert empty.exit_code == 1 and "is empty" in empty.output
    wrong = await _run(data_dir, unreachable, "spool", "skip", "rows")
    assert wrong.exit_code == 2 and "audit | turn" in wrong.output

    away = Database(unreachable, ride_through_s=5)
    spool = AuditSpool(data_dir / "audit-spool.jsonl", 1 << 20)
    spool.open()
    audit = AuditLog(away, spool=spool)
    try:
        for n in range(3):
            await audit.append(f"conv-{n}", "turn.user", "caller", {"n": n})
    finally:
        await audit.close()
        await away.close()
    keys = [json.loads(line)["key"] for line in (data_dir / "audit-spool.jsonl").read_bytes().splitlines()]

    shown = await _run(data_dir, unreachable, "spool", "show")
    assert "audit spool: " in shown.output and "3 entries" in shown.output and "BLOCKED" not in shown.output
    assert f"  2\t{keys[1]}\tturn.user\tconv-1\t{keys[1]}\t" in shown.output

    stale = await _run(data_dir, unreachable, "spool", "skip", "audit", "--id", "0" * 32)
    assert stale.exit_code == 1 and "no entry" in stale.output
    mismatch = await _run(data_dir, unreachable, "spool", "skip", "audit", "--id", keys[1], "--line", "3")
    assert mismatch.exit_code == 1 and "is on line 2, not 3" in mismatch.output
    by_id = await _run(data_dir, unreachable, "spool", "skip", "audit", "--id", keys[1])
    assert by_id.exit_code == 0, by_id.output
    assert "moved line 2" in by_id.output and "2 entries left" in by_id.output
    assert "not recorded in the audit trail" in by_id.output  # the database is away
    by_line = await _run(data_dir, unreachable, "spool", "skip", "audit", "--line", "2")
    assert by_line.exit_code == 0 and f"id {keys[2]}" in by_line.output

    left = [json.loads(line)["key"] for line in (data_dir / "audit-spool.jsonl").read_bytes().splitlines()]
    assert left == [keys[0]]
    quarantine = (data_dir / "spool-quarantine.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in quarantine] == [keys[1], keys[2]]  # appended, kept
    assert "quarantine: " in (await _run(data_dir, unreachable, "spool", "show")).output

    # A line that is not a spooled row (a disk error, a hand edit) stops the next start; moved aside.
    turns = data_dir / "turn-spool.jsonl"
    turns.write_bytes(b'{"kind":"turn","row":{"seq":1}}\n\x00garbage\n')
    torn = await _run(data_dir, unreachable, "spool", "show")
    assert "\tunreadable\t" in torn.output
    assert (await _run(data_dir, unreachable, "spool", "skip", "turn", "--line", "2")).exit_code == 0
    assert turns.read_bytes() == b'{"kind":"turn","row":{"seq":1}}\n'
    assert (
        json.loads((data_dir / "spool-quarantine.jsonl").read_text().splitlines()[-1])["entry"]
        == "\x00garbage"
    )


async def _refuse_kind(db: Database, kind: str) -> None:
    """A trigger that refuses audit events of `kind`: the database up, the event refused."""
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_kind BEFORE INSERT ON audit_events"
                    f" WHEN NEW.kind = '{kind}' BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
                )
            )
            return
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_kind() RETURNS trigger AS $$ BEGIN"
                f" IF NEW.kind = '{kind}' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF;"
                " RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_kind BEFORE INSERT ON audit_events"
                " FOR EACH ROW EXECUTE FUNCTION refuse_kind()"
            )
        )


async def test_a_refused_audit_event_is_found_in_its_batch_and_skipped(
    migrated_db_url: str, tmp_path: Path
) -> None:
    """The audit replay commits a batch in one statement; refused, it finds which event by
    committing them one at a time (those before it go into their chains), so `skip` needs no
    line: the refused event is moved, and the rest replayed once, the chain verifying."""
    data_dir = tmp_path / "var"
    path = data_dir / "audit-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    audit = AuditLog(away, spool=_audit_spool(path))
    try:
        for kind in ("turn.user", "poison", "turn.bot"):
            await audit.append("a1", kind, "system", {"kind": kind})
    finally:
        await audit.close()
        await away.close()

    db = Database(migrated_db_url)
    await _refuse_kind(db, "poison")
    audit = AuditLog(db, spool=_audit_spool(path))  # the gateway, back
    try:
        assert not await audit.replay_spool()
        assert audit.spool is not None and audit.spool.blocked is not None
        assert audit.spool.blocked.line == 2 and audit.spool.blocked.lines == (1, 3)
        assert "refused by a test trigger" in audit.spool.blocked.message
        assert [e.kind for e in await audit.events("a1")] == ["turn.user"]  # the one before it, in
        shown = await _run(data_dir, migrated_db_url, "spool", "show")
        assert "BLOCKED: line 2 refused by the database" in shown.output
        await audit.close()

        skipped = await _run(data_dir, migrated_db_url, "spool", "skip", "audit")
        assert skipped.exit_code == 0, skipped.output
        assert "moved line 2" in skipped.output and "(poison, conversation a1" in skipped.output

        audit = AuditLog(db, spool=_audit_spool(path))  # the next start
        assert await audit.replay_spool()
        assert [e.kind for e in await audit.events("a1")] == ["turn.user", "turn.bot"]  # each once
        assert (await audit.verify()).ok
    finally:
        await audit.close()
        await db.close()


def _audit_spool(path: Path) -> AuditSpool:
    spool = AuditSpool(path, 1 << 20)
    spool.open()
    return spool
