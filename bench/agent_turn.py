"""Offline agent turn latency: one user turn in, the whole reply out, against the demo practice.

    .venv/bin/python bench/agent_turn.py [--rounds 20]

On a seeded SQLite file database with a fixed clock, each round is one scripted conversation
with a different patient (book with a named doctor at a time → verify → yes → move it → yes →
list → cancel → yes → goodbye), driven through the real `AgentRuntime` with the offline planner,
the state round-tripped through JSON between turns as the gateway does. Prints p50/p95/max
milliseconds per turn overall and by kind of turn. The audit sink is in memory: the hash-chained
store's append cost is `bench/audit_append.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.api import ConversationState, ReplyDelta, UserTurn
from agents.events import MemoryAuditSink
from agents.factory import build_agent, fixed_clock
from connectors.demo import DemoConnector, metadata, seed_demo
from connectors.demo.seed import APPOINTMENTS, PATIENTS

TZ = "America/New_York"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(TZ))  # a Tuesday morning

SCRIPT = [
    ("request", "hi i'd like to book with doctor patel next tuesday at ten"),
    ("identity", "{first} {last} {dob:%B} {dob.day} {dob.year}"),
    ("confirm write", "yes"),
    ("request", "actually can i move it to wednesday at two thirty"),
    ("confirm write", "yeah go ahead"),
    ("list", "when is my appointment"),
    ("request", "please cancel it"),
    ("confirm write", "yes"),
    ("goodbye", "no that's all"),
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def line(label: str, samples: list[float]) -> str:
    return (
        f"{label:<15} n={len(samples):<4} p50 {statistics.median(samples):6.2f} ms  "
        f"p95 {percentile(samples, 0.95):6.2f} ms  max {max(samples):6.2f} ms"
    )


async def main(rounds: int, verbose: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp}/demo.db")
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with async_sessionmaker(engine)() as s, s.begin():
            await seed_demo(s, NOW.date(), TZ)
        demo = DemoConnector(engine, TZ, clock=fixed_clock(NOW))
        agent = build_agent(
            connector=demo, audit=MemoryAuditSink(), timezone=TZ, business_name="Riverside Family Clinic",
            clock=fixed_clock(NOW),
        )  # fmt: skip
        with_visits = {patient for _, patient, *_ in APPOINTMENTS}
        patients = [p for p in PATIENTS if p[0] not in with_visits]
        by_kind: dict[str, list[float]] = defaultdict(list)
        completed = 0
        for n in range(rounds):
            _pid, first, last, dob, _, _ = patients[n % len(patients)]
            state = ConversationState(conversation_id=f"bench-{n}", channel="voice")
            replies = []
            for kind, template in SCRIPT:
                text = template.format(first=first.lower(), last=last.lower(), dob=dob)
                started = time.perf_counter()
                outs = [o async for o in agent.respond(state, UserTurn(text=text, channel="voice"))]
                state = ConversationState.model_validate_json(state.model_dump_json())
                by_kind[kind].append((time.perf_counter() - started) * 1000)
                replies.append(" ".join(o.text for o in outs if isinstance(o, ReplyDelta)))
            ok = state.ended and replies[-2].startswith("Done. Your appointment")
            completed += ok
            if not ok and verbose:
                print(f"{first} {last}:", *replies, sep="\n  ")
        await engine.dispose()
    every = [x for samples in by_kind.values() for x in samples]
    print(f"offline agent, demo practice on SQLite, {rounds} conversations x {len(SCRIPT)} turns")
    print(f"conversations that booked, moved and cancelled as scripted: {completed}/{rounds}")
    print(line("all turns", every))
    for kind, samples in by_kind.items():
        print(line(kind, samples))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(parser.parse_args().rounds))
