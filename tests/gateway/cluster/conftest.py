"""Replicas as real `frontdesk serve` processes on one PostgreSQL database and the local Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gateway.services import Services
from gateway.settings import Settings
from tests.conftest import (
    _pg_available,
    create_pg_database,
    drop_pg_database,
    make_settings,
    prepare_database,
)

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine or container dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@dataclass
class Cluster:
    """Settings shared by every replica (database, Redis namespace, secrets) and the replicas."""

    settings: Settings
    env: dict[str, str]
    tmp_path: Path
    replicas: list[Replica] = field(default_factory=list)

    def start(self, name: str, **env: str) -> Replica:
        port = free_port()
        data_dir = self.tmp_path / name
        data_dir.mkdir(exist_ok=True)
        log_path = self.tmp_path / f"{name}.log"
        full_env = {
            **os.environ,
            **self.env,
            "FRONTDESK_DATA_DIR": str(data_dir),
            "FRONTDESK_REPLICA_ID": f"{name}-{uuid.uuid4().hex[:6]}",
            "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            **env,
        }
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                [FRONTDESK, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        replica = Replica(name, port, process, log_path)
        self.replicas.append(replica)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"replica {name} exited:\n{replica.log()}")
            try:
                if httpx.get(f"{replica.url}/readyz", timeout=2).status_code == 200:
                    return replica
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica {name} not ready:\n{replica.log()}")
            time.sleep(0.1)

    def stop_all(self) -> None:
        # SIGKILL: the test is over and a graceful stop would wait out the drain's minimum.
        for replica in self.replicas:
            if replica.process.poll() is None:
                replica.process.send_signal(signal.SIGKILL)
        for replica in self.replicas:
            try:
                replica.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                replica.process.kill()


async def start_replicas(
    db_url: str, tmp_path: Path, redis_url: str, prefix: str = "frontdesk:"
) -> list[Services]:
    """Two replicas' services (chat edge, Redis bus subscribed) in this process on one database
    (migrated and seeded by the first)."""
    from gateway.chat.service import ChatService
    from gateway.services import Services

    secret = "replicas-test-secret-" + uuid.uuid4().hex
    started: list[Services] = []
    for name in ("a", "b"):
        settings = make_settings(
            tmp_path / name,
            database_url=db_url,
            redis_url=redis_url,
            redis_prefix=prefix,
            session_secret=secret,
            replica_id=f"{name}-{uuid.uuid4().hex[:6]}",
        )
        if name == "a":
            await prepare_database(settings)
        services = await Services.start(settings, edges=(ChatService.start,))
        assert services.bus is not None and await services.bus.subscribed()
        started.append(services)
    return started


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    if not _pg_available():
        pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    url = await create_pg_database()
    try:
        yield url
    finally:
        await drop_pg_database(url)


@pytest.fixture
async def cluster(pg_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    """A fresh PostgreSQL database (migrated, seeded), a Redis namespace of its own, no replica yet."""
    if not redis_available():
        pytest.fail("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"fdtest-{uuid.uuid4().hex[:8]}:"
    secret = "cluster-test-secret-" + uuid.uuid4().hex
    settings = make_settings(
        tmp_path, database_url=pg_url, redis_url=REDIS_URL, redis_prefix=prefix, session_secret=secret
    )
    await prepare_database(settings)
    env = {
        "FRONTDESK_DATABASE_URL": pg_url,
        "FRONTDESK_REDIS_URL": REDIS_URL,
        "FRONTDESK_REDIS_PREFIX": prefix,
        "FRONTDESK_SESSION_SECRET": secret,
        "FRONTDESK_TWILIO_AUTH_TOKEN": "test-twilio-token",
        "FRONTDESK_PRELOAD_MODELS": "false",
        "FRONTDESK_REPLICA_HEARTBEAT_S": "0.5",
        "FRONTDESK_LOG_JSON": "true",
    }
    cluster = Cluster(settings, env, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture
def run_cli(cluster: Cluster) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **cluster.env, "FRONTDESK_DATA_DIR": str(cluster.tmp_path / "cli")}
        return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, env=env, timeout=120)

    return run
