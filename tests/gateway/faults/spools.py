"""What the fault tests read of a gateway's spools: the kinds of the rows waiting in one, and the
moment its writer has replayed it (the writers retry every 0.25 s once the database answers)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select

from gateway.store.db import Database
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import AuditEventRow
from gateway.store.row_spool import RowSpool
from gateway.store.turn_replay import REPLAY as TURN_REPLAY


def spooled_kinds(path: Path) -> list[str]:
    """The kind of each row waiting in the spool file, in order (none when there is no file)."""
    return [json.loads(line)["kind"] for line in path.read_bytes().splitlines()] if path.exists() else []


async def until_spooled(spool: Path, kind: str, within_s: float = 30.0) -> list[str]:
    """The spooled kinds once a row of `kind` is among them (the gateway writes a call's close after
    the caller has hung up, on its own task), or fail after `within_s`."""
    for _ in range(int(within_s / 0.1)):
        kinds = await asyncio.to_thread(spooled_kinds, spool)
        if kind in kinds:
            return kinds
        await asyncio.sleep(0.1)  # polling the gateway's own task, bounded
    raise AssertionError(f"no {kind} row in {spool.name}: {spooled_kinds(spool)}")


async def until_replayed(spool: Path, within_s: float = 60.0) -> None:
    """Return once the spool file is empty (its rows stored), or fail after `within_s`."""
    for _ in range(int(within_s / 0.1)):
        if await asyncio.to_thread(spool.read_bytes) == b"":
            return
        await asyncio.sleep(0.1)  # polling the writer's retry, bounded
    raise AssertionError(f"{spool.name} was not replayed: {spooled_kinds(spool)}")


async def until_audited(
    db: Database, chain: str, kind: str, within_s: float = 10.0
) -> list[dict[str, object]]:
    """The payloads of `kind` on audit chain `chain` once there is one (the audit spool replays on
    its own writer), or none after `within_s`."""
    for _ in range(int(within_s / 0.1)):
        async with db.session() as s:
            payloads = list(
                await s.scalars(
                    select(AuditEventRow.payload).where(
                        AuditEventRow.conversation_id == chain, AuditEventRow.kind == kind
                    )
                )
            )
        if payloads:
            return payloads
        await asyncio.sleep(0.1)  # polling the audit writer's retry, bounded
    return []


async def replay_again(db: Database, path: Path, spooled: bytes) -> None:
    """The turn spool's rows `spooled` written to `path` and replayed into `db` once more, as after
    a replay cut short by a crash between its commit and emptying the file."""
    await asyncio.to_thread(path.write_bytes, spooled)
    row_spool = RowSpool(path, 1 << 20)
    row_spool.open()
    writes = GroupCommitter(db, spool=row_spool, replay=TURN_REPLAY)
    try:
        assert await writes.replay_spool()
    finally:
        await writes.close()
