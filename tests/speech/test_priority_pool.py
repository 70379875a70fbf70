"""The shared speech worker pool: most urgent job first, promotion, cancellation, shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from speech.priority_pool import PoolClosedError, PriorityPool

DEADLINE_S = 10


def blocked_pool() -> tuple[PriorityPool, threading.Event]:
    """A one-worker pool whose worker is held busy until the returned event is set."""
    pool = PriorityPool(1, "test")
    gate = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(DEADLINE_S)

    pool.submit(5, hold)
    assert started.wait(DEADLINE_S)
    return pool, gate


def test_urgent_jobs_run_first_and_equal_priorities_in_order() -> None:
    pool, gate = blocked_pool()
    order: list[str] = []
    futures = [
        pool.submit(1, order.append, "later-a"),
        pool.submit(0, order.append, "first-a"),
        pool.submit(1, order.append, "later-b"),
        pool.submit(0, order.append, "first-b"),
    ]
    assert pool.queued == 4 and pool.running == 1
    gate.set()
    for future in futures:
        future.result(DEADLINE_S)
    assert order == ["first-a", "first-b", "later-a", "later-b"]
    pool.shutdown()


def test_promoted_job_overtakes_and_cancelled_job_never_runs() -> None:
    pool, gate = blocked_pool()
    order: list[str] = []
    other = pool.submit(0, order.append, "other-final")
    guess = pool.submit(1, order.append, "speculative")
    dropped = pool.submit(1, order.append, "dropped")
    skipped_ahead = pool.submit(1, order.append, "queued-before-promotion")
    assert pool.promote(guess, 0)
    assert dropped.cancel()
    gate.set()
    for future in (other, guess, skipped_ahead):
        future.result(DEADLINE_S)
    assert order == ["other-final", "speculative", "queued-before-promotion"]
    assert dropped.cancelled()
    assert not pool.promote(guess, 0)  # finished: nothing to promote
    pool.shutdown()


def test_errors_reach_the_caller_and_the_worker_goes_on() -> None:
    pool = PriorityPool(1, "test")

    def fail() -> None:
        raise ValueError("bad audio")

    with pytest.raises(ValueError, match="bad audio"):
        pool.submit(0, fail).result(DEADLINE_S)
    assert pool.submit(0, sum, [1, 2, 3]).result(DEADLINE_S) == 6
    pool.shutdown()


def test_shutdown_cancels_queued_jobs_and_refuses_new_ones() -> None:
    pool, gate = blocked_pool()
    queued = pool.submit(0, print, "never")
    pool.shutdown()
    assert queued.cancelled()
    gate.set()
    with pytest.raises(PoolClosedError):
        pool.submit(0, print, "too late")


def test_bad_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PriorityPool(0, "test")


def test_a_niced_pool_runs_its_jobs_at_lower_os_priority() -> None:
    import os

    normal, background = PriorityPool(1, "normal"), PriorityPool(1, "background", nice=10)
    try:
        own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        read = lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # noqa: E731
        assert normal.submit(0, read).result(DEADLINE_S) == own
        assert background.submit(0, read).result(DEADLINE_S) == min(19, own + 10)
    finally:
        normal.shutdown()
        background.shutdown()


def batching_pool(
    batch: Callable[[list[tuple[Any, ...]]], list[Any]], max_batch: int = 3
) -> tuple[PriorityPool, threading.Event, Future[str]]:
    """A one-worker batching pool held busy (by a job run alone) until the returned event is set."""
    pool = PriorityPool(1, "test", batch=batch, max_batch=max_batch)
    gate, started = threading.Event(), threading.Event()

    def hold() -> str:
        started.set()
        gate.wait(DEADLINE_S)
        return "held"

    held = pool.submit(9, hold)
    assert started.wait(DEADLINE_S)
    return pool, gate, held


def test_queued_jobs_of_one_priority_run_as_one_batch_up_to_max_batch() -> None:
    groups: list[list[str]] = []

    def run_batch(jobs: list[tuple[str]]) -> list[str]:
        groups.append([name for (name,) in jobs])
        return [name.upper() for (name,) in jobs]

    pool, gate, held = batching_pool(run_batch)
    names = ["later-a", "first-a", "later-b", "later-c", "first-b", "later-d", "later-e"]
    futures = {name: pool.submit(0 if name.startswith("first") else 1, str, name) for name in names}
    assert futures["later-c"].cancel()
    gate.set()
    assert held.result(DEADLINE_S) == "held"  # a job taken alone runs its own function
    results = {name: f.result(DEADLINE_S) for name, f in futures.items() if name != "later-c"}
    assert groups == [["first-a", "first-b"], ["later-a", "later-b", "later-d"]]
    assert results["first-b"] == "FIRST-B" and results["later-d"] == "LATER-D"
    assert results["later-e"] == "later-e"  # left alone at the end: str() ran, not the batch
    assert pool.batches == 2
    pool.shutdown()


def test_a_failed_batch_fails_each_of_its_jobs_and_one_bad_input_only_its_own() -> None:
    def run_batch(jobs: list[tuple[str]]) -> list[object]:
        if any(name == "explode" for (name,) in jobs):
            raise RuntimeError("model crashed")
        return [ValueError(name) if name == "bad" else name for (name,) in jobs]

    pool, gate, _held = batching_pool(run_batch, max_batch=2)
    crashed = [pool.submit(0, str, "explode"), pool.submit(0, str, "fine")]
    mixed = [pool.submit(1, str, "bad"), pool.submit(1, str, "good")]
    gate.set()
    for future in crashed:
        with pytest.raises(RuntimeError, match="model crashed"):
            future.result(DEADLINE_S)
    with pytest.raises(ValueError, match="bad"):
        mixed[0].result(DEADLINE_S)
    assert mixed[1].result(DEADLINE_S) == "good"
    pool.shutdown()


def test_max_batch_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        PriorityPool(1, "test", batch=lambda jobs: [], max_batch=0)
