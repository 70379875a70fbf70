"""Redis clients whose connections are bounded.

redis-py's default pool has no real limit (2**31) and never closes a connection it made: every
command in flight at the busiest moment leaves a connection (a socket, on both ends) open for the
rest of the process. Here each client gets at most `max_connections` (FRONTDESK_REDIS_MAX_CONNECTIONS);
a command that finds them all busy waits for one to come back, up to `wait_s`, and then fails
like an unreachable Redis (the callers degrade: limits counted locally, a bus hint not sent).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis


def bounded_client(url: str, max_connections: int, wait_s: float = 2.0, **options: Any) -> redis.Redis:
    """A client for `url` (connecting on first use) over at most `max_connections` connections;
    closing the client closes them."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait_s, **options
    )
    return redis.Redis.from_pool(pool)
