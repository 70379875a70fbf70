"""Rate limits per key (a client address) that hold across replicas.

With one replica a bucket per key lives in memory (`gateway.chat.limits.PerKeyBuckets`). Behind a
load balancer the same address reaches every replica, so its buckets live in Redis: one hash per
key, refilled and spent by one server-side script (atomic, Redis's clock for every replica). When
Redis cannot be reached the limit falls back to this replica's own buckets: a little more lenient
for a moment, never a refused visitor because a cache is away.
"""

from __future__ import annotations

from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.chat.limits import PerKeyBuckets
from gateway.cluster.redis_pool import bounded_client
from gateway.logging import get_logger
from gateway.settings import Settings

log = get_logger(__name__)

# KEYS[1]: the bucket; ARGV: capacity, refill per second, cost. Returns the seconds to wait ("0").
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(saved[1]) or capacity
local stamp = tonumber(saved[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
elseif rate > 0 then
  wait = (cost - tokens) / rate
else
  wait = -1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / math.max(rate, 0.001)) + 1)
return tostring(wait)
"""


class KeyedLimit(Protocol):
    async def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed (and spent); otherwise the seconds until it would be."""
        ...


class LocalLimit:
    """One replica: the buckets in this process."""

    def __init__(self, capacity: float, rate_per_s: float, max_keys: int = 50_000) -> None:
        self.buckets = PerKeyBuckets(capacity, rate_per_s, max_keys)

    async def take(self, key: str, cost: float = 1.0) -> float:
        return self.buckets.take(key, cost)


class SharedLimit:
    """Several replicas: the buckets in Redis, this process's own while Redis is away."""

    def __init__(
        self, client: redis.Redis, namespace: str, capacity: float, rate_per_s: float, max_keys: int = 50_000
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._capacity = capacity
        self._rate = rate_per_s
        self._script = client.register_script(_TAKE)
        self._fallback = PerKeyBuckets(capacity, rate_per_s, max_keys)
        self._degraded = False

    async def take(self, key: str, cost: float = 1.0) -> float:
        try:
            wait = float(
                await self._script(keys=[self._namespace + key], args=[self._capacity, self._rate, cost])
            )
        except (RedisError, OSError) as exc:
            if not self._degraded:
                log.warning(
                    "redis unreachable: rate limit counted by this replica alone",
                    limit=self._namespace,
                    error_type=type(exc).__name__,
                )
                self._degraded = True
            return self._fallback.take(key, cost)
        if self._degraded:
            log.info("redis back: rate limit shared again", limit=self._namespace)
            self._degraded = False
        return float("inf") if wait < 0 else wait


def redis_client(settings: Settings) -> redis.Redis | None:
    """A client for FRONTDESK_REDIS_URL (it connects on first use), or None without one."""
    if settings.redis_url is None:
        return None
    return bounded_client(
        settings.redis_url.get_secret_value(),
        settings.redis_max_connections,
        socket_connect_timeout=2.0,
        socket_timeout=2.0,
    )


def keyed_limit(
    settings: Settings, name: str, capacity: float, rate_per_s: float, client: redis.Redis | None
) -> KeyedLimit:
    """The limit `name`: shared through `client` (several replicas) or this process's own."""
    if client is None:
        return LocalLimit(capacity, rate_per_s)
    return SharedLimit(client, f"{settings.redis_prefix}limit:{name}:", capacity, rate_per_s)
