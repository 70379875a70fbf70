"""Chat load: N concurrent chat sessions against one gateway process with the offline planner.

    .venv/bin/python bench/chat_load.py [--sessions 100,500,1000] [--messages 3] [--think 10,20]

Load model: N visitors connect (in waves of 50) and stay connected together; each is greeted, then
sends `--messages` messages, each `--think` seconds (uniform, default 10-20 s, mean 15 s) after the
reply to the previous one, the pace of a person reading and typing. So N sessions offer about
N / 15 messages per second (1,000 -> ~67/s), spread evenly, not in lock-step.

For each N a fresh gateway (own SQLite file, demo practice seeded, chat rate limits raised so the
bench is not refused; WebSocket compression off and the garbage collector tuned as `frontdesk
serve` does) runs in a child process on 127.0.0.1. Reported per N: offered messages/s and the
achieved average over the whole run (lower: it includes the first think time and the ragged end
of the run), p50/p99/max reply latency (message
sent -> `bot.final` received, measured by the client), lost messages (no reply, or a gap in the
sequence numbers a session received), sessions the agent handed to a person (random questions
make the offline planner give up on some; their later messages must be echoed and stored for
staff, with no bot reply, and are not in the latency figures), the gateway's CPU time per message while the sessions talk
(a figure that does not depend on what else runs on the machine), the client's own event-loop lag
p99 (how much of the latency is the load generator), the gateway's resident memory and memory per
held session, and the machine's 1-minute load average. After the gateway stops, its database is
checked: every visitor message stored as a turn, every session's chat events stored without a
gap, and the audit chain verifies.

`--url ws://HOST:PORT/chat/ws` drives the sessions against a gateway already running (no child,
no storage check) until a line is read on stdin: it prints `ready` once every session is
connected and greeted, and at the end one JSON line of reply latencies. bench/voice_latency.py's
`--chat-sessions` runs it beside its calls (in its own process, so the simulated callers'
timing is not the chat clients').

CHATLOAD_PROBE=1 makes the gateway report event-loop stalls, collector pauses and CPU per thread
on stderr (CHATLOAD_PROBE=slow: asyncio debug's slow-callback log); CHATLOAD_GC=default serves
with Python's default collector settings, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procstat import cpu_s, free_port, rss_mb  # noqa: E402  (this script's folder is on sys.path)

QUESTIONS = ["which doctors do you have?", "what are your opening hours?", "thanks", "hello"]


def bench_settings(data_dir: str):  # type: ignore[no-untyped-def]
    from gateway.settings import Settings

    return Settings(
        data_dir=Path(data_dir),
        log_level="WARNING",
        preload_models=False,
        chat_ip_connect_burst=100_000,
        chat_ip_rate_burst=100_000,
        chat_ip_rate_per_s=100_000,
        chat_rate_burst=100,
    )


def serve(data_dir: str, port: int) -> None:
    """Child process: migrate, seed and serve one gateway. With CHATLOAD_PROBE=1 it also reports
    event-loop stalls over 20 ms and garbage-collector pauses over 5 ms on stderr."""
    import uvicorn
    from uvicorn._compat import asyncio_run

    from gateway.app import create_app
    from tests.conftest import prepare_database

    settings = bench_settings(data_dir)
    asyncio.run(prepare_database(settings))
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        backlog=4096,
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)

    if os.environ.get("CHATLOAD_GC") != "default":  # as `frontdesk serve` does
        from gateway.gc_tuning import tune_for_server

        tune_for_server()

    async def run() -> None:
        probing: asyncio.Task[None] | None = None  # held: the loop keeps only weak references
        if os.environ.get("CHATLOAD_PROBE"):
            probe_gc()
            probing = asyncio.create_task(probe_loop())
            if os.environ.get("CHATLOAD_PROBE") == "slow":
                import logging

                logging.basicConfig()
                loop = asyncio.get_running_loop()
                loop.set_debug(True)
                loop.slow_callback_duration = 0.02
        try:
            await server.serve()
        finally:
            if probing is not None:
                probing.cancel()

    # uvloop, as `uvicorn.run` would pick; the plain asyncio loop when probing slow callbacks.
    slow_probe = os.environ.get("CHATLOAD_PROBE") == "slow"
    asyncio_run(run(), loop_factory=asyncio.new_event_loop if slow_probe else config.get_loop_factory())


def probe_gc() -> None:
    import gc

    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        elif (ms := (time.perf_counter() - started[0]) * 1000) > 5:
            print(f"probe: gc gen{info['generation']} {ms:.0f} ms", file=sys.stderr, flush=True)

    gc.callbacks.append(callback)


async def probe_loop() -> None:
    while True:
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        if (ms := (time.perf_counter() - t - 0.005) * 1000) > 20:
            print(f"probe: event loop stalled {ms:.0f} ms", file=sys.stderr, flush=True)


def print_thread_cpu(pid: int) -> None:
    """CPU seconds per thread of the gateway: the event loop vs aiosqlite's connection threads."""
    rows = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        rows.append(((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), task.name, name))
    for seconds, tid, name in sorted(rows, reverse=True)[:8]:
        print(f"probe: thread {tid} {name}: {seconds:.1f} s CPU", file=sys.stderr)


def load1() -> float:
    return os.getloadavg()[0]


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


class Session:
    def __init__(self, url: str, messages: int, think: tuple[float, float]) -> None:
        self.url = url
        self.messages = messages
        self.think = think
        self.latencies: list[float] = []
        self.unanswered = 0
        self.failures: list[str] = []
        self.status = "bot"
        self.to_staff = 0  # messages sent after a handoff: stored for staff, echoed, no bot reply
        self.gap = False
        self.seqs: list[int] = []
        self.ws = None

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, open_timeout=60, ping_interval=None, compression=None)
        await self.ws.send(json.dumps({"v": 1, "type": "hello"}))
        await self._until(lambda f: f["type"] == "welcome")
        await self._until(lambda f: f["type"] == "bot.final")

    async def _until(self, match, within_s: float = 60.0) -> dict:  # type: ignore[no-untyped-def]
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), within_s))  # type: ignore[union-attr]
            if frame.get("seq") is not None and frame["type"] != "welcome":
                self.seqs.append(frame["seq"])
            if frame["type"] == "status":
                self.status = frame["status"]
            if frame["type"] == "error":
                raise RuntimeError(f"{frame['code']}: {frame['message']}")
            if match(frame):
                return frame

    async def converse(self) -> None:
        for n in range(self.messages):
            await asyncio.sleep(random.uniform(*self.think))
            cid = f"m{n}"
            sent = time.perf_counter()
            frame = {"v": 1, "type": "message", "text": random.choice(QUESTIONS), "client_id": cid}
            await self.ws.send(json.dumps(frame))  # type: ignore[union-attr]

            # After a handoff the bot stays quiet: the message must still be stored and echoed.
            # (The status frame of a handoff comes after the reply that announced it.)
            def answered(f: dict, c: str = cid) -> bool:  # type: ignore[type-arg]
                if f["type"] == "bot.final":
                    return f["in_reply_to"] == c
                return f["type"] == "visitor.message" and f["client_id"] == c and self.status != "bot"

            try:
                frame = await self._until(answered)
            except (TimeoutError, RuntimeError) as exc:
                self.unanswered += 1
                self.failures.append(f"{type(exc).__name__}: {exc}"[:80])
                continue
            if frame["type"] == "bot.final":
                self.latencies.append(time.perf_counter() - sent)
            else:
                self.to_staff += 1
        self.gap = self.seqs != list(range(1, len(self.seqs) + 1))
        await self.ws.close()  # type: ignore[union-attr]


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late the client's own event loop wakes up: latency the load generator adds."""
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(time.perf_counter() - t - 0.01)


async def check_storage(data_dir: str, sessions: int, messages: int) -> str:
    """After the gateway stopped: visitor turns, chat events and the audit chain, from its database."""
    from sqlalchemy import func, select

    from gateway.store.audit import AuditLog
    from gateway.store.db import Database
    from gateway.store.models import ChatMessageRow, TurnRow

    db = Database(bench_settings(data_dir).database_url)
    try:
        async with db.session() as s:
            visitor_turns = await s.scalar(select(func.count()).where(TurnRow.speaker == "caller"))
            per_conversation = (
                await s.execute(
                    select(func.count(), func.max(ChatMessageRow.seq)).group_by(
                        ChatMessageRow.conversation_id
                    )
                )
            ).all()
        gaps = sum(1 for count, top in per_conversation if count != top)
        verified = await AuditLog(db).verify()
    finally:
        await db.close()
    problems = []
    if visitor_turns != sessions * messages:
        problems.append(f"{visitor_turns} visitor turns stored of {sessions * messages}")
    if len(per_conversation) != sessions or gaps:
        problems.append(f"chat events: {len(per_conversation)} conversations, {gaps} with gaps")
    if not verified.ok:
        problems.append(f"audit chain: {verified}")
    return "; ".join(problems) or "ok"


async def run_case(n: int, messages: int, think: tuple[float, float]) -> dict[str, float | str]:
    data_dir = tempfile.mkdtemp(prefix="chatload-")
    port = free_port()
    proc = await asyncio.to_thread(
        subprocess.Popen, [sys.executable, __file__, "--serve", data_dir, str(port)], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gateway did not start") from None
                await asyncio.sleep(0.1)
        base_rss = rss_mb(proc.pid)
        url = f"ws://127.0.0.1:{port}/chat/ws"
        sessions = [Session(url, messages, think) for _ in range(n)]
        t0 = time.perf_counter()
        # Connect in waves so the accept backlog is not the thing measured.
        for i in range(0, n, 50):
            await asyncio.gather(*(s.connect() for s in sessions[i : i + 50]))
        connect_s = time.perf_counter() - t0
        held_rss = rss_mb(proc.pid)
        lag: list[float] = []
        stop = asyncio.Event()
        lag_task = asyncio.create_task(loop_lag(lag, stop))
        load_before, cpu_before, t1 = load1(), cpu_s(proc.pid), time.perf_counter()
        await asyncio.gather(*(s.converse() for s in sessions))
        elapsed, server_cpu = time.perf_counter() - t1, cpu_s(proc.pid) - cpu_before
        stop.set()
        await lag_task
        load_after = load1()
        if os.environ.get("CHATLOAD_PROBE"):
            print_thread_cpu(proc.pid)
    finally:
        proc.terminate()  # uvicorn shuts down gracefully: the outbox and audit queues are flushed
        await asyncio.to_thread(proc.wait, 60)
    failures = Counter(f for s in sessions for f in s.failures)
    for failure, count in failures.most_common(5):
        print(f"  {count} x {failure}", file=sys.stderr)
    storage = await check_storage(data_dir, n, messages)
    shutil.rmtree(data_dir, ignore_errors=True)
    latencies = sorted(x for s in sessions for x in s.latencies)
    answered = len(latencies) + sum(s.to_staff for s in sessions)
    return {
        "sessions": n,
        "connect_s": connect_s,
        "offered": n / (sum(think) / 2),
        "msgs_per_s": answered / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
        "max_ms": latencies[-1] * 1000,
        "lost": sum(s.unanswered for s in sessions) + sum(s.gap for s in sessions),
        "handed_off": sum(s.status != "bot" for s in sessions),
        "cpu_ms": server_cpu * 1000 / max(1, answered),
        "lag_p99_ms": pct(sorted(lag), 0.99) * 1000,
        "rss_mb": held_rss,
        "kb_per_session": (held_rss - base_rss) * 1024 / n,
        "load": f"{load_before:.1f}-{load_after:.1f}",
        "storage": storage,
    }


async def visit_until_stopped(url: str, n: int, think: tuple[float, float]) -> None:
    """`--url`: N sessions talk (one message per `think` after each reply) until stdin has a line."""
    sessions = [Session(url, 0, think) for _ in range(n)]
    for i in range(0, n, 50):
        await asyncio.gather(*(s.connect() for s in sessions[i : i + 50]))
    print("ready", flush=True)
    stop = asyncio.Event()
    lag: list[float] = []
    lag_task = asyncio.create_task(loop_lag(lag, stop))
    load_before, t0 = load1(), time.perf_counter()
    talking = [asyncio.create_task(_talk(s, stop)) for s in sessions]
    await asyncio.to_thread(sys.stdin.readline)
    stop.set()
    await asyncio.gather(*talking, lag_task)
    elapsed = time.perf_counter() - t0
    latencies = sorted(x for s in sessions for x in s.latencies)
    result = {
        "chat_sessions": n,
        "chat_replies": len(latencies),
        "chat_msgs_per_s": round(len(latencies) / elapsed, 1),
        "chat_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "chat_p99_ms": round(pct(latencies, 0.99) * 1000, 1) if latencies else None,
        "chat_max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "chat_unanswered": sum(s.unanswered for s in sessions),
        "chat_client_lag_p99_ms": round(pct(sorted(lag), 0.99) * 1000, 1) if lag else None,
        "chat_load_1m": f"{load_before:.1f}-{load1():.1f}",
    }
    print(json.dumps(result), flush=True)


async def _talk(session: Session, stop: asyncio.Event) -> None:
    """One visitor: a message `think` seconds after each reply, until `stop`; then hang up."""
    n = 0
    while True:
        try:
            await asyncio.wait_for(stop.wait(), random.uniform(*session.think))
            break
        except TimeoutError:
            pass
        cid, n = f"m{n}", n + 1
        sent = time.perf_counter()
        frame = {"v": 1, "type": "message", "text": random.choice(QUESTIONS), "client_id": cid}
        await session.ws.send(json.dumps(frame))  # type: ignore[union-attr]

        def answered(f: dict, c: str = cid) -> bool:  # type: ignore[type-arg]
            if f["type"] == "bot.final":
                return f["in_reply_to"] == c
            return f["type"] == "visitor.message" and f["client_id"] == c and session.status != "bot"

        try:
            reply = await session._until(answered)
        except (TimeoutError, RuntimeError) as exc:
            session.unanswered += 1
            session.failures.append(f"{type(exc).__name__}: {exc}"[:80])
            continue
        if reply["type"] == "bot.final":
            session.latencies.append(time.perf_counter() - sent)
    await session.ws.close()  # type: ignore[union-attr]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", default="100,500,1000")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument(
        "--think", default="10,20", help="min,max seconds between a reply and the next message"
    )
    parser.add_argument("--url", default=None, help="a running gateway's ws://HOST:PORT/chat/ws (see above)")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    if args.url is not None:
        await visit_until_stopped(args.url, int(args.sessions), think)  # type: ignore[arg-type]
        return
    print(
        f"chat load: {args.messages} messages per session, think {think[0]:g}-{think[1]:g} s"
        f" (one message per {sum(think) / 2:g} s per session), offline planner, {os.cpu_count()} CPUs"
    )
    print(
        f"{'sessions':>8} {'connect s':>9} {'offered/s':>9} {'msgs/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'max ms':>7} {'lost':>5} {'handoffs':>8} {'CPU ms/msg':>10} {'client lag p99':>14} {'RSS MB':>7}"
        f" {'KB/sess':>8} {'load 1m':>9}  stored"
    )
    for n in (int(x) for x in args.sessions.split(",")):
        r = await run_case(n, args.messages, think)  # type: ignore[arg-type]
        print(
            f"{r['sessions']:>8} {r['connect_s']:>9.1f} {r['offered']:>9.1f} {r['msgs_per_s']:>7.1f}"
            f" {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['max_ms']:>7.1f} {r['lost']:>5} {r['handed_off']:>8}"
            f" {r['cpu_ms']:>10.2f} {r['lag_p99_ms']:>14.1f} {r['rss_mb']:>7.0f}"
            f" {r['kb_per_session']:>8.1f} {r['load']:>9}  {r['storage']}",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        os.environ.setdefault("FRONTDESK_LOG_JSON", "true")
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        asyncio.run(main())
