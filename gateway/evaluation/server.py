"""A real gateway for the `chat` and `call` channels: `create_app` served by uvicorn on a loopback
port, in a thread of this process (so the scenario clock can be set between scenarios)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from gateway.evaluation.practice import ScenarioClock
from gateway.settings import Settings


class GatewayError(Exception):
    """The gateway did not start; says why."""


class ServedGateway:
    def __init__(self, settings: Settings, clock: ScenarioClock, start_timeout_s: float = 120.0) -> None:
        from gateway.app import create_app

        # The port is taken before the app is built: the gateway's public URL (which Twilio
        # signatures are checked against) must be the address the simulated calls reach.
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        port = self.socket.getsockname()[1]
        settings.public_url = f"http://127.0.0.1:{port}"
        self.settings = settings
        self.start_timeout_s = start_timeout_s
        config = uvicorn.Config(
            create_app(settings, clock),
            host="127.0.0.1",
            port=0,
            log_config=None,
            log_level="warning",
            ws_max_size=settings.twilio_max_message_bytes,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="eval-gateway", daemon=True
        )
        self.url = settings.public_url
        self.stream_url = f"ws://127.0.0.1:{port}/twilio/stream"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:  # the lifespan (database, models) runs before `started`
            if not self.thread.is_alive():
                raise GatewayError("the gateway stopped while starting (see the log above)")
            if time.monotonic() > deadline:
                raise GatewayError(f"the gateway did not start within {self.start_timeout_s:.0f} s")
            time.sleep(0.02)  # waiting for another thread's flag: nothing to await here

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def __enter__(self) -> ServedGateway:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
