"""Soak: simulated calls and chat visitors against one `frontdesk serve`, continuously, for a long time.

    .venv/bin/python bench/soak.py [--minutes 60] [--calls 10] [--chats 200] [--database sqlite|postgres]
        [--redis-url redis://127.0.0.1:6379/0] [--json-out FILE] [--tracemalloc]

A real `frontdesk serve` child ([5/7] item 8, docs/reliability.md), on a fresh data directory:
its own SQLite file (default), or with `--database postgres` a fresh database on the PostgreSQL at
127.0.0.1:5432 (plus Redis with `--redis-url`, under a prefix of its own). Migrated and seeded with
`frontdesk db upgrade` and `frontdesk demo seed`, the embedded models preloaded (Whisper tiny.en,
Piper, the offline planner).

Load, for `--minutes`: `--calls` callers, each ringing again as soon as their call ends (so calls
open and close all the time), each call bench/voice_latency.py's simulated caller (a demo patient
booking in five Piper-spoken turns, real-time audio, marks echoed); and `--chats` chat visitors,
each bench/chat_load.py's session (hello, greeting, `--chat-messages` messages `--chat-think`
seconds after each reply, then leaving; a new visitor takes its place). A visitor who leaves
leaves an open chat, closed by the gateway's abandoned-chat sweep after
`--abandoned-after-s` (FRONTDESK_CHAT_ABANDONED_AFTER_S; production default 30 min).

Sampled every `--sample-s`: the gateway's resident memory and open file descriptors (/proc), its
asyncio tasks and open conversations (`frontdesk_event_loop_tasks`, `frontdesk_active_conversations`
from /metrics), the machine's load average. Voice latency (caller stops speaking -> first bot
audio, measured by the caller) is kept per minute, by the minute its reply began.

When the load stops: wait until the abandoned chats are closed, take the idle sample, stop the
gateway (SIGTERM, as an orchestrator would), run `frontdesk audit verify`. Printed: one JSON
object with the figures and, per criterion, the measured value, the bound and pass/fail; exit 1
if any failed. The windows: `--warmup-minutes` (default 5) are not judged; "first" is the
`--window-minutes` (default 10) after the warm-up, "last" the final `--window-minutes`.

- rss_growth: median resident size in the last window over the first, <= `--rss-growth-pct` (10 %)
- voice_p95: p95 of the last window over the first, <= 1 + `--p95-pct` / 100 (only getting slower fails)
- tasks_flat: median in the last window over the first, <= 1 + `--flat-pct` / 100, and once idle
  within `--idle-slack` of the idle level before the load
- fds_flat: the same ratio under load; by kind (bench/fd_budget.py), the pooled ones (database
  connections or SQLite files, Redis connections) never above the bounds the gateway's settings
  give them, busy or idle; the rest, once idle, within `--idle-slack` of their level before the
  load. `fds_by_kind` lists them idle before, after the warm-up, at the end and idle after.

`--tracemalloc` runs the gateway under bench/traced_serve.py and prints (`tracemalloc`) the
allocation sites and object types that grew from the end of the warm-up to the end of the load
and to idle (the snapshots stall the gateway a second or two and cost memory: its RSS is not
comparable with an untraced run's).
- audit_verifies: `frontdesk audit verify` exits 0
- conversations_closed: no conversation left open (not `closed` or without `ended_at`)
- no_failures: no call failed, no chat message unanswered
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_load import Session  # noqa: E402  (this script's folder is on sys.path)
from fd_budget import fd_kinds, judge_fds, pool_bounds, settings_of  # noqa: E402
from procstat import free_port, rss_mb  # noqa: E402
from voice_latency import AUTH_TOKEN, caller_turns, one_call, percentile, wait_ready  # noqa: E402

from gateway.settings import Settings  # noqa: E402

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))
METRICS_TOKEN = secrets.token_hex(24)
PG_ADMIN_DSN = os.environ.get("FRONTDESK_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Options:
    minutes: float = 60.0
    calls: int = 10
    chats: int = 200
    database: str = "sqlite"
    redis_url: str | None = None
    warmup_minutes: float = 5.0
    window_minutes: float = 10.0
    sample_s: float = 10.0
    turns: int = 5  # caller turns per call (a whole booking: 5)
    chat_messages: int = 3
    chat_think: tuple[float, float] = (10.0, 20.0)
    abandoned_after_s: float = 20.0
    rss_growth_pct: float = 10.0
    p95_pct: float = 10.0
    flat_pct: float = 10.0
    idle_slack: int = 10  # tasks or fds above the idle level before the load, once idle again
    keep: bool = False  # keep the data directory (and PostgreSQL database)
    tracemalloc: bool = False  # trace the gateway's allocations (bench/traced_serve.py)
    env: dict[str, str] = field(default_factory=dict)  # more FRONTDESK_* settings for the gateway


@dataclass
class Sample:
    t: float  # seconds since the load started
    rss_mb: float
    fds: int
    fd_kinds: dict[str, int]  # bench/fd_budget.py
    tasks: float
    open_conversations: float
    load1: float


@dataclass
class Tally:
    """What the simulated callers and visitors saw."""

    voice: list[tuple[float, float]] = field(default_factory=list)  # (t answered, latency ms)
    calls_done: int = 0
    calls_failed: int = 0
    call_errors: set[str] = field(default_factory=set)
    chat_latencies_ms: list[float] = field(default_factory=list)
    chats_done: int = 0
    chat_unanswered: int = 0
    chat_failed: int = 0
    chat_errors: set[str] = field(default_factory=set)


class Gateway:
    """`frontdesk serve` in a child process on a fresh data directory and database."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.data_dir = Path(tempfile.mkdtemp(prefix="frontdesk-soak-"))
        self.port = free_port()
        self.pg_url: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._settings: Settings | None = None
        self.env: dict[str, str] = {
            "FRONTDESK_DATA_DIR": str(self.data_dir),
            "FRONTDESK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "FRONTDESK_METRICS_TOKEN": METRICS_TOKEN,
            "FRONTDESK_LOG_LEVEL": "WARNING",
            "FRONTDESK_PRELOAD_MODELS": "true",
            "FRONTDESK_CHAT_ABANDONED_AFTER_S": str(options.abandoned_after_s),
            # Every visitor comes from 127.0.0.1: the per-address limits must not refuse the load.
            "FRONTDESK_CHAT_IP_CONNECT_BURST": "100000",
            "FRONTDESK_CHAT_IP_CONNECT_PER_S": "100000",
            "FRONTDESK_CHAT_IP_RATE_BURST": "100000",
            "FRONTDESK_CHAT_IP_RATE_PER_S": "100000",
            "FRONTDESK_CHAT_RATE_BURST": "100",
            "FRONTDESK_CHAT_MAX_CONNECTIONS_PER_IP": "100000",
        }
        self.env.update(options.env)
        if options.redis_url:
            self.env["FRONTDESK_REDIS_URL"] = options.redis_url
            self.env["FRONTDESK_REDIS_PREFIX"] = f"soak-{uuid.uuid4().hex[:8]}:"

    @property
    def settings(self) -> Settings:
        """What the gateway runs with (its environment over this one's)."""
        if self._settings is None:
            self._settings = settings_of(self.env)
        return self._settings

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def prepare(self) -> None:
        if self.options.database == "postgres":
            import asyncpg  # type: ignore[import-untyped]

            name = f"fd_soak_{uuid.uuid4().hex[:12]}"
            conn = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()
            self.pg_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
            self.env["FRONTDESK_DATABASE_URL"] = self.pg_url
        for command in (["db", "upgrade"], ["demo", "seed"]):
            await self.cli(*command)

    async def cli(self, *args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            FRONTDESK,
            *args,
            env={**os.environ, **self.env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        if args[0] != "audit" and proc.returncode != 0:
            raise SystemExit(f"frontdesk {' '.join(args)} failed: {out.decode(errors='replace')}")
        return proc.returncode or 0, out.decode(errors="replace")

    async def start(self) -> None:
        log = (self.data_dir / "serve.log").open("wb")
        command = [FRONTDESK]
        env = {**os.environ, **self.env}
        if self.options.tracemalloc:
            command = [sys.executable, str(Path(__file__).with_name("traced_serve.py"))]
            self.traces.mkdir()
            env["SOAK_TRACEMALLOC_DIR"] = str(self.traces)
        self.proc = subprocess.Popen(  # noqa: ASYNC220  (started once, then waited for over HTTP)
            [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        await wait_ready(self.port)

    @property
    def traces(self) -> Path:
        return self.data_dir / "tracemalloc"

    async def snapshot(self) -> int:
        """--tracemalloc: the gateway writes a snapshot (bench/traced_serve.py); its number."""
        index = len(list(self.traces.glob("*.json")))
        self.proc.send_signal(signal.SIGUSR1)  # type: ignore[union-attr]
        while not (self.traces / f"{index}.json").exists():
            if self.proc.poll() is not None:  # type: ignore[union-attr]
                raise SystemExit(f"the gateway exited: {self.log_tail()}")
            await asyncio.sleep(0.5)  # polling a file the other process writes
        return index

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(self.proc.wait, 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return await asyncio.to_thread(self.proc.wait, 10)

    def log_tail(self, lines: int = 30) -> str:
        text = (self.data_dir / "serve.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def cleanup(self) -> None:
        if self.options.keep:
            return
        if self.pg_url is not None:
            import asyncpg

            conn = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_url.rsplit("/", 1)[1]}" WITH (FORCE)')
            finally:
                await conn.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def metric(text: str, name: str) -> float:
    """The sum of a metric's samples in Prometheus text (all its label sets)."""
    total = 0.0
    for match in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE):
        total += float(match.group(1))
    return total


async def sample(gateway: Gateway, client: Any, t: float) -> Sample:
    resp = await client.get(f"{gateway.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    resp.raise_for_status()
    kinds = fd_kinds(gateway.pid, gateway.settings, gateway.port)
    return Sample(
        t=round(t, 1),
        rss_mb=round(rss_mb(gateway.pid), 1),
        fds=sum(kinds.values()),
        fd_kinds=kinds,
        tasks=metric(resp.text, "frontdesk_event_loop_tasks"),
        open_conversations=metric(resp.text, "frontdesk_active_conversations"),
        load1=round(os.getloadavg()[0], 2),
    )


async def caller(
    url: str, scripts: list[Any], first: int, stop: asyncio.Event, tally: Tally, t0: float
) -> None:
    """One line: a call, and as soon as it ends the next, until `stop`."""
    index = first
    while not stop.is_set():
        try:
            report = await one_call(url, scripts[index % len(scripts)], 0.0)
        except Exception as exc:  # a failed call is counted and the line rings again
            tally.calls_failed += 1
            tally.call_errors.add(repr(exc)[:160])
            await asyncio.sleep(1.0)
        else:
            tally.calls_done += 1
            tally.voice.extend(
                (turn.answered_at - t0, turn.latency_ms)
                for turn in report.turns
                if turn.latency_ms is not None and turn.answered_at is not None
            )
        index += len(scripts) // 2 + 1  # the next patient on this line: lines do not move in step


async def visitor(url: str, options: Options, stop: asyncio.Event, tally: Tally) -> None:
    """One visitor after another on the chat: greeted, a few messages, gone."""
    await asyncio.sleep(random.uniform(*options.chat_think))  # visitors do not all arrive at once
    while not stop.is_set():
        session = Session(url, options.chat_messages, options.chat_think)
        try:
            await session.connect()
            await session.converse()
        except Exception as exc:
            tally.chat_failed += 1
            tally.chat_errors.add(repr(exc)[:160])
            if session.ws is not None:
                await session.ws.close()
            await asyncio.sleep(1.0)
            continue
        tally.chats_done += 1
        tally.chat_latencies_ms.extend(x * 1000 for x in session.latencies)
        tally.chat_unanswered += session.unanswered + int(session.gap)
        tally.chat_errors.update(session.failures)


async def open_conversations(gateway: Gateway) -> int:
    """Conversations in the database not closed (by status or end time)."""
    from sqlalchemy import func, or_, select

    from gateway.settings import Settings
    from gateway.store.db import Database
    from gateway.store.models import ConversationRow

    url = gateway.pg_url or Settings(data_dir=gateway.data_dir).database_url
    db = Database(url)
    try:
        async with db.session() as s:
            open_rows = await s.scalar(
                select(func.count()).where(
                    or_(ConversationRow.status != "closed", ConversationRow.ended_at.is_(None))
                )
            )
    finally:
        await db.close()
    return int(open_rows or 0)


async def until_closed(gateway: Gateway, within_s: float) -> int:
    """Poll the database (what changes is there) until no conversation is open; how many still are."""
    deadline = time.monotonic() + within_s
    still_open = await open_conversations(gateway)
    for _ in range(int(within_s / 2) + 1):
        if not still_open or time.monotonic() > deadline:
            break
        await asyncio.sleep(2.0)
        still_open = await open_conversations(gateway)
    return still_open


async def count_conversations(gateway: Gateway) -> dict[str, int]:
    from sqlalchemy import func, select

    from gateway.settings import Settings
    from gateway.store.db import Database
    from gateway.store.models import ConversationRow

    db = Database(gateway.pg_url or Settings(data_dir=gateway.data_dir).database_url)
    try:
        async with db.session() as s:
            rows = (
                await s.execute(
                    select(ConversationRow.channel, func.count()).group_by(ConversationRow.channel)
                )
            ).all()
    finally:
        await db.close()
    return {channel: int(count) for channel, count in rows}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _round(value: float, digits: int = 0) -> float | None:
    return None if value != value else round(value, digits)  # NaN (no sample in the window): None


def judge(
    options: Options,
    samples: list[Sample],
    idle_before: Sample,
    idle_after: Sample,
    tally: Tally,
    duration_s: float,
    settings: Settings,
) -> dict[str, Any]:
    """Each criterion: measured, bound, pass."""
    warm = options.warmup_minutes * 60
    window = options.window_minutes * 60
    first = [s for s in samples if warm <= s.t < warm + window]
    last = [s for s in samples if s.t >= duration_s - window]

    def ratio(pick: Callable[[Sample], float]) -> tuple[float, float, float]:
        a, b = _median([pick(s) for s in first]), _median([pick(s) for s in last])
        return a, b, b / a if a else float("nan")

    criteria: dict[str, Any] = {}
    rss_a, rss_b, rss_r = ratio(lambda s: s.rss_mb)
    criteria["rss_growth"] = {
        "first_mb": round(rss_a, 1),
        "last_mb": round(rss_b, 1),
        "growth_pct": _round(100 * (rss_r - 1), 1),
        "bound_pct": options.rss_growth_pct,
        "pass": rss_r - 1 <= options.rss_growth_pct / 100,
    }
    first_lat = [ms for t, ms in tally.voice if warm <= t < warm + window]
    last_lat = [ms for t, ms in tally.voice if t >= duration_s - window]
    p95_a, p95_b = percentile(first_lat, 0.95), percentile(last_lat, 0.95)
    criteria["voice_p95"] = {
        "first_ms": _round(p95_a),
        "last_ms": _round(p95_b),
        "first_turns": len(first_lat),
        "last_turns": len(last_lat),
        "change_pct": _round(100 * (p95_b / p95_a - 1), 1),
        "bound_pct": options.p95_pct,
        "pass": bool(first_lat and last_lat) and p95_b <= p95_a * (1 + options.p95_pct / 100),
    }
    for name, pick in (("fds", lambda s: float(s.fds)), ("tasks", lambda s: s.tasks)):
        a, b, r = ratio(pick)
        before, after = pick(idle_before), pick(idle_after)
        criteria[f"{name}_flat"] = {
            "first_median": a,
            "last_median": b,
            "change_pct": _round(100 * (r - 1), 1),
            "idle_before": before,
            "idle_after": after,
            "bound_pct": options.flat_pct,
            "idle_slack": options.idle_slack,
            "pass": r - 1 <= options.flat_pct / 100 and after <= before + options.idle_slack,
        }
    # Descriptors: pools may grow to their bounds and keep them (bench/fd_budget.py); what is not
    # pooled comes back to its level before the load.
    busiest: dict[str, int] = {}
    for s in samples:
        for kind, count in s.fd_kinds.items():
            busiest[kind] = max(busiest.get(kind, 0), count)
    by_kind = judge_fds(
        pool_bounds(settings), idle_before.fd_kinds, idle_after.fd_kinds, busiest, options.idle_slack
    )
    fds = criteria["fds_flat"]
    flat_under_load = fds["last_median"] <= fds["first_median"] * (1 + options.flat_pct / 100)
    fds.update(by_kind)
    fds["pass"] = flat_under_load and by_kind["pass"]
    criteria["no_failures"] = {
        "calls_failed": tally.calls_failed,
        "chats_failed": tally.chat_failed,
        "chat_messages_unanswered": tally.chat_unanswered,
        "pass": tally.calls_failed == 0 and tally.chat_failed == 0 and tally.chat_unanswered == 0,
    }
    return criteria


def by_minute(samples: list[Sample], tally: Tally, duration_s: float) -> list[dict[str, Any]]:
    rows = []
    for minute in range(int(-(-duration_s // 60))):
        lo, hi = minute * 60, (minute + 1) * 60
        inside = [s for s in samples if lo <= s.t < hi]
        latencies = [ms for t, ms in tally.voice if lo <= t < hi]
        rows.append(
            {
                "minute": minute,
                "voice_turns": len(latencies),
                "voice_p95_ms": round(percentile(latencies, 0.95)) if latencies else None,
                "rss_mb": max((s.rss_mb for s in inside), default=None),
                "fds": max((s.fds for s in inside), default=None),
                "tasks": max((s.tasks for s in inside), default=None),
                "load1": max((s.load1 for s in inside), default=None),
            }
        )
    return rows


async def soak(options: Options) -> dict[str, Any]:
    import httpx

    gateway = Gateway(options)
    started_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    phases: dict[str, float] = {}
    mark = time.monotonic()

    def phase(name: str) -> None:
        nonlocal mark
        phases[name] = round(time.monotonic() - mark, 1)
        mark = time.monotonic()
        print(f"soak: {name} {phases[name]} s", file=sys.stderr, flush=True)

    try:
        await gateway.prepare()
        phase("database prepared")
        scripts = await caller_turns(max(2 * options.calls, 4), options.turns, False)
        phase("caller audio synthesized")
        await gateway.start()
        phase("gateway started")
        ws = f"ws://127.0.0.1:{gateway.port}"
        tally = Tally()
        samples: list[Sample] = []
        stop = asyncio.Event()
        # Traced, the gateway is slower, and stalls while it writes a snapshot.
        async with httpx.AsyncClient(timeout=180 if options.tracemalloc else 30) as client:
            idle_before = await sample(gateway, client, 0.0)
            t0 = time.monotonic()
            load = [
                *(caller(f"{ws}/twilio/stream", scripts, i, stop, tally, t0) for i in range(options.calls)),
                *(visitor(f"{ws}/chat/ws", options, stop, tally) for _ in range(options.chats)),
            ]
            running = [asyncio.create_task(job) for job in load]
            duration_s = options.minutes * 60
            snapshots: list[int] = []  # --tracemalloc: after the warm-up, at the end, idle
            while (t := time.monotonic() - t0) < duration_s:
                if options.tracemalloc and not snapshots and t >= options.warmup_minutes * 60:
                    snapshots.append(await gateway.snapshot())
                samples.append(await sample(gateway, client, t))
                if gateway.proc is not None and gateway.proc.poll() is not None:
                    raise SystemExit(f"the gateway exited: {gateway.log_tail()}")
                await asyncio.sleep(min(options.sample_s, max(0.0, duration_s - (time.monotonic() - t0))))
            phase("load")
            if snapshots:
                snapshots.append(await gateway.snapshot())
            stop.set()  # callers and visitors finish what they are in, then stop
            await asyncio.gather(*running)
            load_s = time.monotonic() - t0
            phase("calls and chats in progress finished")
            # The visitors left open chats behind: the abandoned-chat sweep closes them.
            still_open = await until_closed(gateway, options.abandoned_after_s * 2 + 60)
            await asyncio.sleep(options.sample_s)  # the last connections' tasks wind down
            idle_after = await sample(gateway, client, time.monotonic() - t0)
            if snapshots:
                snapshots.append(await gateway.snapshot())
            phase("conversations closed")
        memory = None
        if len(snapshots) == 3:
            from traced_serve import compare

            memory = {
                "warmup_to_end": compare(gateway.traces, snapshots[0], snapshots[1]),
                "warmup_to_idle": compare(gateway.traces, snapshots[0], snapshots[2]),
            }
        exit_code = await gateway.stop()
        phase("gateway stopped")
        verify_code, verify_out = await gateway.cli("audit", "verify")
        phase("audit verified")
        conversations = await count_conversations(gateway)
        criteria = judge(options, samples, idle_before, idle_after, tally, duration_s, gateway.settings)
        warmed = next((x for x in samples if x.t >= options.warmup_minutes * 60), samples[-1])
        criteria["audit_verifies"] = {"exit_code": verify_code, "pass": verify_code == 0}
        criteria["conversations_closed"] = {
            "open": still_open,
            "total": conversations,
            "pass": still_open == 0,
        }
        if verify_code != 0:
            print(verify_out, file=sys.stderr)
        voice = [ms for _, ms in tally.voice]
        return {
            "started": started_at,
            "command": " ".join(sys.argv),
            "options": {k: v for k, v in vars(options).items()},
            "cpus": os.cpu_count(),
            "load_s": round(load_s, 1),
            "phases_s": phases,
            "calls_done": tally.calls_done,
            "voice_turns": len(voice),
            "voice_p50_ms": round(percentile(voice, 0.5)) if voice else None,
            "voice_p95_ms": round(percentile(voice, 0.95)) if voice else None,
            "chats_done": tally.chats_done,
            "chat_replies": len(tally.chat_latencies_ms),
            "chat_p95_ms": round(percentile(tally.chat_latencies_ms, 0.95))
            if tally.chat_latencies_ms
            else None,
            "errors": sorted(tally.call_errors | tally.chat_errors)[:10],
            "gateway_exit_code": exit_code,
            "idle_before": vars(idle_before),
            "idle_after": vars(idle_after),
            "fds_by_kind": {  # bench/fd_budget.py says what each kind is
                "idle_before": idle_before.fd_kinds,
                "warmed_up": warmed.fd_kinds,
                "end_of_load": samples[-1].fd_kinds,
                "idle_after": idle_after.fd_kinds,
            },
            "load1_min_max": [min(s.load1 for s in samples), max(s.load1 for s in samples)]
            if samples
            else None,
            "load1_median": _median([s.load1 for s in samples]),
            "minutes": by_minute(samples, tally, duration_s),
            "tracemalloc": memory,
            "criteria": criteria,
            "passed": all(c["pass"] for c in criteria.values()),
        }
    finally:
        await gateway.stop()
        await gateway.cleanup()


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Options()
    parser.add_argument("--minutes", type=float, default=defaults.minutes)
    parser.add_argument("--calls", type=int, default=defaults.calls, help="concurrent simulated calls")
    parser.add_argument("--chats", type=int, default=defaults.chats, help="concurrent chat visitors")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default=defaults.database)
    parser.add_argument("--redis-url", default=None, help="e.g. redis://127.0.0.1:6379/0")
    parser.add_argument("--warmup-minutes", type=float, default=defaults.warmup_minutes)
    parser.add_argument("--window-minutes", type=float, default=defaults.window_minutes)
    parser.add_argument("--sample-s", type=float, default=defaults.sample_s)
    parser.add_argument("--turns", type=int, default=defaults.turns, help="caller turns per call (max 5)")
    parser.add_argument("--chat-messages", type=int, default=defaults.chat_messages)
    parser.add_argument("--chat-think", default="10,20", help="min,max seconds between a reply and the next")
    parser.add_argument("--abandoned-after-s", type=float, default=defaults.abandoned_after_s)
    parser.add_argument("--rss-growth-pct", type=float, default=defaults.rss_growth_pct)
    parser.add_argument("--p95-pct", type=float, default=defaults.p95_pct)
    parser.add_argument("--flat-pct", type=float, default=defaults.flat_pct)
    parser.add_argument("--idle-slack", type=int, default=defaults.idle_slack)
    parser.add_argument("--keep", action="store_true", help="keep the data directory and database")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace the gateway's allocations; print what grew from the warm-up to the end and to idle",
    )
    parser.add_argument("--json-out", default=None, help="also write the summary to this file")
    args = parser.parse_args(argv)
    think = tuple(float(x) for x in args.chat_think.split(","))
    values = {k: v for k, v in vars(args).items() if k not in ("json_out", "chat_think")}
    return Options(**values, chat_think=(think[0], think[1]))


def main() -> None:
    options = parse()
    json_out = next((sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--json-out"), None)
    summary = asyncio.run(soak(options))
    text = json.dumps(summary, indent=1)
    print(text, flush=True)
    if json_out:
        Path(json_out).write_text(text + "\n")
    for name, criterion in summary["criteria"].items():
        print(f"{'PASS' if criterion['pass'] else 'FAIL'} {name}: {criterion}", file=sys.stderr)
    sys.exit(0 if summary["passed"] else 1)


if __name__ == "__main__":
    main()
