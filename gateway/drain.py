"""Draining a replica before it stops (docs/drain.md).

On the first SIGTERM (or SIGINT) `DrainingServer` does not let uvicorn shut down yet: uvicorn's
own shutdown closes the listening socket and then every open WebSocket at once, which would cut
live phone calls off mid-sentence. Instead the app's `Drain` flips to draining:

- `/readyz` answers 503 "draining" (the load balancer stops sending new work here);
- the voice webhook answers new calls with TwiML that sends them back through the public URL
  (another replica answers; `gateway/twilio/webhook.py`), new chat connections are refused with a
  503 and `server_draining` (the widget reconnects and resumes elsewhere: the conversation is in the
  shared database);
- live calls go on until they end or `FRONTDESK_DRAIN_DEADLINE_S` passes; then each caller hears
  a closing sentence and the call is hung up (the conversation stored, the audit written).

Then `should_exit` is set and uvicorn's usual shutdown runs: the listener closes, open chat
sockets close with 1012 (service restart), and the lifespan's shutdown flushes the writers
(audit, chat outbox) before the process exits 0. A second signal stops at once (and the
process ends by that signal, not with 0).

The core knows no channel: a live call registers itself as a `LiveCall` (anything with
`end_for_drain`), a call whose TwiML was sent but whose stream has not opened yet as `expect`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from types import FrameType
from typing import Any, Protocol

import uvicorn

from gateway.logging import get_logger

log = get_logger(__name__)

# After the deadline, how long the calls get to say the closing sentence and hang up.
GOODBYE_S = 20.0
# How long after its TwiML a call's media stream is waited for (Twilio opens it within a second).
STREAM_EXPECTED_S = 10.0
# uvicorn's own shutdown, after the drain: closing what is left (chat sockets, keep-alives).
# The shortest drain, even with no live call: the load balancer takes a while (Kubernetes: a
# second or two) to stop routing here after /readyz turns 503, and a webhook meanwhile must find a
# listener that answers it (with a redirect), not a closed port.
MIN_DRAIN_S = 5.0
SHUTDOWN_S = 10.0


class LiveCall(Protocol):
    async def end_for_drain(self) -> None:
        """Tell the caller the call must end now, and end it (its books closed)."""
        ...


class Drain:
    """Whether this process is draining, and the live calls it waits for."""

    def __init__(self, deadline_s: float = 120.0, min_s: float = MIN_DRAIN_S) -> None:
        self.deadline_s = deadline_s
        self.min_s = min(min_s, deadline_s)
        self.started_at: float | None = None  # time.monotonic() of the first signal
        self._calls: set[LiveCall] = set()
        self._expected: dict[str, float] = {}  # conversation id -> until when its stream is awaited
        self._changed: asyncio.Event | None = None

    @property
    def draining(self) -> bool:
        return self.started_at is not None

    @property
    def live_calls(self) -> int:
        return len(self._calls)

    def expect(self, key: str) -> None:
        """A call was answered with a stream URL: wait for its stream a while before stopping."""
        now = time.monotonic()
        self._expected = {k: t for k, t in self._expected.items() if t > now}  # the last few seconds' calls
        self._expected[key] = now + STREAM_EXPECTED_S
        self._notify()

    def track(self, call: LiveCall, key: str | None = None) -> None:
        """A call's stream has started (`key`: the conversation `expect` was given)."""
        if key is not None:
            self._expected.pop(key, None)
        self._calls.add(call)
        self._notify()

    def untrack(self, call: LiveCall) -> None:
        """The call has ended and its books are closed."""
        self._calls.discard(call)
        self._notify()

    def status(self) -> str:
        """What /readyz says: "serving", or how the drain is going."""
        if self.started_at is None:
            return "serving"
        left = max(0.0, self.started_at + self.deadline_s - time.monotonic())
        calls = "1 live call" if len(self._calls) == 1 else f"{len(self._calls)} live calls"
        return f"draining: {calls}, {left:.0f} s to the deadline"

    async def run(self) -> None:
        """Drain: wait for the live calls up to the deadline, then end those left. Idempotent."""
        if self.started_at is not None:
            return
        self.started_at = time.monotonic()
        log.warning(
            "draining: no new calls or chats; waiting for live calls",
            live_calls=len(self._calls),
            deadline_s=self.deadline_s,
        )
        if await self._wait_idle(self.started_at + self.deadline_s):
            rest = self.started_at + self.min_s - time.monotonic()
            if rest > 0:  # still answering (redirects, 503s) while the load balancer catches up
                await asyncio.sleep(rest)
            log.info("drained: no live calls left", seconds=round(time.monotonic() - self.started_at, 1))
            return
        calls = list(self._calls)
        log.warning("drain deadline reached: ending the live calls", live_calls=len(calls))
        ending = [asyncio.create_task(call.end_for_drain(), name="drain-goodbye") for call in calls]
        idle = await self._wait_idle(time.monotonic() + GOODBYE_S)
        for task in ending:  # a call still saying goodbye after GOODBYE_S is closed by uvicorn
            task.cancel()
        results = await asyncio.gather(*ending, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("ending a call for the drain failed", error=repr(result))
        log.info("drained", calls_ended=len(calls), calls_left=len(self._calls), idle=idle)

    async def _wait_idle(self, until: float) -> bool:
        """Until no call is live or expected (True), or `until` (False)."""
        while True:
            now = time.monotonic()
            self._expected = {k: t for k, t in self._expected.items() if t > now}
            if not self._calls and not self._expected:
                return True
            if now >= until:
                return False
            wake = min([until, *self._expected.values()])
            changed = self._event()
            changed.clear()
            try:
                await asyncio.wait_for(changed.wait(), timeout=max(0.0, wake - now))
            except TimeoutError:
                pass

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()


class DrainingServer(uvicorn.Server):
    """uvicorn's server, but the first SIGTERM/SIGINT drains the app before shutting down.

    The app's `Drain` is looked up when the signal comes (`app.state.drain`); an app without one
    (a benchmark's) stops as uvicorn always does."""

    def __init__(self, config: uvicorn.Config, drain: Drain | None) -> None:
        super().__init__(config)
        self.drain = drain
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining: asyncio.Task[None] | None = None
        self._signalled = False

    async def serve(self, sockets: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.drain is None or self._loop is None:
            super().handle_exit(sig, frame)
            return
        name = signal.Signals(sig).name
        if self._signalled:  # the operator means it: stop now, live calls or not
            log.warning("second signal: stopping at once", signal=name, live_calls=self.drain.live_calls)
            self._captured_signals.append(sig)  # re-raised once uvicorn has stopped: killed by it
            self.force_exit = True
            self.should_exit = True
            return
        self._signalled = True
        # Not appended to uvicorn's _captured_signals: a drained process exits 0, it is not
        # re-killed by its own signal once the server has stopped.
        log.info("signal received: draining before shutdown", signal=name)
        self._loop.call_soon_threadsafe(self._start_drain)

    def _start_drain(self) -> None:
        self._draining = asyncio.create_task(self._drain_then_exit(), name="drain")

    async def _drain_then_exit(self) -> None:
        assert self.drain is not None
        try:
            await self.drain.run()
        except Exception:
            log.exception("drain failed; shutting down")
        finally:
            self.should_exit = True


def run_draining(app: Any, drain: Drain | None, **config: Any) -> None:
    """`uvicorn.run(app, **config)` with the draining server (no reload, one worker)."""
    if drain is not None:
        # After the drain, what is left (chat sockets, a call still saying goodbye) gets this long.
        config.setdefault("timeout_graceful_shutdown", SHUTDOWN_S)
    server = DrainingServer(uvicorn.Config(app, **config), drain)
    server.run()
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE
