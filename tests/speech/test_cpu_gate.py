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

    def holder(rank: int) -> None:
        with gate.hold(rank):
            holder_in.set()
            holder_go.wait(DEADLINE_S)

    def run(name: str, rank: int) -> None:
        with gate.hold(rank):
            order.append(name)

    # The slot, and the extra one a first sentence may take, are both held.
    holders = [threading.Thread(target=holder, args=(rank,)) for rank in (FINAL_TRANSCRIPT, FIRST_SENTENCE)]
    for holding in holders:
        holder_in.clear()
        holding.start()
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
    for t in [*holders, *waiters]:
        t.join(DEADLINE_S)
    assert order == ["sentence", "final-1", "final-2", "guess-1"]


def test_pool_jobs_pass_the_gate_at_their_rank() -> None:
    gate = CpuGate(1)
    pool = PriorityPool(2, "gated", gate=gate, ranks={0: FINAL_TRANSCRIPT})
    try:
        seen: list[int] = []
        futures = [pool.submit(0, lambda: seen.append(gate.running)) for _ in range(8)]
        for future in futures:
            future.result(DEADLINE_S)
        assert seen == [1] * 8  # two workers, but one run at a time
    finally:
        pool.shutdown()


def test_a_first_sentence_does_not_wait_for_runs_in_progress_but_only_one_goes_beyond() -> None:
    gate = CpuGate(1)
    transcript_in, release = threading.Event(), threading.Event()

    def transcript() -> None:
        with gate.hold(FINAL_TRANSCRIPT):
            transcript_in.set()
            release.wait(DEADLINE_S)

    running = threading.Thread(target=transcript)
    running.start()
    assert transcript_in.wait(DEADLINE_S)
    inside: list[int] = []
    second_in = threading.Event()

    def sentence(entered: threading.Event | None) -> None:
        with gate.hold(FIRST_SENTENCE):
            inside.append(gate.running)
            if entered is not None:
                entered.set()
            else:
                release.wait(DEADLINE_S)

    first = threading.Thread(target=sentence, args=(None,))
    first.start()
    while not inside:  # admitted beside the transcript although the one slot is taken
        threading.Event().wait(0.001)
    assert inside == [2]
    second = threading.Thread(target=sentence, args=(second_in,))
    second.start()
    while gate.waiting < 1:
        threading.Event().wait(0.001)
    assert not second_in.is_set()  # a second one waits: one run beyond the slots at most
    release.set()
    for t in (running, first, second):
        t.join(DEADLINE_S)
    assert second_in.is_set() and gate.running == 0


def test_a_negative_slot_count_is_refused() -> None:
    with pytest.raises(ValueError):
        CpuGate(-1)
