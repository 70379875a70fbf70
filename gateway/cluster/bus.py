"""Messages between replicas over Redis pub/sub.

A message is a hint that something changed ("conversation X has event 17"); the database holds
the truth. Pub/sub delivers at most once and nothing while a replica is disconnected, so whoever
listens must be able to catch up from the database: `on_reconnect` callbacks run after every
(re)subscription for exactly that. Publishing never raises: a Redis outage degrades cross-replica
delivery to "on the next reconnect or read", it does not fail the turn that published.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.cluster.redis_pool import bounded_client
from gateway.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
ReconnectHook = Callable[[], Awaitable[None]]

_RETRY_MAX_S = 5.0


class RedisBus:
    def __init__(self, url: str, prefix: str, replica_id: str, max_connections: int = 32) -> None:
        # One of the connections is the subscription's, for as long as it lasts. A publish waits
        # longer for a free one than a rate-limit check (which falls back to local counting).
        self.client: redis.Redis = bounded_client(
            url,
            max_connections,
            wait_s=5.0,
            decode_responses=True,
            socket_connect_timeout=2.0,
            health_check_interval=10,
        )
        self.prefix = prefix
        self.replica_id = replica_id
        self._handlers: dict[str, Handler] = {}
        self._reconnect_hooks: list[ReconnectHook] = []
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self.connected = False

    def key(self, *parts: str) -> str:
        """A Redis key or channel name in this deployment's namespace."""
        return self.prefix + ":".join(parts)

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Call `handler(message)` for every message other replicas publish on `topic`
        (register before `start`)."""
        self._handlers[self.key("bus", topic)] = handler

    def on_reconnect(self, hook: ReconnectHook) -> None:
        self._reconnect_hooks.append(hook)

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen_forever(), name="redis-bus")

    async def subscribed(self, timeout_s: float = 5.0) -> bool:
        """Wait until the listener is subscribed (start-up, tests); False if Redis is unreachable."""
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def publish(self, topic: str, message: dict[str, Any]) -> bool:
        """Send `message` to the other replicas; False (and a log line) when Redis is unreachable."""
        body = json.dumps({**message, "origin": self.replica_id}, separators=(",", ":"))
        try:
            await self.client.publish(self.key("bus", topic), body)
        except (RedisError, OSError) as exc:
            log.warning("redis: publish failed", topic=topic, error=_one_line(exc))
            return False
        return True

    async def ping(self) -> str:
        """'ok', or why Redis cannot be reached (readiness)."""
        try:
            # redis-py types ping() for its sync and async clients alike; this one is async.
            await asyncio.wait_for(cast("Awaitable[bool]", self.client.ping()), 2.0)
        except (RedisError, OSError, TimeoutError) as exc:
            return f"unreachable: {_one_line(exc)}"
        return "ok"

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self.client.aclose()

    async def _listen_forever(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected or failures == 0:
                    log.warning("redis: subscription lost; retrying", error=_one_line(exc))
                self.connected = False
                self._subscribed.clear()
                failures += 1
            # A bounded back-off: Redis restarts take seconds, and a dead Redis is retried forever.
            await asyncio.sleep(min(_RETRY_MAX_S, 0.1 * 2**failures))

    async def _listen(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            # The control channel too, so there is always a subscription to wait on.
            await pubsub.subscribe(self.key("bus", "control"), *self._handlers)
            was_connected = self.connected
            self.connected = True
            self._subscribed.set()
            if not was_connected:
                log.info("redis: subscribed", channels=len(self._handlers))
            for hook in self._reconnect_hooks:  # catch up on what was published while away
                try:
                    await hook()
                except Exception:
                    log.exception("redis: catch-up after reconnect failed")
            while True:
                message = await pubsub.get_message(timeout=30.0)
                if message is None:
                    continue
                await self._dispatch(message)
        finally:
            await pubsub.aclose()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        handler = self._handlers.get(str(message.get("channel")))
        if handler is None:
            return
        try:
            body = json.loads(message["data"])
        except (TypeError, ValueError):
            log.warning("redis: message that is not JSON ignored", channel=message.get("channel"))
            return
        if not isinstance(body, dict) or body.get("origin") == self.replica_id:
            return  # our own message: already handled locally
        try:
            await handler(body)
        except Exception:  # one bad message must not stop delivery of the others
            log.exception("redis: handler failed", channel=message.get("channel"))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
