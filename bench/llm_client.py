"""Model-client overhead: what our side adds to a model call, measured against the local fake server.

    .venv/bin/python bench/llm_client.py [--calls 200]

Prints, for a streamed 80-word answer in 6-character chunks and for a streamed pair of parallel
tool calls: median and p95 wall time per call, time to first text delta, and chunks assembled per
second; the time to build a planner prompt from a 40-message history; and to generate the tools'
JSON schemas. The fake server runs in
a thread of the same process, so these are upper bounds of the client's own cost (a real model's
decoding time comes on top).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.llm import ChatClient, Completion, ModelClientConfig, TextDelta
from agents.llm.prompt import build_messages
from agents.planner import CallerFacts, Message, PlanContext
from agents.tools import ToolRegistry
from connectors.base import Capability
from tests.fakes.openai_server import Call, FakeOpenAIServer, Say, ScriptedCall

TEXT = " ".join(["I can book you with Dr. Patel on Tuesday at three in the afternoon."] * 6)  # ~80 words


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(calls: int) -> None:
    with FakeOpenAIServer() as server:
        client = ChatClient(ModelClientConfig(base_url=server.base_url, timeout_s=5))
        messages = [{"role": "user", "content": "book me in"}]
        for label, entry in (
            ("text answer", Say(TEXT, chunk_chars=6)),
            (
                "2 parallel tool calls",
                Call(
                    [
                        ScriptedCall(
                            "list_free_slots", {"start_date": "2030-01-07", "end_date": "2030-01-11"}
                        ),
                        ScriptedCall(
                            "verify_identity", {"first_name": "Sarah", "date_of_birth": "1985-03-14"}
                        ),
                    ]
                ),
            ),
        ):
            totals: list[float] = []
            firsts: list[float] = []
            chunks = 0
            for _ in range(calls):
                server.push(entry)
                started = time.perf_counter()
                first = None
                async for event in client.stream(messages):
                    if isinstance(event, TextDelta):
                        chunks += 1
                        if first is None:
                            first = time.perf_counter() - started
                    elif isinstance(event, Completion):
                        assert event.text or event.tool_calls
                totals.append(time.perf_counter() - started)
                if first is not None:
                    firsts.append(first)
            server.reset()
            line = (
                f"{label:24s} median {statistics.median(totals) * 1000:6.2f} ms  "
                f"p95 {pct(totals, 0.95) * 1000:6.2f} ms"
            )
            if firsts:
                line += f"  first delta {statistics.median(firsts) * 1000:5.2f} ms"
                line += f"  {chunks / sum(totals):8.0f} chunks/s"
            print(line)
        await client.aclose()

    history = [
        Message(
            role="user" if i % 2 == 0 else "assistant",
            content="I'd like to move my appointment, please. " * 3,
        )
        for i in range(40)
    ]
    ctx = PlanContext(
        conversation_id="bench",
        channel="voice",
        business_name="Riverside Family Clinic",
        timezone="America/New_York",
        now=datetime.now(ZoneInfo("America/New_York")),
        messages=history,
        tools=ToolRegistry.from_capabilities(set(Capability)),
        caller=CallerFacts(),
    )
    started = time.perf_counter()
    for _ in range(calls):
        build_messages(ctx)
    print(f"{'prompt from 40 msgs':24s} {(time.perf_counter() - started) / calls * 1000:6.2f} ms per step")
    started = time.perf_counter()
    for _ in range(calls):
        ctx.tools.openai_tools()
    per = (time.perf_counter() - started) / calls * 1000
    print(f"{'tool schemas (uncached)':24s} {per:6.2f} ms (the model planner builds them once per registry)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.calls))


if __name__ == "__main__":
    main()
