"""A commit whose connection is lost at COMMIT ([5/7] item 2): the database may have committed
the batch (its answer lost) or not, and the writer cannot tell. The batch goes to the spool with
where each event would be in its chain; the replay finds the very events there (same seq, same
hash) and skips them, or commits them: either way each event is in its chain once, and the
chain verifies. PostgreSQL behind tests/fakes/commit_cutter.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.chat.service import ChatService
from gateway.services import Services
from gateway.store.audit import AuditLog
from gateway.store.audit_spool import AuditSpool
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import TurnRow
from tests.conftest import create_pg_database, drop_pg_database, make_settings, prepare_database
from tests.fakes.commit_cutter import CommitCutter
from tests.gateway.faults.test_database_restart import _open_chat, _reply

pytestmark = pytest.mark.postgres


@pytest.fixture
async def cutter() -> AsyncIterator[tuple[CommitCutter, str]]:
    url = await create_pg_database()
    await upgrade(url)
    proxy = CommitCutter(5432)
    await proxy.start()
    try:
        yield proxy, url.replace("127.0.0.1:5432", proxy.url_host)
    finally:
        await proxy.stop()
        await drop_pg_database(url)


@pytest.mark.parametrize("mode", ["after", "before"])
async def test_an_ambiguous_commit_is_chained_once(
    cutter: tuple[CommitCutter, str], tmp_path: Path, mode: str
) -> None:
    proxy, url = cutter
    db = Database(url, ride_through_s=5)
    spool = AuditSpool(tmp_path / "spool.jsonl", 1 << 20)
    spool.open()
    audit = AuditLog(db, spool=spool)
    try:
        await audit.append("c1", "turn.user", "caller", {"text": "before"})
        proxy.cut_after_commit() if mode == "after" else proxy.cut_before_commit()
        unsure = await audit.append("c1", "turn.bot", "agent", {"text": "unsure"})
        assert proxy.cuts == 1
        assert unsure.spooled  # the writer could not know: on disk, with its place in the chain
        assert spool.pending[0].attempt is not None and spool.pending[0].attempt[0] == 2
        await audit.flush()  # the database answers again: the spool is replayed
        assert audit.spool_state() == (0, False)
        await audit.append("c1", "turn.user", "caller", {"text": "after"})

        events = await audit.events("c1")
        assert [e.payload["text"] for e in events] == ["before", "unsure", "after"]
        assert [e.seq for e in events] == [1, 2, 3]
        # Committed by the cut connection: stored as it was sent (no spool key); else by the replay.
        assert ("_spool_key" in events[1].payload) == (mode == "before")
        assert (await audit.verify()).ok
    finally:
        await audit.close()
        await db.close()


async def test_an_ambiguous_turn_commit_is_stored_once(tmp_path: Path) -> None:
    """The same for a transcript turn (the group committer's write): the ride-through retries it,
    the retry clashes with the row the cut commit stored, and that row is recognised as this very
    turn, so it is not written again under the next number."""
    url = await create_pg_database()
    await upgrade(url)
    proxy = CommitCutter(5432)
    await proxy.start()
    # Statements prepared afresh each time, so the cutter sees a turn's INSERT in every transaction.
    proxied = url.replace("127.0.0.1:5432", proxy.url_host) + "?prepared_statement_cache_size=0"
    settings = make_settings(tmp_path, database_url=proxied, database_ride_through_s=10)
    await prepare_database(settings)
    services = await Services.start(settings, edges=(ChatService.start,))
    try:
        hub, cid, visitor = await _open_chat(services)
        proxy.cut_after_commit(containing=b"INSERT INTO turns")
        await hub.visitor_message(cid, "What are your opening hours?", client_id="cut-1")
        assert "9 AM" in (await _reply(visitor, "cut-1"))["text"]
        await hub.idle()
        assert proxy.cuts == 1
        async with services.db.session() as s:
            turns = (
                await s.execute(
                    select(TurnRow.seq, TurnRow.speaker, TurnRow.text)
                    .where(TurnRow.conversation_id == cid)
                    .order_by(TurnRow.seq)
                )
            ).all()
        assert [seq for seq, _, _ in turns] == [1, 2, 3]
        assert [text for _, speaker, text in turns if speaker == "caller"] == ["What are your opening hours?"]
        await services.audit.flush()
        assert (await services.audit.verify()).ok
    finally:
        await services.stop()
        await proxy.stop()
        await drop_pg_database(url)
