"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL database), settings, a live server."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import uvicorn

from gateway.settings import Settings

PG_ADMIN_DSN = os.environ.get("FRONTDESK_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


async def create_pg_database() -> str:
    """A fresh, empty PostgreSQL database; returns its SQLAlchemy async URL."""
    name = f"fd_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind (the test runs once per kind)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    if not _pg_available():
        pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(url)


@pytest.fixture
async def migrated_db_url(db_url: str) -> str:
    from gateway.store.migrate import upgrade

    await upgrade(db_url)
    return db_url


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'frontdesk.db'}",
        "preload_models": False,
        "log_json": True,
        "session_secret": "test-session-secret-" + uuid.uuid4().hex,
        "twilio_auth_token": "test-twilio-token",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an isolated gateway: its own SQLite file and data directory."""
    return make_settings(tmp_path)


async def prepare_database(settings: Settings) -> None:
    """Apply migrations and seed the demo practice, as `make run` does."""
    from gateway.store.migrate import upgrade

    settings.ensure_data_dir()
    await upgrade(settings.database_url)
    if settings.connector != "demo":
        return
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from connectors.demo import seed_demo
    from gateway.store.db import Database

    db = Database(settings.database_url)
    try:
        async with db.session() as session, session.begin():
            await seed_demo(session, datetime.now(ZoneInfo(settings.timezone)).date(), settings.timezone)
    finally:
        await db.close()


class LiveServer:
    """A real uvicorn server in a background thread, serving `create_app(settings, **app_options)`."""

    def __init__(self, settings: Settings, **app_options: Any) -> None:
        from gateway.app import create_app

        # The port is chosen before the app is built, so that the public URL (which Twilio
        # signatures and the chat's allowed origin are checked against) is this server's own.
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        if "public_url" not in settings.model_fields_set or settings.public_url.startswith(
            "http://127.0.0.1:"
        ):
            settings.public_url = f"http://127.0.0.1:{self.port}"
        self.settings = settings
        self.app = create_app(settings, **app_options)
        # Proxy headers are the app's business (FRONTDESK_TRUSTED_PROXIES), as under `frontdesk serve`.
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=0,
            log_config=None,
            ws_max_size=2 * 1024 * 1024,
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        import time

        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("live server failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError("live server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@contextmanager
def running_server(settings: Settings) -> Iterator[LiveServer]:
    asyncio.run(prepare_database(settings))
    server = LiveServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_server_factory() -> Iterator[Callable[[Settings], LiveServer]]:
    """Start servers for given settings; all are stopped after the test."""
    started: list[LiveServer] = []

    def start(settings: Settings) -> LiveServer:
        asyncio.run(prepare_database(settings))
        server = LiveServer(settings)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def live_server(settings: Settings, live_server_factory: Callable[[Settings], LiveServer]) -> LiveServer:
    """A running gateway with the embedded defaults on a migrated, seeded SQLite database."""
    return live_server_factory(settings)
