"""Voice latency: N concurrent simulated phone calls against one gateway with the embedded defaults.

    .venv/bin/python bench/voice_latency.py [--calls 1,5,10,20] [--turns 5] [--stagger-s 10] [--seed 1] [--same-script]
        [--url ws://HOST:PORT/twilio/stream --pid PID] [--chat-sessions N [--chat-think 10,20]]

Without --url a fresh gateway (own SQLite database, demo practice seeded, Whisper tiny.en, Piper
joe-medium and the offline planner preloaded) runs in a child process on 127.0.0.1. Each call is
the simulator of `frontdesk call --realtime`: signed webhook, signed media stream, caller audio
and bot playback in real time, marks echoed as played. Callers speak Piper-synthesized phrases,
each after the bot has finished its reply; call starts are spread at random over `--stagger-s`
seconds (default 10, about one turn cycle: in steady traffic, calls are at independent points of
their conversations; `--stagger-s 2` makes a burst in which every caller's turns end together,
which on 2 cores queues Whisper runs and first sentences behind each other). Each call is
a different demo patient asking in different words for a different doctor and day (`--same-script`:
every call says the same), so the bot's replies differ between calls as on a real line.

Reported per N: p50/p95 of caller stops speaking -> first bot audio (measured by the caller),
the gateway's breakdown (end-of-turn wait, STT still to wait after the end of the turn, planning,
TTS first chunk; medians), how often the speculative transcript was used, how often the bot
started talking before the caller had finished, how often a reply fell silent for over 100 ms
before its next sentence came (`gap_pct`, `longest_gap_ms`: later sentences synthesized late),
and the gateway's memory: resident size before the calls and at their peak. Memory per call is
measured apart, on calls held silent on the line: greeted only, before the busy levels (open calls),
and after them with two turns answered each (active calls: a verified caller, slots offered).

`--chat-sessions N`: a mixed box. During each level N chat visitors talk to the same gateway
(bench/chat_load.py's sessions, in a process of their own: connected and greeted before the
calls ring, then one message `--chat-think` seconds after each reply, default 10-20 s, until the
level's calls end); the level's line then also gives the chat replies' latency (`chat_*`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procstat import cpu_s, free_port, rss_mb  # noqa: E402  (this script's folder is on sys.path)

AUTH_TOKEN = "bench-twilio-token"
GAP_MS = 100  # silence inside a reply a caller notices

# Each simulated call is a different patient of the demo practice asking for a different doctor,
# day and slot, in different words, so the bot's sentences (names, dates, times) differ between
# calls as they would on a real line: only the greeting and stock questions repeat. `--same-script`
# gives every call Sarah Johnson's script instead (the phrase cache then serves almost every reply).
CALLERS = [  # (caller phone, date of birth as said) of demo patients with their own number
    ("+15035550101", "March 14th 1985"),
    ("+15035550102", "November 2nd 1972"),
    ("+15035550103", "July 23rd 1990"),
    ("+15035550104", "January 30th 1965"),
    ("+15035550105", "May 9th 1998"),
    ("+15035550106", "September 17th 1958"),
    ("+15035550107", "December 5th 2001"),
    ("+15035550108", "April 21st 1979"),
    ("+15035550109", "August 11th 1993"),
    ("+15035550110", "June 28th 1969"),
    ("+15035550111", "February 3rd 1987"),
    ("+15035550114", "July 4th 1975"),
    ("+15035550115", "January 25th 1996"),
    ("+15035550116", "March 6th 1961"),
    ("+15035550117", "November 15th 1989"),
    ("+15035550118", "September 1st 2004"),
    ("+15035550119", "May 27th 1977"),
    ("+15035550120", "December 12th 1992"),
    ("+15035550121", "August 20th 1968"),
    ("+15035550122", "June 16th 1984"),
]
OPENINGS = [
    "Hi, I would like to book an appointment please.",
    "Hello, I need to see a doctor.",
    "Good morning, can I make an appointment?",
    "Hi there, I'd like to schedule a visit.",
    "Hello, I want to book a check up.",
]
BIRTH_DATES = ["My date of birth is {}.", "It's {}.", "I was born on {}.", "Sure, {}."]
DOCTORS = ["Doctor Patel", "Doctor Chen", "Doctor Rodriguez"]
DAYS = ["next Tuesday", "on Wednesday", "on Thursday", "next Monday", "on Friday", "next Wednesday"]
PARTS = ["morning", "afternoon", "in the morning", "after lunch"]
CHOICES = ["The first one please.", "The second one.", "I'll take the last one.", "The first one works."]
CONFIRMATIONS = ["Yes, that's right.", "Yes please.", "Correct.", "Yes, go ahead."]
SAME_SCRIPT = [
    "Hi, I would like to book an appointment please.",
    "My date of birth is March 14th 1985.",
    "With Doctor Patel next Tuesday morning.",
    "The first one please.",
    "Yes, that's right.",
]


def caller_script(index: int, turns: int, same: bool) -> tuple[str, list[str]]:
    """The caller's number and what they say, turn by turn, for the index-th call of a level."""
    if same:
        return CALLERS[0][0], SAME_SCRIPT[:turns]
    phone, birth = CALLERS[index % len(CALLERS)]
    pick = random.Random(index)
    request = f"With {pick.choice(DOCTORS)} {pick.choice(DAYS)} {pick.choice(PARTS)}."
    lines = [
        pick.choice(OPENINGS),
        pick.choice(BIRTH_DATES).format(birth),
        request,
        pick.choice(CHOICES),
        pick.choice(CONFIRMATIONS),
    ]
    return phone, lines[:turns]


def serve(data_dir: str, port: int) -> None:
    """Child process: migrate, seed and serve one gateway with the models preloaded."""
    from gateway.app import create_app
    from gateway.cli.serve import run_server
    from gateway.settings import Settings
    from tests.conftest import prepare_database

    settings = Settings(
        data_dir=Path(data_dir),
        log_level="WARNING",
        preload_models=True,
        twilio_auth_token=AUTH_TOKEN,
        public_url=f"http://127.0.0.1:{port}",
        # Many chat visitors from one address (--chat-sessions) must not be refused.
        chat_ip_connect_burst=100_000,
        chat_ip_rate_burst=100_000,
        chat_ip_rate_per_s=100_000,
        chat_rate_burst=100,
        chat_max_connections_per_ip=100_000,
    )
    asyncio.run(prepare_database(settings))
    run_server(create_app(settings), "127.0.0.1", port, log_level="warning", backlog=1024)


class RssSampler:
    """The gateway's peak resident size while calls run (sampled every 50 ms in a thread)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            if self.pid:
                self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def own_cpu_s() -> float:
    """CPU seconds this bench process (the simulated callers) has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def one_call(url: str, script: tuple[str, list], delay: float):  # type: ignore[no-untyped-def]
    from gateway.clients.call_simulator import CallSimulator

    phone, turns = script
    await asyncio.sleep(delay)  # staggered start: callers do not all ring in the same instant
    simulator = CallSimulator(url, AUTH_TOKEN, realtime=True, caller_number=phone, reply_timeout_s=60)
    return await simulator.run(turns)


def start_delays(calls: int, stagger_s: float, seed: int) -> list[float]:
    """When each call rings, in seconds after the first could: uniform over `stagger_s`, repeatable
    (runs of two versions of the gateway meet the same pattern of coinciding turns)."""
    pick = random.Random(seed)
    return [pick.uniform(0, stagger_s) for _ in range(calls)]


async def caller_turns(calls: int, turns: int, same: bool) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    """Each call's number and Piper-synthesized turns (each distinct phrase synthesized once)."""
    from gateway.clients.call_simulator import text_turns
    from speech.tts import TextToSpeech

    tts = await asyncio.to_thread(TextToSpeech.load)
    spoken: dict[str, object] = {}
    scripts = []
    for index in range(calls):
        phone, lines = caller_script(index, turns, same)
        for line in lines:
            if line not in spoken:
                [spoken[line]] = await text_turns([line], tts)
        scripts.append((phone, [spoken[line] for line in lines]))
    tts.close()
    return scripts


async def chat_visitors(url: str, sessions: int, think: str) -> asyncio.subprocess.Process:
    """bench/chat_load.py's visitors against the gateway at `url` (a voice stream's address), in a
    process of their own; returns once every session is connected and greeted."""
    chat_url = url.replace("/twilio/stream", "/chat/ws")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "chat_load.py"),
        "--url",
        chat_url,
        "--sessions",
        str(sessions),
        "--think",
        think,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 300)
    if line.strip() != b"ready":
        raise SystemExit(f"chat visitors did not start: {line!r}")
    return proc


async def chat_results(proc: asyncio.subprocess.Process) -> dict:  # type: ignore[type-arg]
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"stop\n")
    await proc.stdin.drain()
    line = await asyncio.wait_for(proc.stdout.readline(), 120)
    await proc.wait()
    return json.loads(line) if line.strip() else {"chat_error": "no result"}


async def run_level(  # type: ignore[type-arg]
    url: str,
    calls: int,
    scripts: list,
    pid: int | None,
    stagger_s: float,
    seed: int = 1,
    chat_sessions: int = 0,
    chat_think: str = "10,20",
) -> dict:
    chat = await chat_visitors(url, chat_sessions, chat_think) if chat_sessions else None
    base = rss_mb(pid) if pid else 0.0
    started = time.monotonic()
    cpu_before = cpu_s(pid) if pid else 0.0
    bench_cpu_before = own_cpu_s()
    with RssSampler(pid) as sampler:
        results = await asyncio.gather(
            *(
                one_call(url, scripts[i], delay)
                for i, delay in enumerate(start_delays(calls, stagger_s, seed))
            ),
            return_exceptions=True,
        )
    wall = time.monotonic() - started
    gateway_cores = (cpu_s(pid) - cpu_before) / wall if pid else None
    chatting = await chat_results(chat) if chat is not None else {}
    bench_cores = (own_cpu_s() - bench_cpu_before) / wall
    failed = [r for r in results if isinstance(r, BaseException)]
    reports = [r for r in results if not isinstance(r, BaseException)]
    latencies, gateway_latencies, cut_offs, total = [], [], 0, 0
    breakdown: dict[str, list[float]] = {
        "eot_wait_ms": [],
        "stt_ms": [],
        "stt_processing_ms": [],
        "stt_queued_ms": [],
        "planning_ms": [],
        "tts_first_ms": [],
    }
    speculative = 0
    gaps: list[float] = []  # per reply: the longest silence inside it (a sentence synthesized late)
    for report in reports:
        for turn in report.turns:
            total += 1
            cut_offs += int(turn.cut_off)
            if turn.gap_ms is not None and turn.latency_ms is not None:
                gaps.append(turn.gap_ms)
            if os.environ.get("VOICE_BENCH_DEBUG") == "turns":
                print(
                    json.dumps(
                        {
                            "latency_ms": round(turn.latency_ms or 0),
                            **(turn.gateway_timing or {}),
                            "heard": turn.transcribed,
                            "bot": turn.bot,
                            "gap_ms": turn.gap_ms,
                        }
                    ),
                    file=sys.stderr,
                )
            if turn.cut_off and os.environ.get("VOICE_BENCH_DEBUG"):
                print(json.dumps({"cut_off": turn.as_json(), "call": report.call_sid}), file=sys.stderr)
            if turn.latency_ms is not None:
                latencies.append(turn.latency_ms)
            timing = turn.gateway_timing or {}
            if "reply_ms" in timing:
                gateway_latencies.append(float(timing["reply_ms"]))
            speculative += int(bool(timing.get("speculative_stt")))
            for key, values in breakdown.items():
                if key in timing:
                    values.append(float(timing[key]))
    return {
        "calls": calls,
        "failed_calls": len(failed),
        "errors": sorted({repr(f)[:120] for f in failed}),
        "turns": total,
        "p50_ms": round(percentile(latencies, 0.5)),
        "p95_ms": round(percentile(latencies, 0.95)),
        # The same span as the gateway sees it (caller's last voiced audio -> first frame sent):
        # without the simulator's own delays in sending and receiving on the shared cores.
        "gateway_p50_ms": round(percentile(gateway_latencies, 0.5)),
        "gateway_p95_ms": round(percentile(gateway_latencies, 0.95)),
        "breakdown_median_ms": {k: round(statistics.median(v)) if v else None for k, v in breakdown.items()},
        "speculative_stt_used": f"{speculative}/{total}",
        "cut_off_pct": round(100 * cut_offs / total, 1) if total else None,
        # Replies in which the caller heard a silence of over GAP_MS before the next sentence came.
        "gap_pct": round(100 * sum(g > GAP_MS for g in gaps) / len(gaps), 1) if gaps else None,
        "longest_gap_ms": round(max(gaps)) if gaps else None,
        "rss_before_mb": round(base, 1),
        "rss_peak_mb": round(sampler.peak, 1),
        # Peak growth over the level, per call: an upper bound, since it includes the models'
        # working buffers growing to a new high-water mark (one call alone adds ~36 MB that way).
        # What a call itself keeps is `held_memory`'s figure.
        "rss_growth_per_call_mb": round((sampler.peak - base) / calls, 2) if pid else None,
        "gateway_cpu_cores": None if gateway_cores is None else round(gateway_cores, 2),
        "bench_cpu_cores": round(bench_cores, 2),  # the simulated callers, on the same cores
        "machine_load_1m": round(os.getloadavg()[0], 1),
        "wall_s": round(wall, 1),
        **chatting,
    }


async def held_memory(url: str, calls: int, pid: int, scripts: list | None = None) -> dict:  # type: ignore[type-arg]
    """Memory of calls held on the line, silent: greeted only (`scripts` None), or each after its
    first two turns were answered (a verified caller with doctors and slots in the agent's memory).
    The growth while they are held, per call, is what a call keeps beyond the shared models. With
    turns, the same calls are first held once unmeasured: their burst of turns grows the models'
    working buffers (Whisper batches, allocator arenas) to a high-water mark that the measured
    round then reuses, so that growth is not counted as the calls'."""
    rounds = 2 if scripts else 1
    for _ in range(rounds):
        base = rss_mb(pid)
        held = await _hold_calls(url, calls, pid, scripts)
    return {
        "held_calls": calls,
        "turns_before_holding": 2 if scripts else 0,
        "rss_before_mb": round(base, 1),
        "rss_with_calls_open_mb": round(held, 1),
        "mb_per_open_call": round((held - base) / calls, 2),
    }


async def _hold_calls(url: str, calls: int, pid: int, scripts: list | None) -> float:  # type: ignore[type-arg]
    """Ring `calls` calls, play their first turns, and the gateway's resident size while all of
    them are on the line."""
    from gateway.clients.call_simulator import CallSimulator

    hold = asyncio.Event()
    sims, running = [], []
    for index in range(calls):
        phone, turns = scripts[index % len(scripts)] if scripts else ("+15555550123", [])
        sim = CallSimulator(url, AUTH_TOKEN, realtime=True, caller_number=phone, reply_timeout_s=120)
        sims.append(sim)
        running.append(asyncio.create_task(sim.run(turns[:2], hold)))
    await asyncio.wait_for(asyncio.gather(*(sim.idle.wait() for sim in sims)), 300)
    await asyncio.sleep(2.0)  # a couple of seconds of silence on every line
    held = rss_mb(pid)
    hold.set()
    await asyncio.gather(*running)
    return held


async def main(args: argparse.Namespace) -> None:
    levels = [int(n) for n in args.calls.split(",")]
    scripts = await caller_turns(max(levels), args.turns, args.same_script)
    proc = None
    url, pid = args.url, args.pid
    if url is None:
        port = free_port()
        data_dir = tempfile.mkdtemp(prefix="voice-bench-")
        proc = subprocess.Popen([sys.executable, __file__, "--serve", data_dir, str(port)])  # noqa: ASYNC220
        url, pid = f"ws://127.0.0.1:{port}/twilio/stream", proc.pid
        await wait_ready(port)
    try:
        # Warm-up (models' first runs, buffers; the greeting enters the phrase cache), not reported:
        # the first turn (an opening) of the last two scripts.
        warm = [(phone, turns[:1]) for phone, turns in scripts[-2:]]
        await run_level(url, len(warm), warm, pid, args.stagger_s, args.seed)
        if pid and args.idle_calls:  # before the busy levels leave freed memory behind to reuse
            print(json.dumps(await held_memory(url, args.idle_calls, pid)), flush=True)
        for calls in levels:
            level = await run_level(
                url, calls, scripts, pid, args.stagger_s, args.seed, args.chat_sessions, args.chat_think
            )
            print(json.dumps(level), flush=True)
        if pid and args.idle_calls:  # calls in mid-conversation, the models past their high-water
            print(json.dumps(await held_memory(url, args.idle_calls, pid, scripts)), flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


async def wait_ready(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 120
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)  # the child is still loading models
    raise SystemExit("the gateway did not start")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", default="1,5,10,20", help="concurrency levels, comma-separated")
    parser.add_argument("--turns", type=int, default=5, help="caller turns per call (max 5)")
    parser.add_argument("--url", default=None, help="a running gateway's ws://HOST:PORT/twilio/stream")
    parser.add_argument("--pid", type=int, default=None, help="its process id, for memory figures")
    parser.add_argument(
        "--stagger-s", type=float, default=10.0, help="call starts spread over this many seconds"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="of the random call starts: the same seed, the same starts"
    )
    parser.add_argument(
        "--same-script", action="store_true", help="every call the same patient saying the same words"
    )
    parser.add_argument("--idle-calls", type=int, default=20, help="calls held open for the memory figure")
    parser.add_argument(
        "--chat-sessions", type=int, default=0, help="chat visitors talking during each level (see above)"
    )
    parser.add_argument(
        "--chat-think", default="10,20", help="min,max seconds between a chat reply and the next"
    )
    asyncio.run(main(parser.parse_args()))
