"""Property-based fuzzing of `WS /twilio/stream` over a real server ([5/7] item 6).

Each hypothesis example is a sequence of frames sent on signed Media Streams connections: after a
valid `start` (a real call, answered by the webhook) or without one. The frames are malformed JSON,
deep nesting, wrong types, empty and huge payloads, bad base64, odd-length audio, events out of
order, floods of `mark` and `dtmf`. When the server ends a connection (a fatal frame, too many bad
ones, a `stop`), the rest of the sequence goes on a new call, so every generated frame is sent.
Afterwards: the server answers /healthz and a normal call, its log holds no traceback, its event
loop is back to the tasks it had before, the Python memory the server still holds
is under a tolerance (tracemalloc), resident memory under a loose bound.
`FUZZ_FRAMES=10000` (`make fuzz`) is the long run.
"""

from __future__ import annotations

import asyncio
import base64
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

from gateway.twilio import messages
from gateway.twilio.signatures import public_request_url, sign
from tests.conftest import LiveServer, make_settings, running_server
from tests.gateway.fuzz import harness
from tests.gateway.twilio.conftest import AUTH_TOKEN, Call
from tests.logs import capturing_logs

LIMIT = 65536  # twilio_max_message_bytes (the default)
WS_MAX = 2 * 1024 * 1024  # uvicorn's ws_max_size in tests.conftest.LiveServer
MIN_FRAMES, MAX_FRAMES = 20, 80
HELD_MB = 16  # Python memory the server may still hold after the run (caches)  # per example (floods count each frame)

# --- what a frame can be ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=16),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
EVENTS = ["connected", "start", "media", "dtmf", "mark", "stop"]


def _event(event: str, body: Any, **extra: Any) -> str:
    return json.dumps({"event": event, "sequenceNumber": "7", event: body, **extra})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# Audio of any length, odd ones included (mu-law is a byte per sample: every length decodes).
odd_audio = st.binary(max_size=321).map(lambda b: _event("media", {"track": "inbound", "payload": _b64(b)}))
bad_base64 = st.one_of(
    st.text(max_size=64),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/=", min_size=1, max_size=64),
    st.binary(min_size=1, max_size=48).map(lambda b: _b64(b).rstrip("=") + "!"),
).map(lambda p: _event("media", {"payload": p}))
wrong_types = st.builds(
    lambda event, body, sid: json.dumps({"event": event, str(event): body, "streamSid": sid}),
    st.sampled_from(EVENTS) | json_values,
    json_values,
    json_values,
)
bad_json = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", "{", "}", "[]", "null", "0", '"media"', "{}", '{"event":}', "{'event':'media'}"]),
    json_values.map(json.dumps),
    st.integers(min_value=4400, max_value=6000).map(lambda n: '{"event":"dtmf","n":' + "9" * n + "}"),
    st.text(max_size=20).map(lambda t: '{"event": "mark", "mark": {"name": "' + t + "\\ud800" + '"}}'),
)
deep = st.integers(min_value=50, max_value=20_000).flatmap(
    lambda n: st.sampled_from(
        [
            "[" * n + "]" * n,
            '{"a":' * n + "1" + "}" * n,
            json.dumps({"event": "media", "media": {"payload": "AA=="}, "x": 0})[:-1]
            + ',"y":'
            + "[" * n
            + "]" * n
            + "}",
            "[" * n,  # never closed
        ]
    )
)
empty = st.sampled_from(
    [
        _event("media", {"payload": ""}),
        _event("media", {}),
        _event("mark", {"name": ""}),
        _event("dtmf", {"digit": ""}),
        json.dumps({"event": ""}),
        json.dumps({"event": "start", "start": {}}),
    ]
)
binary = st.binary(max_size=512)
marks = st.text(max_size=40).map(lambda name: _event("mark", {"name": name or "m"}))
dtmf = st.one_of(st.sampled_from(list("0123456789*#")), st.text(max_size=3)).map(
    lambda d: _event("dtmf", {"track": "inbound_track", "digit": d})
)
STOP = json.dumps({"event": "stop", "stop": {}})
control = st.sampled_from(
    [
        json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}),
        STOP,
        json.dumps({"event": "start", "start": {"callSid": "CAx", "streamSid": "MZx"}}),  # a second start
        json.dumps(
            {
                "event": "start",
                "start": {"callSid": "CAy", "streamSid": "MZy", "customParameters": {"token": "forged"}},
            }
        ),
    ]
)


@dataclass(frozen=True)
class Huge:
    """A frame built when sent: `size` characters of media payload (over the limit is fatal)."""

    size: int

    def text(self) -> str:
        return _event("media", {"payload": "A" * self.size})


huge = st.sampled_from([LIMIT - 200, LIMIT + 1, 1 << 20, WS_MAX + 1]).map(Huge)  # the first is under

frame = st.one_of(
    odd_audio,
    odd_audio,
    odd_audio,
    marks,
    dtmf,
    bad_base64,
    wrong_types,
    bad_json,
    deep,
    empty,
    binary,
    control,
)
flood = st.tuples(st.sampled_from(["mark", "dtmf"]), st.integers(min_value=10, max_value=60)).map(
    lambda kind_n: [
        _event("mark", {"name": f"m{i}"}) if kind_n[0] == "mark" else _event("dtmf", {"digit": "1"})
        for i in range(kind_n[1])
    ]
)
item = st.one_of(frame.map(lambda f: [f]), frame.map(lambda f: [f]), flood, huge.map(lambda h: [h]))


@st.composite
def sequences(draw: st.DrawFn) -> tuple[bool, str, list[str | bytes | Huge]]:
    """(start the call first?, how the example ends, its frames)."""
    started = draw(st.sampled_from([True, True, True, False]))
    ending = draw(st.sampled_from(["stop", "hang up", "vanish"]))
    frames: list[str | bytes | Huge] = []
    while len(frames) < MIN_FRAMES:
        for f in draw(st.lists(item, min_size=1, max_size=20)):
            frames.extend(f)
    return started, ending, frames[:MAX_FRAMES]


# --- the connection --------------------------------------------------------------------------


class Line:
    """One signed stream connection (started as a real call, or not), its incoming frames drained."""

    def __init__(self, server: LiveServer, tally: harness.Tally) -> None:
        self.server = server
        self.tally = tally
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self, started: bool) -> None:
        """A stream of a call the webhook answered, started; or a signed stream that never starts."""
        if started:
            call = Call(self.server)
            token = (await call.answer())["token"]
            self.ws = await call.connect()
            await self.ws.send(call.start(token))
        else:
            url = public_request_url(self.server.settings.public_url, "/twilio/stream", "", websocket=True)
            self.ws = await connect(
                self.server.ws_url + "/twilio/stream",
                additional_headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, {})},
            )
        self.tally.connections += 1
        self.reader = asyncio.create_task(self._drain(self.ws))

    async def _drain(self, ws: ClientConnection) -> None:
        try:
            async for _ in ws:
                self.tally.replies += 1
        except ConnectionClosed:
            pass

    async def send(self, frame: str | bytes) -> bool:
        """False when the server has closed the line (the frame was not sent)."""
        assert self.ws is not None
        try:
            await self.ws.send(frame)
        except ConnectionClosed:
            await self.finish()
            return False
        return True

    async def finish(self, ending: str | None = None) -> int | None:
        """End the line as `ending` says (or wait for the server's close); the close code."""
        ws, reader = self.ws, self.reader
        if ws is None or reader is None:
            return None
        self.ws = self.reader = None
        try:
            if ending == "stop":
                await ws.send(STOP)
            elif ending == "hang up":
                await ws.close()
            elif ending == "vanish":
                ws.transport.abort()
        except ConnectionClosed:
            pass
        await asyncio.wait_for(reader, 60)  # the server closes the line or it is gone
        code = ws.close_code if ending not in ("hang up", "vanish") else ws.close_code or 1000
        assert code in (1000, 1005, 1006, 1008, 1009), code
        if ending is None:
            assert code in (1000, 1008, 1009), f"the server ended the line with {code}"
        self.tally.closed(code)
        return code


def _is_stop(data: str | bytes) -> bool:
    """Whether the gateway reads this frame as `stop` (whatever else it carries)."""
    try:
        return isinstance(data, str) and isinstance(messages.parse(data), messages.Stop)
    except messages.ProtocolError:
        return False


async def play(
    server: LiveServer, tally: harness.Tally, started: bool, ending: str, frames: list[str | bytes | Huge]
) -> None:
    line = Line(server, tally)
    await line.open(started)
    for frame in frames:
        if line.ws is None:
            await line.open(started)
        if isinstance(frame, Huge) and frame.size > LIMIT:
            await line.send(frame.text())  # the server may close while it is still arriving
            tally.frames += 1
            code = await line.finish()  # the server must end the call: 1009, its own or uvicorn's
            # 1008 or 1000 when an earlier frame had ended the call already (too many bad frames, a
            # `stop` in another shape, the bot hanging up); the explicit examples check 1009 itself.
            assert code in (1000, 1008, 1009), code
            continue
        data = frame.text() if isinstance(frame, Huge) else frame
        if not await line.send(data):
            await line.open(started)
            assert await line.send(data), "a fresh line refused its first frame"
        tally.frames += 1
        if started and _is_stop(data):  # the call is over: the server hangs up (1008 if it had already)
            assert await line.finish() in (1000, 1008)
    await line.finish(ending)


# --- the test --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, io.StringIO]]:
    settings_ = make_settings(
        tmp_path_factory.mktemp("fuzz-twilio"),
        stt_workers=1,
        tts_workers=1,
        twilio_playback_lead_ms=120_000,  # replies are not paced to real time
    )
    with capturing_logs("INFO") as logs, running_server(settings_) as live:
        yield live, logs


async def normal_call(server: LiveServer) -> dict[str, Any]:
    """A plain call: started, greeted (audio and a mark come back), stopped; its record."""
    call = Call(server)
    token = (await call.answer())["token"]
    async with call.connect() as ws:
        await ws.send(call.start(token))
        got: set[str] = set()
        while not {"media", "mark"} <= got:
            got.add(json.loads(await asyncio.wait_for(ws.recv(), 60))["event"])
        await ws.send(json.dumps({"event": "stop", "stop": {}}))
        try:
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass
        assert ws.close_code == 1000
    record = await call.record()
    assert record["status"] == "closed", record
    return record


def test_malformed_media_stream_frames_leave_no_crash_task_or_traceback(
    server: tuple[LiveServer, io.StringIO],
) -> None:
    live, logs = server
    startup = harness.server_tasks(live)
    asyncio.run(normal_call(live))  # warm-up: models loaded, every lazy service started
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
    @example((True, "stop", [_event("media", {"payload": _b64(b"\xff" * 161)}), Huge(LIMIT + 1)]))
    @example((False, "hang up", [Huge(WS_MAX + 1)]))
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
    assert tally.closes.get("1009", 0) >= 2, tally  # the explicit examples' frames over each limit
    assert httpx.get(live.url + "/healthz", timeout=10).json() == {"status": "ok"}
    asyncio.run(normal_call(live))
    tasks_after = harness.settle_tasks(live, baseline)
    held_mb, holders = harness.held_since_start()  # (tracing stops: its own tables are freed)
    rss_after = harness.rss_mb()
    problems = harness.log_problems(logs)
    figures = harness.Figures(
        "twilio",
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
