"""What the connector tests share, whichever system is behind the connector."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from connectors.base import Unavailable

TZ_NAME = "America/New_York"  # not UTC on purpose: every conversion is exercised


def idempotency_key() -> str:
    """A fresh key for one write request (the runtime's job in production)."""
    return f"test-{uuid.uuid4().hex}"


async def assert_circuit_opens(call: Callable[[], Awaitable[Any]], failures: int) -> None:
    """`failures` calls to an unreachable system are `Unavailable`; the next one fails fast on the
    open circuit without trying the system again."""
    for _ in range(failures):
        with pytest.raises(Unavailable):
            await call()
    with pytest.raises(Unavailable) as fast:
        await call()
    assert "circuit open" in (fast.value.detail or "")
