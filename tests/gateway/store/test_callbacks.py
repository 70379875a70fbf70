"""Messages in the database (gateway/store/callbacks.py), on SQLite and PostgreSQL: stored with
`callback.taken` on the conversation's chain, listed open-first and oldest-first, marked done once
(two staff racing: one wins), a CRM task linked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from agents.callbacks import CallbackRequest
from gateway.store.audit import AuditLog
from gateway.store.callbacks import CallbackNotOpen, DatabaseCallbacks
from gateway.store.db import Database
from gateway.store.models import ConversationRow


@pytest.fixture
async def db(migrated_db_url: str) -> AsyncIterator[Database]:
    database = Database(migrated_db_url)
    yield database
    await database.close()


async def _conversation(db: Database, channel: str = "chat") -> str:
    async with db.session() as s, s.begin():
        row = ConversationRow(channel=channel)
        s.add(row)
    return row.id


def _request(conversation_id: str, name: str) -> CallbackRequest:
    return CallbackRequest(conversation_id, "chat", name, "+15035550112", "my quote", "this afternoon")


async def test_taken_listed_and_done_once(db: Database) -> None:
    audit = AuditLog(db)
    book = DatabaseCallbacks(db, audit)
    first, second = await _conversation(db), await _conversation(db)
    older = await book.take(_request(first, "Dana Ortiz"))
    newer = await book.take(_request(second, "Raj Mehta"))
    assert [c.caller_name for c in await book.listed()] == ["Dana Ortiz", "Raj Mehta"]
    assert await book.open_count() == 2

    results = await asyncio.gather(
        book.mark_done(older, "sam@clinic.example", "staff"),
        book.mark_done(older, "ada@clinic.example", "admin"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Callback", "CallbackNotOpen"]
    with pytest.raises(CallbackNotOpen):
        await book.mark_done("no-such-id", "sam@clinic.example", "staff")
    listed = await book.listed()
    assert [(c.caller_name, c.status) for c in listed] == [("Raj Mehta", "open"), ("Dana Ortiz", "done")]
    assert listed[1].done_by in ("sam@clinic.example", "ada@clinic.example") and listed[1].done_at is not None

    await book.link_task(newer, "hubspot-task-7")
    [linked] = await book.of_conversation(second)
    assert linked.crm_task_id == "hubspot-task-7" and linked.best_time == "this afternoon"
    kinds = [e.kind for e in await audit.events(first)]
    assert kinds == ["callback.taken", "callback.done"]
    assert (await audit.verify(first)).ok
    await audit.close()
