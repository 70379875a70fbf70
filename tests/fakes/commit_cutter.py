"""A TCP proxy in front of PostgreSQL that cuts a connection at its COMMIT, for ambiguous-commit
tests ([5/7] item 2; the HTTP faults are tests/fakes/fault_proxy.py).

Bytes pass through unchanged both ways, one upstream connection per client connection. Armed
with `cut_after_commit`, the next client message holding a `COMMIT` goes to the server, the
server's answer is swallowed and the client's connection reset: the transaction is committed and
the client cannot know it (its driver sees the connection lost). Armed with
`cut_before_commit`, the connection is reset without forwarding it: nothing is committed, and
the client cannot tell the two apart. `containing`: only the COMMIT of a transaction whose
statements held those bytes (b"INSERT INTO turns": a transcript turn's). Each arming applies once;
`cuts` counts them. Runs in the test's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

Mode = Literal["after", "before"]


class CommitCutter:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.cuts = 0
        self._armed: Mode | None = None
        self._containing = b""
        self._server: asyncio.Server | None = None

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cut_after_commit(self, containing: bytes = b"") -> None:
        self._armed, self._containing = "after", containing

    def cut_before_commit(self, containing: bytes = b"") -> None:
        self._armed, self._containing = "before", containing

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        cutting = asyncio.Event()

        def reset_both() -> None:
            client_w.transport.abort()
            server_w.transport.abort()

        async def from_client() -> None:
            seen = b""  # what this connection sent since its last COMMIT (the tail of it)
            while data := await client_r.read(65536):
                seen = (seen + data)[-65536:]
                mode = None
                if b"COMMIT" in data:
                    mode = self._armed if self._containing in seen else None
                    seen = b""
                if mode is not None:
                    self._armed = None
                    self.cuts += 1
                    if mode == "before":
                        reset_both()
                        return
                    cutting.set()  # the server's answer to this is not passed on
                    server_w.write(data)
                    await server_w.drain()
                    return
                server_w.write(data)
                await server_w.drain()
            server_w.close()

        async def from_server() -> None:
            while data := await server_r.read(65536):
                if cutting.is_set():
                    reset_both()
                    return
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        with contextlib.suppress(ConnectionError, OSError):
            await asyncio.gather(from_client(), from_server())
