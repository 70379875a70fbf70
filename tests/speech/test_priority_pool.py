"""The shared speech worker pool: most urgent job first, promotion, cancellation, shutdown."""

from __future__ import annotations

import threading

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
