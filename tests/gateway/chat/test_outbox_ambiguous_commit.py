"""The chat outbox's commit cut at COMMIT (issue #18): PostgreSQL stored the events and the answer
was lost, so the writer retries a write that already landed. One replica (the hub numbers events
and the outbox stores them in batches) and several (each event's seq taken by the database, with
Redis between them): either way each event is stored once under the seq the visitor saw, and a
visitor who reconnects gets the rest without a gap or a repeat. PostgreSQL behind
tests/fakes/commit_cutter.py."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.chat.service import ChatService
from gateway.services import Services
from gateway.store.models import ChatMessageRow
from tests.conftest import create_pg_database, drop_pg_database, make_settings, prepare_database
from tests.fakes.commit_cutter import CommitCutter
from tests.gateway.faults.test_database_restart import _open_chat, _reply

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("replicas", ["one", "several"])
async def test_a_cut_outbox_commit_stores_each_event_once(tmp_path: Path, replicas: str) -> None:
    url = await create_pg_database()
    proxy = CommitCutter(5432)
    await proxy.start()
    # Statements prepared afresh each time, so the cutter sees the INSERT in every transaction.
    proxied = url.replace("127.0.0.1:5432", proxy.url_host) + "?prepared_statement_cache_size=0"
    bus = (
        {"redis_url": REDIS_URL, "redis_prefix": f"outbox-cut-{uuid.uuid4().hex}:"}
        if replicas == "several"
        else {}
    )
    settings = make_settings(tmp_path, database_url=proxied, database_ride_through_s=10, **bus)
    await prepare_database(settings)
    services = await Services.start(settings, edges=(ChatService.start,))
    try:
        hub, cid, visitor = await _open_chat(services)
        before = visitor.last_seq
        # The bound values of the outbox insert of the reply (its statement may be a cached one).
        proxy.cut_after_commit(containing=b"bot.final")
        await hub.visitor_message(cid, "What are your opening hours?", client_id="cut-1")
        assert "9 AM" in (await _reply(visitor, "cut-1"))["text"]
        await hub.visitor_message(cid, "Thank you", client_id="after-1")
        await _reply(visitor, "after-1")
        await hub.idle()
        assert proxy.cuts == 1
        async with services.db.session() as s:
            stored = (
                await s.execute(
                    select(ChatMessageRow.seq, ChatMessageRow.payload)
                    .where(ChatMessageRow.conversation_id == cid)
                    .order_by(ChatMessageRow.seq)
                )
            ).all()
        assert [seq for seq, _ in stored] == list(range(1, visitor.last_seq + 1))  # the seqs seen
        finals = [p["in_reply_to"] for _, p in stored if p["type"] == "bot.final"]
        assert finals == [None, "cut-1", "after-1"]  # the cut one once, not again under the next seq

        # A visitor who reconnects after the first reply gets what followed, once, in order.
        returning = hub.new_subscriber()
        await hub.attach(cid, before, returning)
        replayed = []
        while not returning.queue.empty():
            frame = returning.queue.get_nowait()
            assert isinstance(frame, str)
            replayed.append(frame)
        assert returning.last_seq == visitor.last_seq
        assert len(replayed) == visitor.last_seq - before
        await services.audit.flush()
        assert (await services.audit.verify()).ok
    finally:
        await services.stop()
        await proxy.stop()
        await drop_pg_database(url)
