"""A full audit spool refuses new chats as it refuses new calls (issue #18): the visitor who starts
one is told plainly and the connection closed with 1013 (try again later); a chat already open
stays connected and is answered once the database is back; /readyz says so meanwhile."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.chat.conftest import Chat
from tests.gateway.faults.conftest import OwnPostgres
from tests.gateway.faults.test_audit_spool import _forged_webhooks

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


async def test_a_full_spool_refuses_new_chats_and_keeps_open_ones(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path,
        database_url=own_postgres.url,
        database_ride_through_s=60,  # the open chat's turn waits for the database
        audit_spool_max_bytes=1000,  # three or four refusals
        trusted_proxies=["127.0.0.1"],
    )
    await prepare_database(settings)
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    try:
        open_chat = await Chat.open(server)
        await open_chat.hello()
        await open_chat.greeting()

        await own_postgres.stop()
        await _forged_webhooks(server.url, range(1, 10))  # the last ones find the spool full
        ready = await asyncio.to_thread(httpx.get, f"{server.url}/readyz")
        assert ready.status_code == 503
        assert "new chats refused" in ready.json()["audit_spool"]

        newcomer = await Chat.open(server)
        await newcomer.send(type="hello", token=None, last_seq=0)
        refusal = await newcomer.recv()
        assert refusal["type"] == "error" and refusal["code"] == "not_taking_new", refusal
        assert "can't take new conversations" in refusal["message"]
        with pytest.raises(ConnectionClosed) as closed:
            await newcomer.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013

        # The chat that was open goes on: its message waits for the database, then is answered.
        await open_chat.send(type="message", text="What are your opening hours?", client_id="during")
        await own_postgres.start()
        frames = await open_chat.recv_until(
            lambda f: f["type"] == "bot.final" and f["in_reply_to"] == "during", within_s=60
        )
        assert "9 AM" in frames[-1]["text"]

        # Once the spool is replayed the gateway is ready again and takes new chats.
        for _ in range(600):
            if (await asyncio.to_thread(httpx.get, f"{server.url}/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)  # polling readiness, bounded
        else:
            raise AssertionError("not ready again after the database came back")
        later = await Chat.open(server)
        assert (await later.hello())["resumed"] is False
        await later.greeting()
        await later.close()
        await open_chat.close()
    finally:
        with suppress(RuntimeError):  # started again above unless the test failed before
            await own_postgres.start()
        await asyncio.to_thread(server.stop)
