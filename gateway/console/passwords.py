"""argon2id hashing and verification off the event loop, in a small pool of worker threads.

One argon2 check costs ~130 ms of CPU (argon2-cffi defaults). Run on the event loop, a burst of
logins would stall every call, chat and page of the process for seconds; here each check runs in a
dedicated thread pool (`FRONTDESK_CONSOLE_PASSWORD_WORKERS` threads, default half the cores), so at
most that many cores hash at once and the loop keeps serving. argon2-cffi releases the GIL while it
hashes. Attempts beyond the pool's size wait in its queue (not on the loop); the per-address login
limit (`gateway.console.login_limit`) keeps that queue short.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_PASSWORD = "not-a-real-password-0000"


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


class Passwords:
    """`hash`, `verify` and `verify_dummy` are awaitables that run argon2 in the pool's threads."""

    def __init__(self, workers: int | None = None, hasher: PasswordHasher | None = None) -> None:
        self.workers = workers or default_workers()
        self.hasher = hasher or PasswordHasher()
        self._executor: ThreadPoolExecutor | None = None
        self._dummy_hash: str | None = None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:  # created on first use: the CLI and most requests never hash
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="argon2")
        return self._executor

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool(), self.hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool(), self._verify, password_hash, password
        )

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of one real check, for an unknown or malformed e-mail."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(_DUMMY_PASSWORD)
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Cheap (parses the parameters of the hash); fine on the loop."""
        return self.hasher.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


# For `StaffAccounts(db)` without a pool of its own (CLI commands, tests): one shared thread.
_shared: Passwords | None = None


def shared_passwords() -> Passwords:
    global _shared
    if _shared is None:
        _shared = Passwords(workers=1)
    return _shared
