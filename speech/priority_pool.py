"""Worker threads that take the most urgent job first.

The speech models are shared by every call. A plain thread pool runs jobs first come, first
served, so under load a reply's first sentence waits behind other calls' later sentences, and a
caller's final transcript behind other callers' speculative ones. Here each job has a priority
(lower is more urgent; first come, first served within one priority), a queued job can be made
more urgent later (`promote`), and a cancelled job that has not started never runs.

With `batch`, a free worker takes the most urgent job together with up to `max_batch - 1` more
queued jobs of the same priority and runs them in one call: a model run over several inputs costs
far less than one run each (Whisper's decoder steps cost nearly the same for 1 input as for 3), so
when jobs pile up the queue drains faster, which is when callers wait the longest.

Across pools, `nice` > 0 lowers the operating system's scheduling priority of a pool's threads
(Linux schedules threads one by one): work with slack (a reply's later sentences) then yields the
cores to work a caller is waiting on, and still uses them fully when nothing else runs.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from speech.cpu_gate import CpuGate

T = TypeVar("T")


class PoolClosedError(RuntimeError):
    """A job was submitted after `shutdown()`."""


class PriorityPool:
    def __init__(
        self,
        workers: int,
        name: str,
        *,
        nice: int = 0,
        gate: CpuGate | None = None,
        ranks: dict[int, int] | None = None,
        batch: Callable[[list[tuple[Any, ...]]], list[Any]] | None = None,
        max_batch: int = 1,
    ) -> None:
        """`gate`: each job runs only once the shared gate admits it, at the gate rank `ranks`
        gives its priority (see speech/cpu_gate.py). `batch`: runs the argument tuples of several
        jobs at once, returning one result (or exception instance) per job, in order, instead of each
        job's own `fn` (which still runs a job taken alone)."""
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._batch = batch
        self.max_batch = max_batch if batch is not None else 1
        self.workers = workers
        self.nice = nice
        self._gate = gate
        self._ranks = ranks or {}
        # Entries are lists so that `promote` can change one in place: [priority, seq, future, call].
        self._heap: list[list[Any]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self.running = 0  # workers busy with a job (or a batch of jobs) right now
        self.batches = 0  # runs of more than one job (for tests and metrics)
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def queued(self) -> int:
        with self._cond:
            return sum(1 for entry in self._heap if not entry[2].done())

    def submit(self, priority: int, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._cond:
            if self._closed:
                raise PoolClosedError("the pool is shut down")
            heapq.heappush(self._heap, [priority, next(self._seq), future, (fn, args)])
            self._cond.notify()
        return future

    def promote(self, future: Future[Any], priority: int) -> bool:
        """Make a queued job at least this urgent. False when it is no longer queued."""
        with self._cond:
            for entry in self._heap:
                if entry[2] is future:
                    if priority < entry[0]:
                        entry[0] = priority
                        heapq.heapify(self._heap)
                    return True
        return False

    def shutdown(self) -> None:
        """Cancel every queued job; running ones finish. Workers exit once idle."""
        with self._cond:
            self._closed = True
            for entry in self._heap:
                entry[2].cancel()
            self._heap.clear()
            self._cond.notify_all()

    def _work(self) -> None:
        if self.nice > 0:
            lower_thread_priority(self.nice)
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._cond.wait()
                if not self._heap:
                    return  # closed and drained
                priority = self._heap[0][0]
            # With a gate, jobs are taken once it admits this worker, not before: what queued
            # meanwhile can join the batch, and a job promoted meanwhile goes first.
            admitted = (
                nullcontext() if self._gate is None else self._gate.hold(self._ranks.get(priority, priority))
            )
            with admitted:
                with self._cond:
                    jobs = self._take()
                    if not jobs:
                        continue  # cancelled while queued, or another worker took them
                    self.running += 1
                try:
                    self._run(jobs)
                finally:
                    with self._cond:
                        self.running -= 1

    def _take(self) -> list[tuple[int, Future[Any], tuple[Callable[..., Any], tuple[Any, ...]]]]:
        """Under the lock: the most urgent live job, and with batching, the next ones of its priority."""
        jobs: list[tuple[int, Future[Any], tuple[Callable[..., Any], tuple[Any, ...]]]] = []
        while self._heap and len(jobs) < self.max_batch:
            if jobs and self._heap[0][0] != jobs[0][0]:
                break
            priority, _seq, future, call = heapq.heappop(self._heap)
            if future.set_running_or_notify_cancel():  # False: cancelled while queued
                jobs.append((priority, future, call))
        return jobs

    def _run(self, jobs: list[tuple[int, Future[Any], tuple[Callable[..., Any], tuple[Any, ...]]]]) -> None:
        try:
            if len(jobs) == 1 or self._batch is None:
                fn, args = jobs[0][2]
                results = [fn(*args)]
            else:
                results = self._batch([args for _p, _f, (_fn, args) in jobs])
                self.batches += 1
        except BaseException as exc:  # handed to the waiting callers
            results = [exc] * len(jobs)
        for (_priority, future, _call), result in zip(jobs, results, strict=True):
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)


def lower_thread_priority(nice: int) -> bool:
    """Raise the calling thread's nice value by `nice` (Linux: per thread). False where the
    platform has no per-thread priority; the pool then simply runs at normal priority."""
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, current + nice))
    except (AttributeError, OSError):
        return False
    return True
