"""The gate in front of the model runs: never more runs than slots, the most urgent admitted first."""

from __future__ import annotations

import threading

import pytest

from speech.cpu_gate import FINAL_TRANSCRIPT, FIRST_SENTENCE, SPECULATIVE_TRANSCRIPT, CpuGate
from speech.priority_pool import PriorityPool

DEADLINE_S = 10


def test_at_most_slots_run_at_once() -> None:
    gate = CpuGate(2)
    release = threading.Event()
    inside, peak, lock = [0], [0], threading.Lock()
    all_waiting = threading.Barrier(6)

    def run() -> None:
        all_waiting.wait(DEADLINE_S)
        with gate.hold(FINAL_TRANSCRIPT):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            release.wait(DEADLINE_S)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    deadline = threading.Event()
    while gate.running < 2 and not deadline.wait(0.01):
        pass
    assert gate.running == 2
    release.set()
    for t in threads:
        t.join(DEADLINE_S)
    assert peak[0] == 2 and gate.running == 0 and gate.waiting == 0


def test_the_most_urgent_waiting_run_is_admitted_next() -> None:
    gate = CpuGate(1)
    order: list[str] = []
    holder_in, holder_go = threading.Event(), threading.Event()

    def holder() -> None:
        with gate.hold(FIRST_SENTENCE):
            holder_in.set()
            holder_go.wait(DEADLINE_S)

    def run(name: str, rank: int) -> None:
        with gate.hold(rank):
            order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    assert holder_in.wait(DEADLINE_S)
    waiters = []
    for name, rank in [
        ("guess-1", SPECULATIVE_TRANSCRIPT),
        ("final-1", FINAL_TRANSCRIPT),
        ("sentence", FIRST_SENTENCE),
        ("final-2", FINAL_TRANSCRIPT),
    ]:
        waiter = threading.Thread(target=run, args=(name, rank))
        waiter.start()
        waiters.append(waiter)
        while gate.waiting < len(waiters):  # queued in this order (arrival order breaks ties)
            threading.Event().wait(0.001)
    holder_go.set()
    for t in [first, *waiters]:
        t.join(DEADLINE_S)
    assert order == ["sentence", "final-1", "final-2", "guess-1"]


def test_pool_jobs_pass_the_gate_at_their_rank() -> None:
    gate = CpuGate(1)
    pool = PriorityPool(2, "gated", gate=gate, ranks={0: FIRST_SENTENCE})
    try:
        seen: list[int] = []
        futures = [pool.submit(0, lambda: seen.append(gate.running)) for _ in range(8)]
        for future in futures:
            future.result(DEADLINE_S)
        assert seen == [1] * 8  # two workers, but one run at a time
    finally:
        pool.shutdown()


def test_a_negative_slot_count_is_refused() -> None:
    with pytest.raises(ValueError):
        CpuGate(-1)
