"""`frontdesk agent chat` from a pipe: the booking lands in the demo practice and the
conversation is stored and audited (the audit chain verifies)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import make_settings, prepare_database

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


def frontdesk(*args: str, stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FRONTDESK, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


async def test_piped_chat_books_and_is_audited(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await prepare_database(settings)
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(settings.data_dir),
        "FRONTDESK_DATABASE_URL": settings.database_url,
    }
    turns = "I'd like to book with doctor rodriguez\nsarah johnson march 14 1985\nthe first one\nyes\nbye\n"
    done = await asyncio.to_thread(frontdesk, "agent", "chat", stdin=turns, env=env)
    assert done.returncode == 0, done.stderr
    assert "Shall I go ahead?" in done.stdout and "Goodbye" in done.stdout
    # Text only: no speech models loaded, no voice phrases synthesized ([6/7] item 8).
    assert "stock phrases synthesized" not in done.stdout + done.stderr
    spoken = re.search(r"You're booked with Dr\. Elena Rodriguez on (.+?)\.", done.stdout)
    assert spoken, done.stdout
    conversation_id = re.search(r"\[conversation (\w+)\]", done.stderr).group(1)  # type: ignore[union-attr]

    engine = create_async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT provider_id, status FROM demo_appointments WHERE patient_id = 'p-1001'")
                )
            ).all()
            kinds = (
                (
                    await conn.execute(
                        text("SELECT kind FROM audit_events WHERE conversation_id = :c ORDER BY seq"),
                        {"c": conversation_id},
                    )
                )
                .scalars()
                .all()
            )
            turns_stored = await conn.scalar(
                text("SELECT count(*) FROM turns WHERE conversation_id = :c"), {"c": conversation_id}
            )
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [("dr-rodriguez", "booked")]
    assert "agent.confirmation_given" in kinds and "agent.validation" in kinds and "turn.user" in kinds
    assert turns_stored >= 10
    verify = await asyncio.to_thread(frontdesk, "audit", "verify", stdin="", env=env)
    assert verify.returncode == 0 and "intact" in verify.stdout


def test_chat_with_bad_database_url_fails_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path), "FRONTDESK_DATABASE_URL": "mysql://nope"}
    done = subprocess.run(
        [FRONTDESK, "agent", "chat"], input="hi\n", capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0 and "FRONTDESK_DATABASE_URL" in done.stderr
