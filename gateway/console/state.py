"""The console's objects that live as long as the app: the session cookie codec, the argon2 pool,
the login limit per client address and the per-account login turns.

One `ConsoleState` per app (`create_app` puts it on the app; routes get it through
`gateway.deps`). Each part is built on first use: the codec may generate and store the session
secret, and most processes never hash a password.
"""

from __future__ import annotations

from functools import cached_property

from redis.asyncio import Redis

from gateway.cluster.limits import keyed_limit, redis_client
from gateway.console.login_limit import LoginLimit
from gateway.console.login_turns import LoginTurns
from gateway.console.passwords import Passwords
from gateway.console.session import SessionCodec
from gateway.settings import Settings


class ConsoleState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def codec(self) -> SessionCodec:
        return SessionCodec(self.settings)

    @cached_property
    def passwords(self) -> Passwords:
        return Passwords(self.settings.console_password_workers)

    @cached_property
    def login_limit(self) -> LoginLimit:
        s = self.settings
        return LoginLimit(
            keyed_limit(s, "login", s.console_login_rate_burst, s.console_login_rate_per_s, self._redis)
        )

    @cached_property
    def _redis(self) -> Redis | None:
        """The console's own Redis client (limits shared by replicas), when one is configured."""
        return redis_client(self.settings)

    @cached_property
    def login_turns(self) -> LoginTurns:
        return LoginTurns()

    async def close(self) -> None:
        """Stop the argon2 threads, if any were started, and the Redis client (the app's lifespan ends)."""
        if "passwords" in self.__dict__:
            self.passwords.close()
        if self.__dict__.get("_redis") is not None:
            await self._redis.aclose()  # type: ignore[union-attr]
