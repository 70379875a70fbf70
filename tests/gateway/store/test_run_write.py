"""`Database.run_write`: one transaction, committed when the function returns and rolled back when
it raises, on SQLite (writer thread) and PostgreSQL; readable at once through the async engine."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Connection, func, select

from gateway.store.db import Database
from gateway.store.models import ConversationRow, new_id

_INSERT = ConversationRow.__table__.insert()


@pytest.fixture
async def db(migrated_db_url: str):
    database = Database(migrated_db_url)
    yield database
    await database.close()


def _row(cid: str) -> dict[str, object]:
    return {"id": cid, "channel": "chat", "status": "active", "state": {"k": [1, "é"]}, "meta": {}}


async def _count(db: Database, ids: list[str]) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).where(ConversationRow.id.in_(ids))) or 0)


async def test_committed_on_return_and_visible_to_sessions(db: Database) -> None:
    ids = [new_id() for _ in range(3)]

    def insert(conn: Connection) -> str:
        conn.execute(_INSERT, [_row(i) for i in ids])
        return "inserted"

    assert await db.run_write(insert) == "inserted"
    assert await _count(db, ids) == 3
    async with db.session() as s:
        assert (await s.get(ConversationRow, ids[0])).state == {"k": [1, "é"]}  # type: ignore[union-attr]


async def test_rolled_back_when_the_function_raises(db: Database) -> None:
    ids = [new_id(), new_id()]

    def half_then_fail(conn: Connection) -> None:
        conn.execute(_INSERT, [_row(ids[0])])
        raise ValueError("stop here")

    with pytest.raises(ValueError, match="stop here"):
        await db.run_write(half_then_fail)
    assert await _count(db, ids) == 0
    # The writer is still usable after a failure.
    await db.run_write(lambda conn: conn.execute(_INSERT, [_row(ids[1])]))
    assert await _count(db, ids) == 1


async def test_concurrent_writes_all_land(db: Database) -> None:
    ids = [new_id() for _ in range(20)]
    await asyncio.gather(*(db.run_write(lambda conn, i=i: conn.execute(_INSERT, [_row(i)])) for i in ids))
    assert await _count(db, ids) == 20
