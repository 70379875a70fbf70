"""Stream tokens while the database is away (gateway/twilio/tokens.py, issue #18), without a
gateway: the database that is away is a PostgreSQL URL on a port nothing listens on, the one that
comes back a real, migrated SQLite or PostgreSQL database.

A token this process handed out is spent in memory and its spend spooled; spent, it is refused
again, also by a process that never saw it (a restart) while its spend still waits in the spool,
and by the database once the spool is replayed. Any other token is refused while the database is
away, and so is the spend when there is no spool to keep it (the token stays unspent).

Over a served gateway during a real PostgreSQL outage: tests/gateway/faults/test_stream_start_outage.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import CallTokenRow, ConversationRow
from gateway.store.turn_replay import REPLAY
from gateway.twilio import tokens
from tests.gateway.store.test_audit_spool import _refusing_url
from tests.gateway.store.test_row_spool import _spool

SECRET = "a-session-secret-of-this-test-only"
TTL_S = 300.0


async def test_a_token_handed_out_here_is_spent_once_while_away_and_stays_spent(
    migrated_db_url: str, tmp_path: Path
) -> None:
    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id="call-here", channel="voice", status="active", meta={}))
        s.add(ConversationRow(id="call-elsewhere", channel="voice", status="active", meta={}))
    token = await tokens.issue(db, "call-here", SECRET)
    elsewhere = await tokens.issue(db, "call-elsewhere", SECRET)  # another replica's

    path = tmp_path / "turn-spool.jsonl"
    away = Database(_refusing_url(), ride_through_s=5)
    writes = GroupCommitter(away, spool=_spool(path), replay=REPLAY)
    here = tokens.IssuedHere(TTL_S, writes)
    here.remember(token, "call-here")  # handed out by this process, as its webhook does
    try:
        assert await tokens.redeem(away, token, TTL_S, here) == "call-here"
        with pytest.raises(tokens.TokenRefused, match="token already used"):
            await tokens.redeem(away, token, TTL_S, here)
        for unknown in (elsewhere, token[:-4] + "AAAA"):
            with pytest.raises(tokens.TokenUnverifiable):
                await tokens.redeem(away, unknown, TTL_S, here)
        assert [row.kind for row in writes.spool.pending] == ["stream_token"]  # type: ignore[union-attr]
    finally:
        await writes.close()
        await away.close()

    # Restarted with the database back, the spend not replayed yet: a process that never handed
    # the token out still refuses it (the spool says it is spent), though the database would not.
    restarted = GroupCommitter(db, spool=_spool(path), replay=REPLAY)
    try:
        with pytest.raises(tokens.TokenRefused, match="token already used"):
            await tokens.redeem(db, token, TTL_S, tokens.IssuedHere(TTL_S, restarted))
        assert await restarted.replay_spool()
    finally:
        await restarted.close()
    with pytest.raises(tokens.TokenRefused, match="token already used"):
        await tokens.redeem(db, token, TTL_S)  # on record
    async with db.session() as s:
        assert (await s.get(CallTokenRow, elsewhere)).used_at is None  # type: ignore[union-attr]
    await db.close()


async def test_without_a_spool_the_spend_is_refused_and_the_token_stays_unspent(migrated_db_url: str) -> None:
    db = Database(migrated_db_url)
    async with db.session() as s, s.begin():
        s.add(ConversationRow(id="call-here", channel="voice", status="active", meta={}))
    token = await tokens.issue(db, "call-here", SECRET)
    away = Database(_refusing_url(), ride_through_s=5)
    unspooled = GroupCommitter(away)  # spools off
    here = tokens.IssuedHere(TTL_S, unspooled)
    here.remember(token, "call-here")
    try:
        for _ in range(2):  # refused, not spent: the second try is refused for the same reason
            with pytest.raises(tokens.TokenUnverifiable, match="spool refused"):
                await tokens.redeem(away, token, TTL_S, here)
    finally:
        await unspooled.close()
        await away.close()
    # Once the database is back the stream may still start: the token was never spent.
    assert await tokens.redeem(db, token, TTL_S, here) == "call-here"
    await db.close()
