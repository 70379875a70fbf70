"""The gateway's text logs, captured: logging configured exactly as `frontdesk serve` does
(structlog JSON through the one stdlib handler), with that handler writing into a buffer.

Import the fixture into a test module (`from tests.logs import captured_logs`).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import structlog

from gateway.logging import QUIET_LOGGERS, configure_logging


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """The gateway's logging configuration at DEBUG, writing into a buffer; restored afterwards."""
    with capturing_logs("DEBUG") as buffer:
        yield buffer


@contextmanager
def capturing_logs(level: str) -> Iterator[io.StringIO]:
    """The gateway's logging configuration at `level`, writing into a buffer; restored afterwards."""
    root = logging.getLogger()
    names = ["uvicorn", "uvicorn.error", "uvicorn.access", *QUIET_LOGGERS]
    saved_root = (root.handlers[:], root.level)
    saved = {n: (logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names}
    configure_logging(level, json_output=True)
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:], level = saved_root
        root.setLevel(level)
        for name, (lvl, propagate) in saved.items():
            logging.getLogger(name).setLevel(lvl)
            logging.getLogger(name).propagate = propagate
        structlog.reset_defaults()


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    """The captured lines, parsed (every line is one JSON object)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
