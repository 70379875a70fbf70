"""A chat that starts or resumes while PostgreSQL (the test's own) is down (issue #18), where it is
refused. A new chat is refused when there is no spool to keep its row and token (spools off here,
as in a second process on the data directory; with a spool it is answered:
test_new_conversation_outage.py; with a full one refused: test_spool_full_chats.py), and a resume
of a chat opened before the outage always (its token is only in the database): the visitor gets
an `error` frame with a code and close 1013 (try again later), the log a warning without a
traceback, and nothing is left registered; /readyz says the database is unreachable. Once it is
back, the same visitor resumes and a new chat starts. A new chat whose connection is cut between
its conversation's row and its token (no spool to keep the token) is refused the same way and
closed at once: nobody could ever resume it."""

from __future__ import annotations

import asyncio
import io
from contextlib import suppress
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from gateway.chat.hub import ChatHub
from gateway.chat.protocol import ChatStatus
from gateway.chat.service import chat_service
from gateway.services import Services
from gateway.store.db import Database
from gateway.store.models import ConversationRow
from tests.conftest import LiveServer, create_pg_database, drop_pg_database, make_settings
from tests.gateway.chat.conftest import Chat, start_server, stop_server
from tests.gateway.faults.conftest import OwnPostgres
from tests.logs import capturing_logs, json_lines

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

REFUSED = "chat hello refused: the database is unreachable"
# The connection that stores a new chat's token is cut by the server itself (as when the database
# goes away between the conversation's row and its token): a real fault, at that very statement.
CUT_AT_TOKEN = """
CREATE FUNCTION cut_connection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_terminate_backend(pg_backend_pid());
    RETURN NEW;
END $$;
CREATE TRIGGER cut_at_token BEFORE INSERT ON chat_sessions
    FOR EACH ROW EXECUTE FUNCTION cut_connection();
"""


async def _refused(chat: Chat, token: str | None, last_seq: int = 0) -> dict[str, Any]:
    """The error frame a hello gets, after which the server closes with 1013."""
    await chat.send(type="hello", token=token, last_seq=last_seq)
    refusal = await chat.recv()
    with pytest.raises(ConnectionClosed) as closed:
        await chat.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013, closed.value
    return refusal


async def _connections_gone(services: Services) -> int:
    """Open chat connections once the refused one's handler has returned (it returns right after
    the close handshake the client has seen), or what is left after 10 s."""
    chat = chat_service(services)
    for _ in range(200):
        if chat.connections == 0:
            break
        await asyncio.sleep(0.05)  # polling the server thread's count, bounded
    return chat.connections


def _no_traceback(logs: io.StringIO) -> list[dict[str, Any]]:
    """The captured lines, after checking none carries a traceback."""
    assert "Traceback" not in logs.getvalue(), logs.getvalue()
    lines = json_lines(logs)
    assert not [line for line in lines if "exception" in line]
    return lines


async def _readiness(server: LiveServer) -> httpx.Response:
    return await asyncio.to_thread(httpx.get, f"{server.url}/readyz", timeout=10)


async def test_a_new_chat_during_an_outage_without_a_spool_is_refused_politely(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=own_postgres.url, audit_spool_max_bytes=0)
    with capturing_logs("INFO") as logs:
        server = await start_server(settings)
        try:
            services: Services = server.app.state.services
            hub = chat_service(services).hub
            await own_postgres.stop()
            ready = await _readiness(server)
            assert ready.status_code == 503
            assert "database unreachable" in ready.json()["database"], ready.json()
            assert "full" not in ready.json().get("audit_spool", "")  # not the full-spool refusal

            channels, live = hub.live_channels, services.conversations.live_counts()
            refusal = await _refused(await Chat.open(server), token=None)
            assert refusal["type"] == "error" and refusal["code"] == "not_taking_new", refusal
            assert "can't take new conversations" in refusal["message"]
            # Nothing half-registered: no channel, no open conversation, no connection counted.
            assert hub.live_channels == channels
            assert services.conversations.live_counts() == live
            assert await _connections_gone(services) == 0

            lines = _no_traceback(logs)
            warned = [line for line in lines if line.get("event") == REFUSED]
            assert len(warned) == 1 and warned[0]["level"] == "warning", warned
            assert warned[0]["resuming"] is False

            await own_postgres.start()
            later = await Chat.open(server)
            welcome = await later.hello()
            assert welcome["resumed"] is False
            greeting = await later.greeting()
            assert greeting[-1]["text"]
            await later.close()
            _no_traceback(logs)
        finally:
            with suppress(RuntimeError):  # started again above unless the test failed before
                await own_postgres.start()
            await stop_server(server)


async def test_a_resume_during_an_outage_is_refused_and_works_after(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=own_postgres.url)
    with capturing_logs("INFO") as logs:
        server = await start_server(settings)
        try:
            services: Services = server.app.state.services
            chat = await Chat.open(server)
            welcome = await chat.hello()
            token, cid = welcome["token"], welcome["conversation_id"]
            seen = (await chat.greeting())[-1]["seq"]
            await chat.close()  # the visitor's connection drops
            await own_postgres.stop()

            refusal = await _refused(await Chat.open(server), token=token, last_seq=seen)
            assert refusal["type"] == "error" and refusal["code"] == "resume_unavailable", refusal
            assert "reconnect in a few minutes" in refusal["message"]
            assert await _connections_gone(services) == 0
            lines = _no_traceback(logs)
            warned = [line for line in lines if line.get("event") == REFUSED]
            assert len(warned) == 1 and warned[0]["resuming"] is True, warned

            # The refused resume revoked nothing: the same token resumes once the database is back.
            await own_postgres.start()
            back = await Chat.open(server)
            resumed = await back.hello(token=token, last_seq=seen)
            assert resumed["resumed"] is True and resumed["conversation_id"] == cid
            assert resumed["seq"] == seen
            reply = await back.say("What are your opening hours?", "after-1")
            assert "9 AM" in reply[-1]["text"]
            await back.close()
            _no_traceback(logs)
        finally:
            with suppress(RuntimeError):
                await own_postgres.start()
            await stop_server(server)


async def _chat_statuses(db: Database, want: str) -> list[str]:
    """The statuses of the stored chat conversations once one is `want` (the close is written after
    the refusal is sent), or what they are after 10 s."""
    for _ in range(200):
        async with db.session() as s:
            statuses = list(
                (
                    await s.scalars(select(ConversationRow.status).where(ConversationRow.channel == "chat"))
                ).all()
            )
        if want in statuses:
            break
        await asyncio.sleep(0.05)  # polling the writer, bounded
    return [str(status) for status in statuses]


async def _hub_statuses(hub: ChatHub, ids: list[str]) -> list[ChatStatus | None]:
    """The hub's view of the conversations once none is live any more, or what it is after 10 s."""
    for _ in range(200):
        statuses = [hub.status_of(cid) for cid in ids]
        if all(status in (None, "closed") for status in statuses):
            break
        await asyncio.sleep(0.05)  # polling the server thread's hub, bounded
    return statuses


async def _chat_ids(db: Database) -> list[str]:
    async with db.session() as s:
        return list(
            (await s.scalars(select(ConversationRow.id).where(ConversationRow.channel == "chat"))).all()
        )


async def test_a_chat_cut_off_between_its_row_and_its_token_is_closed_not_left_open(tmp_path: Path) -> None:
    url = await create_pg_database()
    settings = make_settings(tmp_path, database_url=url, audit_spool_max_bytes=0)  # no spool for the token
    db = Database(url)
    admin = None
    try:
        with capturing_logs("INFO") as logs:
            server = await start_server(settings)
            try:
                services: Services = server.app.state.services
                hub = chat_service(services).hub
                admin = await asyncpg.connect(url.replace("+asyncpg", ""))
                await admin.execute(CUT_AT_TOKEN)

                refusal = await _refused(await Chat.open(server), token=None)
                assert refusal["type"] == "error" and refusal["code"] == "not_taking_new", refusal
                # Its row was in, so it was opened: closed at once, on the books and in memory, rather
                # than left open for the abandoned-chat sweep (30 min) with nobody able to resume it.
                assert await _chat_statuses(db, "closed") == ["closed"]
                assert services.conversations.live_counts().get("chat", 0) == 0
                # The hub marks it closed after the row is written: wait for that too.
                assert await _hub_statuses(hub, await _chat_ids(db)) in ([None], ["closed"])
                assert await _connections_gone(services) == 0
                warned = [line for line in json_lines(logs) if line.get("event") == REFUSED]
                assert len(warned) == 1 and warned[0]["resuming"] is False, warned

                await admin.execute("DROP TRIGGER cut_at_token ON chat_sessions")
                later = await Chat.open(server)
                assert (await later.hello())["resumed"] is False
                await later.greeting()
                await later.close()
                _no_traceback(logs)
            finally:
                await stop_server(server)
    finally:
        if admin is not None:
            await admin.close()
        await db.close()
        await drop_pg_database(url)
