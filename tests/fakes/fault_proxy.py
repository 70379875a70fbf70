"""A small HTTP/1.1 fault proxy for the connector fault tests (toxiproxy is not available here).

It sits on a free loopback port in front of a real server (the local FHIR server, the HubSpot
fake) and forwards each request over a fresh upstream connection, verbatim except for
`Connection: close` (one request per connection both ways, so every fault hits exactly one
request). A `Fault` matching a request (method, path without the query) changes what happens:

- `status`: answer `status` (500, 429 ...) at once, with `Retry-After` if given; not forwarded.
- `reset_before`: reset the client's connection (TCP RST); not forwarded.
- `reset_after`: forward, let the server answer (so a write is committed), then reset the client's
  connection instead of passing the answer on: the client cannot know its write happened.
- `delay_after`: forward, then hold the server's answer for `delay_s` before passing it on: a
  client with a shorter timeout gives up on a write the server has committed.
- `delay_before`: wait `delay_s`, then forward.

Each fault applies to its next `times` matching requests (None: all of them); `hits` counts
requests by (method, path) and `faulted` how many a fault changed. aiohttp-free asyncio streams on
their own event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["status", "reset_before", "reset_after", "delay_after", "delay_before"]
_REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass
class Fault:
    action: Action
    method: str = "*"
    path: str = "*"  # the path without the query; "*" any, a trailing "*" a prefix
    status: int = 500
    retry_after: str | None = None
    delay_s: float = 0.0
    times: int | None = 1

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method not in ("*", method):
            return False
        if self.path == "*" or self.path == path:
            return True
        return self.path.endswith("*") and path.startswith(self.path[:-1])


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.removeprefix("http://").rstrip("/").partition(":")
        self.upstream = (host, int(port or 80))
        self.faults: list[Fault] = []
        self.hits: Counter[tuple[str, str]] = Counter()
        self.faulted: Counter[Action] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._handlers:  # a request held by a delay fault
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.hits.clear()
            self.faulted.clear()

    def idle(self) -> bool:
        """No request is being handled (a delayed one included)."""
        return not self._handlers

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.hits[(method, path)] += 1
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    self.faulted[fault.action] += 1
                    return fault
        return None

    # -- one request per connection ----------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            method, path, raw = request
            fault = self._take(method, path)
            action = fault.action if fault is not None else None
            if fault is not None and action == "status":
                writer.write(_status_answer(fault))
                await writer.drain()
                return
            if action == "reset_before":
                _reset(writer)
                return
            if fault is not None and action == "delay_before":
                await asyncio.sleep(fault.delay_s)
            answer = await self._forward(raw)
            if action == "reset_after":
                _reset(writer)
                return
            if fault is not None and action == "delay_after":
                await asyncio.sleep(fault.delay_s)
            writer.write(answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away (its timeout), as the faults intend
        finally:
            self._handlers.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _forward(self, raw: bytes) -> bytes:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            up_writer.write(raw)
            await up_writer.drain()
            return await up_reader.read()  # until the server closes: `Connection: close`
        finally:
            up_writer.close()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = [line for line in lines[1:] if line]
    length = 0
    kept = []
    for line in headers:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() in ("connection", "keep-alive"):
            continue
        kept.append(line)
    body = await reader.readexactly(length) if length else b""
    raw = "\r\n".join([f"{method} {target} {version}", *kept, "Connection: close", "", ""]).encode("latin-1")
    return method, target.split("?", 1)[0], raw + body


def _status_answer(fault: Fault) -> bytes:
    body = json.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": "error", "code": "transient", "diagnostics": "injected by the fault proxy"}
            ],
        }
    ).encode()
    headers: dict[str, Any] = {
        "Content-Type": "application/json",
        "Content-Length": len(body),
        "Connection": "close",
    }
    if fault.retry_after is not None:
        headers["Retry-After"] = fault.retry_after
    head = f"HTTP/1.1 {fault.status} {_REASONS.get(fault.status, 'Error')}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), not a FIN: the client sees 'connection reset by peer'."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
