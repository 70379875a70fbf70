"""The gateway killed with SIGKILL in the middle of a chat, then restarted on the same data: the
visitor resumes with nothing stored lost and nothing twice, the conversation goes on, and the
audit chains verify ([5/7] item 1; the call side: tests/gateway/cluster/test_interrupted_calls.py
and tests/gateway/storage/test_salvage.py)."""

from __future__ import annotations

import asyncio
import os
import uuid
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.clients.chat_client import ChatClient
from tests.conftest import make_settings, prepare_database
from tests.gateway.cluster.conftest import FRONTDESK, Cluster

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
async def single(tmp_path: Path) -> AsyncIterator[Cluster]:
    """One gateway at a time on one SQLite database and data directory, no Redis."""
    secret = "single-test-secret-" + uuid.uuid4().hex
    settings = make_settings(tmp_path, session_secret=secret, data_dir=tmp_path / "data")
    await prepare_database(settings)
    env = {
        "FRONTDESK_DATABASE_URL": settings.database_url,
        "FRONTDESK_DATA_DIR": str(tmp_path / "data"),
        "FRONTDESK_SESSION_SECRET": secret,
        "FRONTDESK_TWILIO_AUTH_TOKEN": "test-twilio-token",
        "FRONTDESK_PRELOAD_MODELS": "false",
    }
    cluster = Cluster(settings, env, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop_all()


def _seqs(history: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [int(e["seq"]) for e in history]


async def test_chat_resumes_after_the_gateway_is_killed(single: Cluster) -> None:
    first = single.start("first", FRONTDESK_DATA_DIR=single.env["FRONTDESK_DATA_DIR"])
    visitor = ChatClient(first.url, timeout_s=30)
    await visitor.connect()
    await visitor.greeting()
    assert await visitor.say("What are your opening hours?")
    seen = list(visitor.history)
    token, last_seq = visitor.token, visitor.last_seq
    first.kill()
    await visitor.close()

    second = single.start("second", FRONTDESK_DATA_DIR=single.env["FRONTDESK_DATA_DIR"])
    resumed = ChatClient(second.url, timeout_s=30)
    welcome = await resumed.connect(token=token, last_seq=last_seq)
    assert welcome["conversation_id"] == visitor.conversation_id
    reply = await resumed.say("Sorry, what were your opening hours again?")
    assert reply and "9 AM" in reply
    await resumed.close()

    everything = _seqs(seen) + _seqs(resumed.history)
    assert everything == sorted(set(everything)), f"out of order or twice: {everything}"
    # Nothing stored was lost: the replay after the kill starts right after what the visitor saw.
    assert resumed.history[0]["seq"] == last_seq + 1

    verified = await asyncio.create_subprocess_exec(
        FRONTDESK, "audit", "verify", env={**os.environ, **single.env}, stdout=PIPE, stderr=STDOUT
    )
    out, _ = await verified.communicate()
    assert verified.returncode == 0, out.decode()
