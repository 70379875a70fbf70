"""The fuzzing run with the server in a process of its own, to see the server's memory alone.

    FUZZ_FRAMES=4000 .venv/bin/python -m tests.gateway.fuzz.server_apart [--twilio]

In `make fuzz` the server is a thread of the test process, so its resident memory includes
hypothesis's and the client's. Here the same frames (the fuzz modules' strategies and `play`,
derandomized) go to `frontdesk serve` in a child process (bench/soak.py's `Gateway`, SQLite, a
fresh data directory), and the child's resident memory is printed: after a normal conversation,
at every tenth of the frames, and at the end after another (docs/reliability.md, the fuzzing
rows' notes). Diagnosis, not a test: nothing is asserted but what `play` asserts.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisWarning

from gateway.settings import Settings
from tests.gateway.fuzz import harness

BENCH = Path(__file__).resolve().parents[3] / "bench"
sys.path.insert(0, str(BENCH))

import soak  # noqa: E402  (bench/, put on sys.path above)
from procstat import rss_mb  # noqa: E402


@dataclass
class Apart:
    """What the fuzz modules use of a `LiveServer`."""

    url: str
    ws_url: str
    settings: Settings


def main(twilio: bool) -> None:
    fuzz = importlib.import_module(f"tests.gateway.fuzz.test_{'twilio_stream' if twilio else 'chat'}_fuzz")
    if twilio:
        from tests.gateway.twilio.conftest import AUTH_TOKEN

        env = {
            "FRONTDESK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "FRONTDESK_STT_WORKERS": "1",
            "FRONTDESK_TTS_WORKERS": "1",
            "FRONTDESK_TWILIO_PLAYBACK_LEAD_MS": "120000",  # as the fuzz test's server
        }
        normal: Any = fuzz.normal_call
    else:
        env = {"FRONTDESK_CHAT_MAX_REFUSALS": str(fuzz.MAX_REFUSALS), "FRONTDESK_PRELOAD_MODELS": "false"}
        normal = fuzz.normal_conversation
    gateway = soak.Gateway(soak.Options(env={**env, "FRONTDESK_LOG_LEVEL": "INFO"}))

    async def start() -> None:
        await gateway.prepare()
        await gateway.start()

    asyncio.run(start())
    server = Apart(gateway.url, f"ws://127.0.0.1:{gateway.port}", gateway.settings)
    try:
        asyncio.run(normal(server))
        before = rss_mb(gateway.pid)
        target = harness.fuzz_frames()
        tally = harness.Tally()
        tenths: list[int] = []

        @settings(
            max_examples=math.ceil(target / fuzz.MIN_FRAMES),
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(fuzz.sequences())
        def one_example(sequence: Any) -> None:
            if tally.frames >= target:
                return
            asyncio.run(fuzz.play(server, tally, *sequence))
            while tally.frames * 10 >= target * (len(tenths) + 1) and len(tenths) < 10:
                tenths.append(round(rss_mb(gateway.pid)))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisWarning)
            one_example()
        asyncio.run(normal(server))
        time.sleep(2.0)  # the last connection's tasks wind down (a measurement, not a wait for a result)
        print(
            f"{'twilio' if twilio else 'chat'}: frames={tally.frames} connections={tally.connections} "
            f"closes={dict(tally.closes)} server rss {before:.0f} -> {rss_mb(gateway.pid):.0f} MB "
            f"(by tenths: {tenths})",
            flush=True,
        )
    finally:
        asyncio.run(gateway.stop())
        asyncio.run(gateway.cleanup())


if __name__ == "__main__":
    main("--twilio" in sys.argv[1:])
