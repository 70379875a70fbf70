"""The console's objects that live as long as the app: the session cookie codec, the argon2 pool,
the login limit per client address and the per-account login turns.

One `ConsoleState` per app (`create_app` puts it on the app; routes get it through
`gateway.deps`). Each part is built on first use: the codec may generate and store the session
secret, and most processes never hash a password.
"""

from __future__ import annotations

from functools import cached_property

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
        return LoginLimit(self.settings.console_login_rate_burst, self.settings.console_login_rate_per_s)

    @cached_property
    def login_turns(self) -> LoginTurns:
        return LoginTurns()

    def close(self) -> None:
        """Stop the argon2 threads, if any were started (the app's lifespan ends)."""
        if "passwords" in self.__dict__:
            self.passwords.close()
