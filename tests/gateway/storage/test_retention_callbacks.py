"""`frontdesk retention` and the messages a conversation left: a done one goes with the transcript,
an open one stays until someone has called back; the audit chain still verifies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from agents.api import UserTurn
from agents.callbacks import CallbackRequest
from gateway.cli.main import app as cli
from gateway.services import Services
from gateway.store.audit import AuditLog
from gateway.store.callbacks import DatabaseCallbacks
from gateway.store.db import Database
from gateway.store.models import CallbackRow, ConversationRow
from tests.conftest import make_settings, prepare_database


async def test_done_messages_go_with_the_transcript_open_ones_stay(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await prepare_database(settings)
    services = await Services.start(settings)
    try:
        conversation = await services.conversations.open("chat")
        async for _ in conversation.user_turn(UserTurn(text="Can someone call me back?", channel="chat")):
            pass
        book = DatabaseCallbacks(services.db, services.audit)
        request = CallbackRequest(conversation.id, "chat", "Dana Ortiz", "+15035550112", "my quote", None)
        done = await book.take(request)
        kept = await book.take(request)
        await book.mark_done(done, "sam@clinic.example", "staff")
        await conversation.close("visitor left")
    finally:
        await services.stop()
    db = Database(settings.database_url)
    try:
        then = datetime.now(UTC) - timedelta(days=200)
        async with db.session() as s, s.begin():
            await s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation.id)
                .values(started_at=then, ended_at=then + timedelta(minutes=3))
            )
        env = {
            "FRONTDESK_DATA_DIR": str(settings.data_dir),
            "FRONTDESK_DATABASE_URL": settings.database_url,
            "FRONTDESK_RETENTION_TRANSCRIPT_DAYS": "90",
        }
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["retention"], env=env)
        assert result.exit_code == 0, result.output
        async with db.session() as s:
            left = (await s.scalars(select(CallbackRow.id))).all()
        assert left == [kept]
        assert (await AuditLog(db).verify(conversation.id)).ok
    finally:
        await db.close()
