"""Chat load: N concurrent chat sessions against one gateway process with the offline planner.

    .venv/bin/python bench/chat_load.py [--sessions 100,500,1000] [--messages 3] [--think 2,6]

For each N, a fresh gateway (own SQLite database, demo practice seeded, chat rate limits raised so
the bench is not refused) runs in a child process on 127.0.0.1. N sessions connect and are held
open at the same time; each is greeted, then sends `--messages` messages, each after the reply to
the previous one plus a random think time (visitors type). Reported per N: messages/s, p50/p99
reply latency (message sent -> `bot.final` received), lost messages (a message without echo or
reply, or a gap in sequence numbers), the gateway's resident memory, and its memory per session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = ["which doctors do you have?", "what are your opening hours?", "thanks", "hello"]


def serve(data_dir: str, port: int) -> None:
    """Child process: migrate, seed and serve one gateway."""
    import uvicorn

    from gateway.app import create_app
    from gateway.settings import Settings
    from tests.conftest import prepare_database

    settings = Settings(
        data_dir=Path(data_dir),
        log_level="WARNING",
        preload_models=False,
        chat_ip_connect_burst=100_000,
        chat_ip_rate_burst=100_000,
        chat_ip_rate_per_s=100_000,
        chat_rate_burst=100,
    )
    asyncio.run(prepare_database(settings))
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", backlog=4096)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Session:
    def __init__(self, url: str, messages: int, think: tuple[float, float]) -> None:
        self.url = url
        self.messages = messages
        self.think = think
        self.latencies: list[float] = []
        self.lost = 0
        self.seqs: list[int] = []
        self.ws = None

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, open_timeout=60, ping_interval=None)
        await self.ws.send(json.dumps({"v": 1, "type": "hello"}))
        await self._until(lambda f: f["type"] == "welcome")
        await self._until(lambda f: f["type"] == "bot.final")

    async def _until(self, match, within_s: float = 60.0) -> dict:  # type: ignore[no-untyped-def]
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), within_s))  # type: ignore[union-attr]
            if frame.get("seq") is not None and frame["type"] != "welcome":
                self.seqs.append(frame["seq"])
            if frame["type"] == "error":
                raise RuntimeError(f"{frame['code']}: {frame['message']}")
            if match(frame):
                return frame

    async def converse(self, start: asyncio.Event) -> None:
        await start.wait()
        for n in range(self.messages):
            await asyncio.sleep(random.uniform(*self.think))
            cid = f"m{n}"
            sent = time.perf_counter()
            await self.ws.send(
                json.dumps({"v": 1, "type": "message", "text": random.choice(QUESTIONS), "client_id": cid})
            )  # type: ignore[union-attr]
            try:
                await self._until(lambda f, cid=cid: f["type"] == "bot.final" and f["in_reply_to"] == cid)
            except (TimeoutError, RuntimeError):
                self.lost += 1
                continue
            self.latencies.append(time.perf_counter() - sent)
        if self.seqs != list(range(1, len(self.seqs) + 1)):
            self.lost += 1
        await self.ws.close()  # type: ignore[union-attr]


async def run_case(n: int, messages: int, think: tuple[float, float]) -> dict[str, float]:
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
        start = asyncio.Event()
        tasks = [asyncio.create_task(s.converse(start)) for s in sessions]
        t1 = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t1
        latencies = sorted(x for s in sessions for x in s.latencies)
        sent = n * messages
        return {
            "sessions": n,
            "connect_s": connect_s,
            "msgs_per_s": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "max_ms": latencies[-1] * 1000,
            "lost": sum(s.lost for s in sessions) + (sent - len(latencies) - sum(s.lost for s in sessions)),
            "rss_mb": held_rss,
            "kb_per_session": (held_rss - base_rss) * 1024 / n,
        }
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", default="100,500,1000")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument(
        "--think", default="5,15", help="min,max seconds between a reply and the next message"
    )
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    print(
        f"chat load: {args.messages} messages per session, think {think[0]:g}-{think[1]:g} s, offline planner"
    )
    print(
        f"{'sessions':>8} {'connect s':>9} {'msgs/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>5} {'RSS MB':>7} {'KB/sess':>8}"
    )
    for n in (int(x) for x in args.sessions.split(",")):
        r = await run_case(n, args.messages, think)  # type: ignore[arg-type]
        print(
            f"{r['sessions']:>8} {r['connect_s']:>9.1f} {r['msgs_per_s']:>7.1f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f}"
            f" {r['max_ms']:>7.1f} {r['lost']:>5} {r['rss_mb']:>7.0f} {r['kb_per_session']:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        os.environ.setdefault("FRONTDESK_LOG_JSON", "true")
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        asyncio.run(main())
