"""Voice before chat in the shared limiter (agents/priority.py): real asyncio tasks, no timing."""

from __future__ import annotations

import asyncio

import pytest

from agents.priority import CHAT, VOICE, PriorityLimiter, priority_of


async def _until(condition) -> None:  # type: ignore[no-untyped-def]
    """Let the other tasks run until `condition()` holds (each pass hands the loop over once)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def _holder(
    limiter: PriorityLimiter, rank: int, name: str, order: list[str], done: asyncio.Event
) -> None:
    async with limiter.hold(rank):
        order.append(name)
        await done.wait()


def test_voice_ranks_before_chat_and_terminal() -> None:
    assert priority_of("voice") == VOICE < CHAT == priority_of("chat") == priority_of("terminal")


async def test_a_waiting_voice_request_is_granted_before_chat_requests_that_waited_longer() -> None:
    limiter = PriorityLimiter(1)
    order: list[str] = []
    release = {name: asyncio.Event() for name in ("busy", "chat-1", "chat-2", "voice")}
    busy = asyncio.create_task(_holder(limiter, CHAT, "busy", order, release["busy"]))
    await _until(lambda: order == ["busy"])
    tasks = [
        asyncio.create_task(_holder(limiter, CHAT, name, order, release[name]))
        for name in ("chat-1", "chat-2")
    ]
    await _until(lambda: limiter.waiting == 2)
    tasks.append(asyncio.create_task(_holder(limiter, VOICE, "voice", order, release["voice"])))
    await _until(lambda: limiter.waiting == 3)

    release["busy"].set()
    await _until(lambda: len(order) == 2)
    assert order == ["busy", "voice"]  # it came last, and went first
    release["voice"].set()
    await _until(lambda: len(order) == 3)
    release["chat-1"].set()
    await _until(lambda: len(order) == 4)
    release["chat-2"].set()
    await asyncio.gather(busy, *tasks)
    assert order == ["busy", "voice", "chat-1", "chat-2"]  # chat in arrival order after it
    assert limiter.holders == 0 and limiter.waiting == 0


async def test_no_more_than_slots_at_once_and_a_free_slot_is_taken_at_once() -> None:
    limiter = PriorityLimiter(2)
    order: list[str] = []
    release = {name: asyncio.Event() for name in ("a", "b", "c")}
    tasks = [
        asyncio.create_task(_holder(limiter, CHAT, name, order, release[name])) for name in ("a", "b", "c")
    ]
    await _until(lambda: len(order) == 2 and limiter.waiting == 1)
    assert limiter.holders == 2 and order == ["a", "b"]
    release["a"].set()
    await _until(lambda: len(order) == 3)
    release["b"].set()
    release["c"].set()
    await asyncio.gather(*tasks)
    assert limiter.holders == 0


async def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    limiter = PriorityLimiter(1)
    order: list[str] = []
    release = {name: asyncio.Event() for name in ("busy", "voice", "chat")}
    busy = asyncio.create_task(_holder(limiter, CHAT, "busy", order, release["busy"]))
    await _until(lambda: order == ["busy"])
    voice = asyncio.create_task(_holder(limiter, VOICE, "voice", order, release["voice"]))
    chat = asyncio.create_task(_holder(limiter, CHAT, "chat", order, release["chat"]))
    await _until(lambda: limiter.waiting == 2)
    voice.cancel()  # the caller hung up while waiting
    release["busy"].set()
    release["chat"].set()
    await asyncio.gather(busy, chat)
    assert voice.cancelled()
    assert order == ["busy", "chat"] and limiter.holders == 0


def test_slots_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PriorityLimiter(0)
