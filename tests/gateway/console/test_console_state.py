"""The console's per-app state (`gateway/console/state.py`), over a real served gateway: the
argon2 pool that logins hash in is the app's, and its threads end when the app's lifespan does."""

from __future__ import annotations

import asyncio
import threading

from tests.gateway.console.conftest import STAFF, Console


async def test_the_argon2_threads_end_with_the_server(console: Console) -> None:
    before = set(threading.enumerate())
    client, _ = console.login(STAFF)
    assert client.get("/console").status_code == 200
    hashing = [t for t in set(threading.enumerate()) - before if t.name.startswith("argon2")]
    assert hashing  # the login's password check ran in the app's own pool
    await asyncio.to_thread(console.server.stop)
    for thread in hashing:
        thread.join(timeout=30)
    assert [t.name for t in hashing if t.is_alive()] == []
