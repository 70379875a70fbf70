"""Exception text in the logs: the type and where it happened, not the values quoted in the
message (a pydantic ValidationError's input_value, a name, a date of birth, a phone number)."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
import uvicorn
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from gateway.log_scrub import describe, scrub
from gateway.logging import get_logger
from tests.logs import capturing_logs

# the area code with its brackets or its neighbour: a bare "503" is in timestamps and process ids
PHI = ["Sarah", "Johnson", "1985", "03-14", "(503)", "503) 555", "555-0101", "5550101", "sarah.j@example.org"]


SUBMITTED = {"name": "Sarah Johnson", "birth_date": "1985-03-14", "visits": "555-0101"}


class Patient(BaseModel):
    name: str
    birth_date: date
    visits: int


def _validation_error() -> ValidationError:
    try:
        Patient.model_validate(
            {"name": ["Sarah", "Johnson"], "birth_date": "1985-03-14x", "visits": "5550101"}
        )
    except ValidationError as exc:
        return exc
    raise AssertionError("expected a ValidationError")


def _lookup_error() -> LookupError:
    return LookupError(
        "no patient 'Sarah Johnson' born 1985-03-14 at +1 (503) 555-0101 or sarah.j@example.org"
    )


@pytest.fixture
def info_logs() -> Iterator[io.StringIO]:
    """The logs at INFO, as `frontdesk serve` runs by default (DEBUG would also catch status
    lines such as "503" from servers other test modules still run)."""
    with capturing_logs("INFO") as buffer:
        yield buffer


def _no_phi(text: str) -> None:
    # the lines' own timestamps are digits that could spell "1985" by chance
    text = re.sub(r'"timestamp": "[^"]*"', "", text)
    leaks = [needle for needle in PHI if needle.lower() in text.lower()]
    assert not leaks, f"{leaks} in:\n{text}"


def test_scrub_keeps_the_shape_and_drops_the_values() -> None:
    assert scrub("no patient 'Sarah Johnson' born 1985-03-14") == "no patient '…' born #"
    assert scrub('HTTP 404 for "Patient/p-1001", 3 retries') == "HTTP 404 for '…', 3 retries"
    assert scrub("call +1 (503) 555-0101 or mail sarah.j@example.org") == "call # or mail …@…"
    assert scrub("conversation 2634584fee3143dd929bc2bfd6f36351 closed") == (
        "conversation 2634584fee3143dd929bc2bfd6f36351 closed"
    )
    assert scrub("can't reach it, don't retry") == "can't reach it, don't retry"
    text = describe(_validation_error())
    assert text.startswith("ValidationError: 2 validation errors for Patient")
    assert "input_value=…" in text and "birth_date" in text
    _no_phi(text)


def test_log_lines_carry_the_type_and_no_values(info_logs: io.StringIO) -> None:
    log = get_logger("gateway.twilio.session")
    log.error("reply failed", error=repr(_validation_error()), conversation_id="c1")
    log.error("transcription failed", error=_lookup_error())
    try:
        try:
            raise _lookup_error()
        except LookupError as inner:
            raise RuntimeError(f"while booking for {inner}") from inner
    except RuntimeError:
        log.exception("closing the call: a step failed", reason="stop")
    text = info_logs.getvalue()
    _no_phi(text)
    lines = [json.loads(line) for line in text.splitlines()]
    assert (
        lines[0]["error"].startswith("ValidationError(")
        or "validation errors for Patient" in lines[0]["error"]
    )
    assert lines[1]["error"].startswith("LookupError: no patient '…' born #")
    traceback_text = lines[2]["exception"]
    assert "Traceback (most recent call last)" in traceback_text
    assert "test_log_lines_carry_the_type_and_no_values" in traceback_text  # the frames stay
    assert "LookupError: no patient" in traceback_text and "RuntimeError: while booking for" in traceback_text
    assert "direct cause" in traceback_text


def test_an_exception_in_a_real_server_is_logged_without_its_values(info_logs: io.StringIO) -> None:
    async def fails(request: Request) -> None:
        Patient.model_validate(SUBMITTED)  # the values are data, not code: not on this line

    app = Starlette(routes=[Route("/fails", fails)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)  # polling uvicorn's own started flag, with a deadline
        response = httpx.get(f"http://127.0.0.1:{port}/fails", timeout=10)
        assert response.status_code == 500
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    text = info_logs.getvalue()
    _no_phi(text)
    [failure] = [json.loads(line) for line in text.splitlines() if "Exception in ASGI application" in line]
    assert "ValidationError: 1 validation error for Patient" in failure["exception"]
    assert "input_value=…" in failure["exception"] and "in fails" in failure["exception"]
