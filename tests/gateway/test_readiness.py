"""/readyz tells the truth about what is outside the process (gateway/health.py): a real server
(uvicorn), real sockets for the dependencies — a closed port, a server that never answers, one
that counts its requests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from gateway.health import READYZ_WAIT_S
from tests.conftest import make_settings
from tests.logs import captured_logs, json_lines

__all__ = ["captured_logs"]  # the fixture, used below


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts TCP connections (the kernel's backlog) and never answers a byte."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


class _Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        body = b'{"resourceType": "CapabilityStatement"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def counting_fhir() -> Iterator[tuple[str, type[_Counting]]]:
    handler = type("Handler", (_Counting,), {"hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/fhir", handler
    server.shutdown()
    server.server_close()


def _readyz(url: str) -> tuple[int, dict[str, object], float]:
    started = time.monotonic()
    answer = httpx.get(f"{url}/readyz", timeout=30)
    return answer.status_code, answer.json(), time.monotonic() - started


def test_all_configured_and_well(live_server) -> None:  # type: ignore[no-untyped-def]
    status, report, _ = _readyz(live_server.url)
    assert status == 200, report
    assert report["model"] == "offline agent"
    assert report["connector"] == "demo: ok"
    assert report["voice"] == "ok"
    assert report["drain"] == "serving"
    assert "redis" not in report  # not configured: one replica


def test_an_unreachable_model_server_is_degraded_but_ready(tmp_path: Path, live_server_factory) -> None:  # type: ignore[no-untyped-def]
    port = _closed_port()
    server = live_server_factory(make_settings(tmp_path, llm_base_url=f"http://127.0.0.1:{port}/v1"))
    status, report, _ = _readyz(server.url)
    # The offline agent answers while the model server is down: still ready, but it says so.
    assert status == 200 and report["ready"] is True, report
    assert str(report["model"]).startswith("degraded: ConnectError"), report


def test_a_connector_that_never_answers_does_not_hang_readyz(
    tmp_path: Path,
    live_server_factory,  # type: ignore[no-untyped-def]
    silent_server: str,
) -> None:
    settings = make_settings(tmp_path, connector="fhir", fhir_base_url=silent_server + "/fhir")
    server = live_server_factory(settings)
    status, report, took = _readyz(server.url)
    assert took < READYZ_WAIT_S + 1.0, took  # bounded: the probe goes on in the background
    assert status == 200 and report["ready"] is True, report  # the EMR is shared: degraded, not out
    assert report["connector"] == f"fhir: degraded: no answer within {READYZ_WAIT_S:g} s yet", report
    deadline = time.monotonic() + 15
    while "within 3 s" not in str(report["connector"]):  # the probe's own bound, once it has run out
        assert time.monotonic() < deadline, report
        time.sleep(0.2)  # polling /readyz with a deadline
        status, report, took = _readyz(server.url)
        assert took < READYZ_WAIT_S + 1.0, took
    assert report["connector"] == "fhir: degraded: no answer within 3 s"


def test_a_probe_storm_reaches_the_emr_once(tmp_path: Path, live_server_factory, counting_fhir) -> None:  # type: ignore[no-untyped-def]
    base, handler = counting_fhir
    server = live_server_factory(make_settings(tmp_path, connector="fhir", fhir_base_url=base))

    async def storm() -> list[dict[str, object]]:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(*(client.get(f"{server.url}/readyz") for _ in range(30)))
        return [a.json() for a in answers]

    reports = asyncio.run(storm())
    assert all(r["connector"] == "fhir: ok" and r["ready"] is True for r in reports), reports[0]
    assert handler.hits == 1  # one probe, its answer shared and cached for a few seconds


def test_no_twilio_token_says_voice_is_not_configured(
    tmp_path: Path,
    live_server_factory,  # type: ignore[no-untyped-def]
    captured_logs,
) -> None:
    server = live_server_factory(make_settings(tmp_path, twilio_auth_token=None))
    status, report, _ = _readyz(server.url)
    assert report["voice"] == "not configured: FRONTDESK_TWILIO_AUTH_TOKEN is not set"
    assert status == 200 and report["ready"] is True  # chat still serves
    # Said at start too, in the log an operator reads first.
    said = [line for line in json_lines(captured_logs) if line.get("level") == "warning"]
    assert any("FRONTDESK_TWILIO_AUTH_TOKEN is not set" in line["event"] for line in said), said


def test_unreachable_redis_makes_the_replica_unready(tmp_path: Path, live_server_factory) -> None:  # type: ignore[no-untyped-def]
    server = live_server_factory(make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{_closed_port()}/0"))
    status, report, _ = _readyz(server.url)
    # Chat events and shared limits go through Redis: the replicas that reach it take the work.
    assert status == 503 and report["ready"] is False, report
    assert str(report["redis"]).startswith("ConnectionError"), report
    assert report["database"] == "ok" and report["drain"] == "serving"  # Redis is the only reason
