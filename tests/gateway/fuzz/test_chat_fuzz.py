"""Property-based fuzzing of `WS /chat/ws` over a real server ([5/7] item 6).

Each hypothesis example is a sequence of frames sent on chat connections, after a `hello` or
without one: malformed JSON, deep nesting, integers beyond Python's digit limit, lone surrogates,
wrong types and unknown fields, empty and huge frames (over `chat_max_message_bytes`, and over the
server's WebSocket limit), binary frames, a second `hello`, floods of messages and typing notices.
When the server ends a connection (too many refusals, a frame over the WebSocket limit) the rest of
the sequence goes on a new one, so every generated frame is sent. Afterwards: the server answers
/healthz and a normal conversation, its log holds no traceback, its event loop is back to the
tasks it had before, the Python memory the server still holds
is under a tolerance (tracemalloc), resident memory under a loose bound.
`FUZZ_FRAMES=10000` (`make fuzz`) is the long run.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveServer, make_settings, running_server
from tests.gateway.chat.conftest import Chat
from tests.gateway.fuzz import harness
from tests.logs import capturing_logs

LIMIT = 8192  # chat_max_message_bytes (the default)
WS_MAX = 2 * 1024 * 1024  # uvicorn's ws_max_size in tests.conftest.LiveServer
MAX_REFUSALS = 30
MIN_FRAMES, MAX_FRAMES = 20, 80
HELD_MB = 16  # Python memory the server may still hold after the run (caches)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=16),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
TYPES = ["hello", "message", "typing", "welcome", "error", "bot.final"]


def _frame(**fields: Any) -> str:
    return json.dumps({"v": 1, **fields})


texts = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["", " ", "\n\t", "\u200b", "\ud800", "a\udfffb", "\x00", "What are your hours?"]),
    st.integers(min_value=1990, max_value=2100).map(lambda n: "x" * n),  # around chat_max_text_chars
)
hello = st.one_of(
    st.just(_frame(type="hello")),
    st.builds(lambda t, s: _frame(type="hello", token=t, last_seq=s), json_values, json_values),
    st.builds(lambda t: _frame(type="hello", session_token=t), st.text(max_size=1100)),
)
message = st.builds(
    lambda t, c: _frame(type="message", text=t, client_id=c), texts, st.none() | st.text(max_size=70)
)
typing = json_values.map(lambda a: _frame(type="typing", active=a))
wrong_types = st.builds(
    lambda v, kind, extra: json.dumps({**extra, "v": v, "type": kind}),
    st.just(1) | json_values,
    st.sampled_from(TYPES) | json_values,
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)
bad_json = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", "{", "[]", "null", "1", '"hello"', "{}", '{"v":1,"type":}', "{'v':1}"]),
    json_values.map(json.dumps),
    st.integers(min_value=4400, max_value=6000).map(
        lambda n: '{"v":1,"type":"hello","last_seq":' + "9" * n + "}"
    ),
)
deep = st.integers(min_value=50, max_value=20_000).flatmap(
    lambda n: st.sampled_from(
        [
            "[" * n + "]" * n,
            '{"a":' * n + "1" + "}" * n,
            _frame(type="typing")[:-1] + ',"x":' + "[" * n + "]" * n + "}",
        ]
    )
)
binary = st.binary(max_size=512)


@dataclass(frozen=True)
class Huge:
    """A frame built when sent: a message of `size` characters (over WS_MAX ends the connection)."""

    size: int
    binary: bool

    def data(self) -> str | bytes:
        text = _frame(type="message", text="y" * self.size)
        return text.encode() if self.binary else text


huge = st.builds(Huge, st.sampled_from([LIMIT - 100, LIMIT + 1, 1 << 20, WS_MAX + 1]), st.booleans())
frame = st.one_of(message, message, typing, hello, wrong_types, bad_json, deep, binary)
flood = st.tuples(st.sampled_from(["message", "typing"]), st.integers(min_value=10, max_value=60)).map(
    lambda kind_n: [
        _frame(type="message", text=f"flood {i}", client_id=f"f{i}")
        if kind_n[0] == "message"
        else _frame(type="typing", active=True)
        for i in range(kind_n[1])
    ]
)
item = st.one_of(frame.map(lambda f: [f]), frame.map(lambda f: [f]), flood, huge.map(lambda h: [h]))


@st.composite
def sequences(draw: st.DrawFn) -> tuple[bool, str, list[str | bytes | Huge]]:
    """(say hello first?, how the example ends, its frames)."""
    greeted = draw(st.sampled_from([True, True, True, False]))
    ending = draw(st.sampled_from(["sync, close", "sync, vanish", "close"]))
    frames: list[str | bytes | Huge] = []
    while len(frames) < MIN_FRAMES:
        for f in draw(st.lists(item, min_size=1, max_size=20)):
            frames.extend(f)
    return greeted, ending, frames[:MAX_FRAMES]


class Line:
    """One chat connection, its incoming frames read (and checked) as they come."""

    def __init__(self, server: LiveServer, tally: harness.Tally) -> None:
        self.server = server
        self.tally = tally
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.errors: list[str] = []
        self.answered = asyncio.Event()

    async def open(self, greeted: bool) -> None:
        self.ws = await connect(self.server.ws_url + "/chat/ws", max_size=2**22)
        self.tally.connections += 1
        if greeted:
            await self.ws.send(_frame(type="hello"))
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                reply = json.loads(raw)  # every frame the server sends is a JSON object ...
                assert reply["v"] == 1 and isinstance(reply["type"], str), reply
                if reply["type"] == "error":  # ... and a refusal says why
                    assert reply["code"] and reply["message"] and reply["seq"] is None, reply
                    self.errors.append(reply["message"])
                    self.answered.set()
                self.tally.replies += 1
        except ConnectionClosed:
            pass

    async def send(self, data: str | bytes) -> bool:
        assert self.ws is not None
        try:
            await self.ws.send(data)
        except ConnectionClosed:
            await self.finish()
            return False
        return True

    async def sync(self) -> None:
        """Wait until the server has dealt with every frame sent so far: frames are handled in
        order, so the refusal of a marked frame sent now comes after theirs (or the line closes)."""
        assert self.ws is not None and self.reader is not None
        marker = f"sync_{self.tally.frames}"
        if not await self.send(json.dumps({"v": 1, "type": "typing", marker: 1})):
            return
        deadline = time.monotonic() + 60
        while True:
            self.answered.clear()
            if any(marker in error for error in self.errors) or self.reader.done():
                return
            assert time.monotonic() < deadline, "the server did not answer the marked frame"
            answered = asyncio.create_task(self.answered.wait())
            await asyncio.wait([self.reader, answered], timeout=5, return_when=asyncio.FIRST_COMPLETED)
            answered.cancel()

    async def finish(self, ending: str | None = None) -> int | None:
        ws, reader = self.ws, self.reader
        if ws is None or reader is None:
            return None
        if ending and ending.startswith("sync"):
            await self.sync()
            ending = ending.removeprefix("sync, ")
        self.ws = self.reader = None
        if ending == "close":
            await ws.close()
        elif ending == "vanish":
            ws.transport.abort()
        await asyncio.wait_for(reader, 60)
        code = ws.close_code if ending is None else ws.close_code or 1000
        if ending is None:  # the server ended it: too many refusals, or a frame over its limit
            assert code in (1008, 1009), code
        self.tally.closed(code)
        return code


async def play(
    server: LiveServer, tally: harness.Tally, greeted: bool, ending: str, frames: list[str | bytes | Huge]
) -> None:
    line = Line(server, tally)
    await line.open(greeted)
    for frame in frames:
        if line.ws is None:
            await line.open(greeted)
        if isinstance(frame, Huge) and frame.size > WS_MAX:
            await line.send(frame.data())
            tally.frames += 1
            # 1009; or 1008 when it had closed the line already (too many refusals before)
            assert await line.finish() in (1008, 1009)
            continue
        data = frame.data() if isinstance(frame, Huge) else frame
        if not await line.send(data):
            await line.open(greeted)
            assert await line.send(data), "a fresh connection refused its first frame"
        tally.frames += 1
    await line.finish(ending)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, io.StringIO]]:
    settings_ = make_settings(
        tmp_path_factory.mktemp("fuzz-chat"),
        # The frames are under test here, not admission: every connection comes from 127.0.0.1.
        chat_ip_connect_burst=1e6,
        chat_max_connections_per_ip=10_000,
        chat_max_refusals=MAX_REFUSALS,
    )
    with capturing_logs("INFO") as logs, running_server(settings_) as live:
        yield live, logs


async def normal_conversation(server: LiveServer) -> None:
    chat = await Chat.open(server)
    try:
        welcome = await chat.hello()
        assert welcome["resumed"] is False
        await chat.greeting()
        reply = await chat.say("What are your opening hours?", "normal-1")
        assert reply[-1]["text"], reply
    finally:
        await chat.close()


def test_malformed_chat_frames_leave_no_crash_task_or_traceback(
    server: tuple[LiveServer, io.StringIO],
) -> None:
    live, logs = server
    startup = harness.server_tasks(live)
    asyncio.run(normal_conversation(live))  # warm-up: the agent and every lazy service started
    baseline = harness.baseline_tasks(live, startup)
    rss_before = harness.rss_mb()
    harness.start_tracing()
    target = harness.fuzz_frames()
    tally = harness.Tally()
    began = time.monotonic()

    @settings(
        max_examples=math.ceil(target / MIN_FRAMES),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # a failure is reported as generated, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    # Frames over each limit on every run, however short (the generated ones are rarer).
    @example((True, "sync, close", ["{}", Huge(LIMIT + 1, binary=False), Huge(WS_MAX + 1, binary=True)]))
    @given(sequences())
    def one_example(sequence: tuple[bool, str, list[str | bytes | Huge]]) -> None:
        if tally.frames >= target:
            return
        asyncio.run(play(live, tally, *sequence))
        tally.sample(target)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HypothesisWarning)  # the repr of a megabyte frame
        one_example()
    seconds = time.monotonic() - began

    assert tally.frames >= target, tally
    assert tally.closes.get("1009"), tally  # frames over the limit were sent, and refused as such
    assert httpx.get(live.url + "/healthz", timeout=10).json() == {"status": "ok"}
    asyncio.run(normal_conversation(live))
    tasks_after = harness.settle_tasks(live, baseline)
    held_mb, holders = harness.held_since_start()  # (tracing stops: its own tables are freed)
    rss_after = harness.rss_mb()
    problems = harness.log_problems(logs)
    figures = harness.Figures(
        "chat",
        tally,
        len(baseline),
        len(tasks_after),
        rss_before,
        rss_after,
        held_mb,
        seconds,
        len(logs.getvalue().splitlines()),
        len(problems),
    )
    harness.report(figures)
    assert not problems, "\n".join(problems[:5])
    assert harness.task_names(tasks_after) <= harness.task_names(baseline), "\n".join(tasks_after)
    assert len(tasks_after) <= len(baseline), "\n".join(tasks_after)
    # What the server still holds once every connection is closed: its caches, bounded (tracemalloc);
    # resident memory (the test client and what the allocators keep included), a loose bound.
    assert held_mb < HELD_MB, f"{figures.line()}\n" + "\n".join(holders)
    assert rss_after <= rss_before * 1.5 + 64, figures.line()
