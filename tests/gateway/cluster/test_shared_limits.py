"""Rate limits per client address shared by replicas through Redis, and their fallback."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as redis

from gateway.cluster.limits import SharedLimit
from tests.gateway.cluster.conftest import REDIS_URL, redis_available


@pytest.fixture
async def client() -> redis.Redis:
    if not redis_available():
        pytest.fail("Redis is not reachable at 127.0.0.1:6379")
    return redis.Redis.from_url(REDIS_URL)


async def test_one_budget_for_an_address_on_every_replica(client: redis.Redis) -> None:
    namespace = f"fdtest-{uuid.uuid4().hex[:8]}:limit:chat:"
    # Two replicas, each with its own view of the same limit: 5 at once, then 1 a minute.
    on_a = SharedLimit(client, namespace, capacity=5, rate_per_s=1 / 60)
    on_b = SharedLimit(redis.Redis.from_url(REDIS_URL), namespace, capacity=5, rate_per_s=1 / 60)
    granted = [await (on_a if i % 2 else on_b).take("203.0.113.9") for i in range(5)]
    assert granted == [0.0] * 5
    refused = await on_a.take("203.0.113.9")
    assert 0 < refused <= 60
    assert await on_b.take("203.0.113.9") > 0
    # Another address has its own budget.
    assert await on_b.take("198.51.100.4") == 0.0
    await client.aclose()


async def test_redis_unreachable_falls_back_to_this_replica() -> None:
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    limit = SharedLimit(dead, "fdtest:limit:login:", capacity=2, rate_per_s=0.001)
    assert [await limit.take("192.0.2.7") for _ in range(2)] == [0.0, 0.0]
    assert await limit.take("192.0.2.7") > 0  # still limited, by this replica's own bucket
    await dead.aclose()
