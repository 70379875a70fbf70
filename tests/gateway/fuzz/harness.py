"""What every fuzz test measures on its live gateway: the asyncio tasks of the server's own event
loop (counted inside that loop), the process's resident memory, the server's log, and the scale.

`FUZZ_FRAMES` (environment) is how many frames each WebSocket fuzz test sends; the suite's default
is small, `make fuzz` sets 10,000. `FUZZ_HTTP_EXAMPLES` is the schemathesis examples per operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import io
import json
import os
import re
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import LiveServer

SHORT_FRAMES = 200  # per protocol in `make test`


def fuzz_frames() -> int:
    return int(os.environ.get("FUZZ_FRAMES", SHORT_FRAMES))


def server_loop(server: LiveServer) -> asyncio.AbstractEventLoop:
    """The event loop uvicorn runs the app on (in the server's thread)."""
    [listener] = server.server.servers
    return listener.get_loop()


async def _tasks() -> list[str]:
    me = asyncio.current_task()
    return sorted(f"{t.get_name()} {t.get_coro()!r}"[:200] for t in asyncio.all_tasks() if t is not me)


def server_tasks(server: LiveServer) -> list[str]:
    """The live tasks of the server's loop (name, coroutine), listed from inside that loop."""
    return asyncio.run_coroutine_threadsafe(_tasks(), server_loop(server)).result(timeout=30)


def task_names(tasks: list[str]) -> set[str]:
    return {t.split(" ", 1)[0] for t in tasks}


# Tasks that belong to one call or chat, not to the service: none may outlive its connection.
_PER_CONVERSATION = re.compile(r"^(greeting|turns|redirect|drain-goodbye|chat-[0-9a-f]{32}|Task-\d+)$")


def baseline_tasks(server: LiveServer, startup: list[str], within_s: float = 60.0) -> list[str]:
    """The service's own tasks once the warm-up's connections are over: polled until no task of
    a call or chat is left (unnamed tasks only those present at startup: uvicorn's own)."""
    deadline = time.monotonic() + within_s
    while True:
        tasks = server_tasks(server)
        extra = {n for n in task_names(tasks) - task_names(startup) if _PER_CONVERSATION.match(n)}
        if not extra:
            return tasks
        if time.monotonic() > deadline:
            raise AssertionError(f"the warm-up left tasks behind: {sorted(extra)}")
        time.sleep(0.1)  # polling interval, not synchronisation: the condition is re-checked


def settle_tasks(server: LiveServer, baseline: list[str], within_s: float = 120.0) -> list[str]:
    """Poll until the server's loop runs no task the baseline did not (by name) and no more tasks;
    the last listing (which the caller checks)."""
    deadline = time.monotonic() + within_s
    while True:
        tasks = server_tasks(server)
        if (
            task_names(tasks) <= task_names(baseline) and len(tasks) <= len(baseline)
        ) or time.monotonic() > deadline:
            return tasks
        time.sleep(0.1)  # polling interval, not synchronisation: the condition is re-checked


def rss_mb() -> float:
    """This process's resident memory (the server runs in a thread of it), after a collection
    and after glibc has handed its free pages back (`malloc_trim`): what is in use, not what the
    allocator keeps around from the megabyte frames."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: resident memory as it is
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


# Allocations of the test's own side (hypothesis's bookkeeping, the strategies, imports), which
# share the process with the server: left out of what the server is said to hold.
_CLIENT_SIDE = [
    tracemalloc.Filter(False, "*/hypothesis/*"),
    tracemalloc.Filter(False, "*/sortedcontainers/*"),
    tracemalloc.Filter(False, "*/tests/*"),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
    tracemalloc.Filter(False, "*/ast.py"),
    tracemalloc.Filter(False, "*/inspect.py"),
    tracemalloc.Filter(False, tracemalloc.__file__),
]


def start_tracing() -> None:
    """Trace Python allocations from now on (tracemalloc, one frame each)."""
    gc.collect()
    tracemalloc.start(1)


def held_since_start() -> tuple[float, list[str]]:
    """MB allocated since `start_tracing` and still alive, the client's side left out, and the
    five places holding most; tracing stops."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(_CLIENT_SIDE)
    tracemalloc.stop()
    stats = snapshot.statistics("lineno")
    top = [
        f"{stat.traceback[0].filename}:{stat.traceback[0].lineno} {stat.size / 1024:.0f} KiB"
        for stat in stats[:5]
    ]
    return sum(stat.size for stat in stats) / 1024 / 1024, top


def log_problems(buffer: io.StringIO) -> list[str]:
    """Captured log lines that carry a traceback or an exception, or are errors."""
    bad = []
    for line in buffer.getvalue().splitlines():
        if not line.strip():
            continue
        if "Traceback" in line:
            bad.append(line)
            continue
        try:
            entry: dict[str, Any] = json.loads(line)
        except ValueError:
            bad.append(line)  # not the gateway's JSON: something wrote around the logger
            continue
        if "exception" in entry or entry.get("level") in ("error", "critical"):
            bad.append(line)
    return bad


@dataclass
class Tally:
    """What a fuzz run did: frames sent, connections opened, how the server closed them."""

    frames: int = 0
    connections: int = 0
    closes: dict[str, int] = field(default_factory=dict)
    replies: int = 0
    rss_trace: list[int] = field(default_factory=list)  # MB, at every further 10 % of the frames

    def sample(self, target: int) -> None:
        """Record resident memory each time another tenth of `target` frames has been sent."""
        while self.frames * 10 >= target * (len(self.rss_trace) + 1) and len(self.rss_trace) < 10:
            self.rss_trace.append(round(rss_mb()))

    def closed(self, code: int | None) -> None:
        key = str(code)
        self.closes[key] = self.closes.get(key, 0) + 1


@dataclass
class Figures:
    protocol: str
    tally: Tally
    tasks_before: int
    tasks_after: int
    rss_before_mb: float
    rss_after_mb: float
    held_mb: float  # Python memory allocated during the run and still held at the end (tracemalloc)
    seconds: float
    log_lines: int
    problems: int

    def line(self) -> str:
        return (
            f"FUZZ {self.protocol}: frames={self.tally.frames} connections={self.tally.connections} "
            f"replies={self.tally.replies} closes={self.tally.closes} "
            f"tasks {self.tasks_before}->{self.tasks_after} "
            f"rss {self.rss_before_mb:.0f}->{self.rss_after_mb:.0f} MB "
            f"(by tenths: {self.tally.rss_trace}) held {self.held_mb:.1f} MB "
            f"log_lines={self.log_lines} tracebacks/errors={self.problems} seconds={self.seconds:.0f}"
        )


def report(figures: Figures) -> None:
    """Print the figures (pytest -s shows them) and append them to FUZZ_REPORT when set."""
    print(figures.line())
    path = os.environ.get("FUZZ_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(figures.line() + "\n")


def until(condition: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
