"""End to end through chat with the offline planner: a visitor books an appointment, and the
appointment exists in the practice's system afterwards. Also the `frontdesk chat` command."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from connectors.demo.models import DemoAppointment
from gateway.cli.main import app as cli
from gateway.store.db import Database
from tests.conftest import LiveServer
from tests.gateway.chat.conftest import Chat


async def booked_for(server: LiveServer, patient_id: str) -> list[DemoAppointment]:
    db = Database(server.settings.database_url)
    try:
        async with db.session() as s:
            rows = await s.execute(
                select(DemoAppointment).where(
                    DemoAppointment.patient_id == patient_id, DemoAppointment.status == "booked"
                )
            )
            return list(rows.scalars())
    finally:
        await db.close()


async def test_visitor_books_an_appointment_through_chat(chat_server: LiveServer) -> None:
    before = {a.id for a in await booked_for(chat_server, "p-1017")}
    chat = await Chat.open(chat_server)
    await chat.hello()
    await chat.greeting()
    script = [
        "Hi, I need to make an appointment",
        "Charlotte Clark, born November 15 1989",
        "with Dr. Chen next Wednesday afternoon",
        "the first one",
        "yes",
    ]
    replies = []
    for n, text in enumerate(script):
        frames = await chat.say(text, f"book-{n}")
        replies.append(frames[-1]["text"])
    await chat.close()

    after = [a for a in await booked_for(chat_server, "p-1017") if a.id not in before]
    assert len(after) == 1, replies
    assert after[0].provider_id == "dr-chen"
    assert "Marcus Chen" in replies[-1] and "booked" in replies[-1].lower(), replies[-1]


def test_frontdesk_chat_command_prints_each_reply(chat_server: LiveServer) -> None:
    result = CliRunner().invoke(
        cli, ["chat", "--url", chat_server.url, "which doctors do you have?", "thanks, that's all"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("conversation ")
    bot = [line for line in lines if line.startswith("bot: ")]
    assert len(bot) == 3, result.output  # greeting + one reply per message
    assert "Dr. Priya Patel" in bot[1]
    assert lines.index("you: which doctors do you have?") < lines.index(bot[1])


def test_frontdesk_chat_command_fails_clearly_without_a_server() -> None:
    result = CliRunner().invoke(cli, ["chat", "--url", "http://127.0.0.1:9", "hello", "--timeout", "5"])
    assert result.exit_code == 1
    assert "cannot reach ws://127.0.0.1:9/chat/ws" in result.output
