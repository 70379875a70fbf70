"""A turn spool blocked by a row the database refuses, on a served gateway (issue #18): at its start
the gateway replays the spool, the database refuses a row (a turn of a conversation that does not
exist: a foreign key); the gateway serves on, /readyz names the refused entry and
`frontdesk_spools_blocked` is 1; `frontdesk spool skip` refuses while the gateway holds the spool;
with the gateway stopped it moves the entry aside, and the next start replays the rest."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select

from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import ConversationRow, TurnRow
from gateway.store.row_spool import RowSpool, SpooledRow
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.cli.test_spool_cli import _frontdesk, _ghost_turn
from tests.gateway.store.test_row_spool import _turn

METRICS_TOKEN = "spool-blocked-metrics-" + uuid.uuid4().hex


def _metric(base_url: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith(name + " ")))


async def _serve(settings: Settings) -> LiveServer:
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    return server


async def test_a_blocked_spool_is_reported_and_unblocked_by_skip(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, metrics_token=METRICS_TOKEN)
    await prepare_database(settings)
    db = Database(settings.database_url)
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id="c1", channel="chat", status="active", state={}, meta={}))
    # What a gateway stopped during an outage left: a turn, a refused one, another turn.
    spool = RowSpool(settings.turn_spool_file(), settings.audit_spool_max_bytes)
    spool.open()
    spool.append(
        [SpooledRow(w.kind, w.params) for w in (_turn(1, "hello"), _ghost_turn(), _turn(3, "after"))]
    )
    spool.close()

    server = await _serve(settings)
    try:
        ready = (await asyncio.to_thread(httpx.get, f"{server.url}/readyz")).json()
        assert ready["spool_blocked"].startswith("turn spool line 2 refused by the database since"), ready
        assert "IntegrityError" in ready["spool_blocked"]
        assert ready["ready"] is True  # still serving: newer writes queue behind it on disk
        assert await asyncio.to_thread(_metric, server.url, "frontdesk_spools_blocked") == 1
        held = await asyncio.to_thread(
            _frontdesk, settings.data_dir, settings.database_url, "spool", "skip", "turn"
        )
        assert held.exit_code == 1 and "a running gateway holds" in held.output
    finally:
        await asyncio.to_thread(server.stop)

    skipped = await asyncio.to_thread(
        _frontdesk, settings.data_dir, settings.database_url, "spool", "skip", "turn"
    )
    assert skipped.exit_code == 0 and "moved line 2" in skipped.output, skipped.output

    server = await _serve(settings)
    try:
        ready = (await asyncio.to_thread(httpx.get, f"{server.url}/readyz")).json()
        assert "spool_blocked" not in ready and "audit_spool" not in ready, ready
        assert await asyncio.to_thread(_metric, server.url, "frontdesk_spools_blocked") == 0
        async with db.session() as s:
            turns = list(await s.scalars(select(TurnRow.text).where(TurnRow.conversation_id == "c1")))
        assert turns == ["hello", "after"]
        assert settings.turn_spool_file().read_bytes() == b""
    finally:
        await asyncio.to_thread(server.stop)
        await db.close()
