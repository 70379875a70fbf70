"""After-call tests: a visitor's chat over the real WebSocket, and the conversation's after-call
jobs and audit events read from the gateway's database."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, CallbackRow
from tests.conftest import LiveServer
from tests.connectors.fhir.conftest import clinic, fhir_server, raw  # noqa: F401 - the FHIR server's fixtures
from tests.gateway.chat.conftest import Chat

VERIFY = "Charlotte Clark, born November 15 1989"


async def chat(server: LiveServer, *lines: str, close: bool = True) -> str:
    """A visitor's chat, line by line; returns its conversation id."""
    visitor = await Chat.open(server)
    welcome = await visitor.hello()
    await visitor.greeting()
    for n, text in enumerate(lines):
        await visitor.say(text, f"m{n}")
    if close:
        await visitor.close()
    return str(welcome["conversation_id"])


async def jobs(server: LiveServer, conversation_id: str) -> dict[str, AfterCallJobRow]:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            rows = await s.scalars(
                select(AfterCallJobRow).where(AfterCallJobRow.conversation_id == conversation_id)
            )
            return {r.kind: r for r in rows}
    finally:
        await db.close()


async def events(
    server: LiveServer, conversation_id: str, prefix: str = "after_call."
) -> list[AuditEventRow]:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            rows = await s.scalars(
                select(AuditEventRow)
                .where(
                    AuditEventRow.conversation_id == conversation_id, AuditEventRow.kind.startswith(prefix)
                )
                .order_by(AuditEventRow.seq)
            )
            return list(rows)
    finally:
        await db.close()


async def settled(
    server: LiveServer, conversation_id: str, within_s: float = 15.0
) -> dict[str, AfterCallJobRow]:
    """The conversation's jobs once none is pending (polled: the worker runs in the server)."""
    deadline = time.monotonic() + within_s
    while True:
        rows = await jobs(server, conversation_id)
        if rows and all(r.status != "pending" for r in rows.values()):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError({k: (r.status, r.last_error) for k, r in rows.items()})
        await asyncio.sleep(0.1)


async def booked_chat(server: LiveServer) -> tuple[str, dict[str, AfterCallJobRow]]:
    """A verified visitor books with Dr. Chen and leaves: the conversation id and its settled jobs
    (only the note written)."""
    cid = await chat(
        server,
        "Hi, I need to make an appointment",
        VERIFY,
        "with Dr. Chen next Wednesday afternoon",
        "the first one",
        "yes",
        "that's all, goodbye",
    )
    rows = await settled(server, cid)
    assert {k: r.status for k, r in rows.items()} == {
        "lead": "skipped",
        "note": "done",
        "case": "skipped",
        "task": "skipped",
    }
    return cid, rows


async def message_from_unknown_visitor(server: LiveServer) -> tuple[str, dict[str, AfterCallJobRow]]:
    """An unverified visitor (Dana Ortiz, 503-555-0112) asks for a call back and leaves: the
    conversation id and its settled jobs (a lead, a note and a task written; no case)."""
    cid = await chat(
        server,
        "Can someone call me back about my quote?",
        "Dana Ortiz",
        "503-555-0112",
        "this afternoon",
        "yes",
        "goodbye",
    )
    rows = await settled(server, cid)
    assert {k: r.status for k, r in rows.items()} == {
        "lead": "done",
        "note": "done",
        "case": "skipped",
        "task": "done",
    }
    return cid, rows


async def crm_task_of_message(server: LiveServer, conversation_id: str) -> str | None:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            return await s.scalar(
                select(CallbackRow.crm_task_id).where(CallbackRow.conversation_id == conversation_id)
            )
    finally:
        await db.close()


async def put_back(server: LiveServer, job_id: str) -> None:
    """The job pending again, as after a crash between the CRM's answer and the row's update."""
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s, s.begin():
            row = await s.get(AfterCallJobRow, job_id)
            assert row is not None
            row.status = "pending"
    finally:
        await db.close()


STAFF = "sam.staff@clinic.example"
PASSWORD = "correct horse battery"


async def add_staff(server: LiveServer) -> None:
    """A staff account in the gateway's database (once per server)."""
    from gateway.console.accounts import StaffAccounts

    db = Database(server.settings.database_url)
    try:
        accounts = StaffAccounts(db)
        if await accounts.get_active(STAFF) is None:
            await accounts.add(STAFF, "staff", PASSWORD)
    finally:
        await db.close()
