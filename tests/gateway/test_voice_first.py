"""Chat turns wait while a caller waits (gateway/voice_first.py): real asyncio tasks, no timing."""

from __future__ import annotations

import asyncio

from gateway.voice_first import VoiceFirst


async def _until(condition) -> None:  # type: ignore[no-untyped-def]
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_a_chat_turn_runs_at_once_when_no_caller_waits() -> None:
    voice_first = VoiceFirst()
    await voice_first.chat_turn()
    assert voice_first.chat_turns_held == 0


async def test_a_chat_turn_waits_until_no_caller_waits() -> None:
    voice_first = VoiceFirst(max_chat_wait_s=3600)  # the bound is not what ends the wait here
    call_a, call_b = object(), object()
    voice_first.caller_waiting(call_a, True)
    voice_first.caller_waiting(call_b, True)
    order: list[str] = []

    async def chat() -> None:
        await voice_first.chat_turn()
        order.append("chat")

    task = asyncio.create_task(chat())
    await _until(lambda: voice_first.chat_turns_held == 1)
    voice_first.caller_waiting(call_a, False)
    order.append("call a heard")
    for _ in range(50):  # the loop runs everything that is ready; the chat turn is not
        await asyncio.sleep(0)
    assert not task.done()  # call b's caller still waits
    voice_first.caller_waiting(call_b, False)
    order.append("call b heard")
    await task
    assert order == ["call a heard", "call b heard", "chat"]
    assert voice_first.chat_turns_timed_out == 0


async def test_a_chat_turn_is_held_back_at_most_max_chat_wait() -> None:
    voice_first = VoiceFirst(max_chat_wait_s=0)  # a caller who waits forever does not stop chat
    voice_first.caller_waiting(object(), True)
    await voice_first.chat_turn()
    assert voice_first.chat_turns_held == 1 and voice_first.chat_turns_timed_out == 1


def test_a_call_reported_twice_counts_once_and_an_unknown_one_is_ignored() -> None:
    voice_first = VoiceFirst()
    call = object()
    voice_first.caller_waiting(call, True)
    voice_first.caller_waiting(call, True)
    assert voice_first.callers_waiting == 1
    voice_first.caller_waiting(object(), False)
    voice_first.caller_waiting(call, False)
    assert voice_first.callers_waiting == 0
