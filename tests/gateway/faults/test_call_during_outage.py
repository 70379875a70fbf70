"""A phone call while PostgreSQL (the test's own) is down (issue #18: "calls keep talking"): the
caller's keypad turn is answered and spoken during the outage, its turns, what the caller heard
and its audit events go to the spools, and once the database is back every turn is stored once, in
order, and the chains verify. The call runs over the real voice edge (CallSimulator)."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallerTurn, CallSimulator
from gateway.clients.caller import dtmf_turn
from gateway.store.audit_verify import verify_chains
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, TurnRow
from gateway.store.transcripts import conversation_of_call
from tests.conftest import LiveServer
from tests.gateway.faults.conftest import OwnPostgres, call_outage_settings
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


async def test_a_call_keeps_talking_while_the_database_is_down(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = await call_outage_settings(own_postgres, tmp_path, 60)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    db = Database(own_postgres.url)
    try:
        sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN)
        stopped: list[bool] = []

        async def stop_the_database(_reply: str, _said: CallerTurn) -> None:
            if not stopped:  # after the first turn was answered: the next one is in the outage
                await own_postgres.stop()
                stopped.append(True)

        hold = asyncio.Event()
        call = asyncio.create_task(sim.run([dtmf_turn("1"), dtmf_turn("2")], hold, stop_the_database))
        await asyncio.wait_for(sim.idle.wait(), 120)  # every turn answered, the last while down
        assert stopped
        for _ in range(100):  # what the caller heard is written once the marks came back
            spooled = settings.turn_spool_file().read_bytes()
            if b'"kind":"heard"' in spooled:
                break
            await asyncio.sleep(0.1)  # polling the spool file, bounded
        assert b'"kind":"turn"' in spooled and b'"kind":"heard"' in spooled
        await own_postgres.start()
        hold.set()
        report = await call
        assert [t.latency_ms is not None for t in report.turns] == [True, True], report.turns
        assert all(t.bot for t in report.turns)

        cid = await conversation_of_call(db, sim.call_sid)
        assert cid is not None
        for _ in range(600):  # the spools are stored once the database answers (tried every 0.25 s)
            if settings.turn_spool_file().read_bytes() == b"":
                break
            await asyncio.sleep(0.1)  # polling the writer's retry, bounded
        async with db.session() as s:
            turns = (
                await s.execute(
                    select(TurnRow.seq, TurnRow.speaker, TurnRow.heard_text)
                    .where(TurnRow.conversation_id == cid)
                    .order_by(TurnRow.seq)
                )
            ).all()
            user_turns = (
                await s.scalars(
                    select(AuditEventRow.payload).where(
                        AuditEventRow.conversation_id == cid, AuditEventRow.kind == "turn.user"
                    )
                )
            ).all()
        assert [(seq, speaker) for seq, speaker, _ in turns] == [
            (1, "bot"),
            (2, "caller"),
            (3, "bot"),
            (4, "caller"),
            (5, "bot"),
        ]
        assert turns[4].heard_text  # what the caller heard of the reply given during the outage
        assert sorted(p["dtmf"] for p in user_turns) == ["1", "2"]  # each keypad turn audited once
        assert (await verify_chains(db, None)).ok
    finally:
        await db.close()
        with suppress(RuntimeError):
            await own_postgres.start()
        await asyncio.to_thread(server.stop)
