"""Redis connections stay within FRONTDESK_REDIS_MAX_CONNECTIONS (gateway/cluster/redis_pool.py):
redis-py's own pool kept a connection for every command in flight at the busiest moment, for good
(the soak's idle gateway held sockets it no longer used). Against the local Redis; the process's
own sockets to it are counted from /proc."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from gateway.cluster.bus import RedisBus
from gateway.cluster.redis_pool import bounded_client
from tests.gateway.cluster.conftest import REDIS_URL, redis_available

pytestmark = pytest.mark.skipif(not redis_available(), reason="no Redis at 127.0.0.1:6379")

REDIS_PORT = 6379


def redis_sockets() -> int:
    """This process's open TCP connections to Redis."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[2].rsplit(":", 1)[1], 16) == REDIS_PORT and cols[3] == "01":  # established
                inodes.add(cols[9])
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += target.startswith("socket:[") and target[8:-1] in inodes
    return count


async def test_a_burst_of_commands_uses_at_most_the_bound_and_all_of_them_run() -> None:
    before = redis_sockets()
    client = bounded_client(REDIS_URL, 3)
    key = f"test-pool-{uuid.uuid4().hex}"
    try:
        await asyncio.gather(*(client.incr(key) for _ in range(200)))
        assert int(await client.get(key)) == 200  # none failed for want of a connection
        assert 1 <= redis_sockets() - before <= 3
    finally:
        await client.delete(key)
        await client.aclose()
    assert redis_sockets() <= before  # closing the client closed its connections


async def test_the_bus_publishes_a_burst_within_the_bound_with_its_subscription() -> None:
    before = redis_sockets()
    bus = RedisBus(REDIS_URL, f"test-pool-{uuid.uuid4().hex[:8]}:", "replica-a", max_connections=4)
    bus.start()
    try:
        assert await bus.subscribed()
        sent = await asyncio.gather(*(bus.publish("chat", {"n": n}) for n in range(100)))
        assert all(sent)
        assert 2 <= redis_sockets() - before <= 4  # the subscription's and at least one to publish
    finally:
        await bus.close()
    assert redis_sockets() <= before
