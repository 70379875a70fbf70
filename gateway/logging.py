"""Structured JSON logs. Every line logged inside a conversation carries its `conversation_id`.

stdlib logging (uvicorn, SQLAlchemy, our modules) is routed through structlog's formatter, so all
output is one JSON object per line. Context travels in contextvars, so concurrent calls don't mix.

No patient data in the text logs (docs/security.md). Patient data lives in the database and the
audit chain, never in log lines:
- third-party client libraries (httpx, httpcore, twilio, hubspot, urllib3, SQLAlchemy) log at
  WARNING at most, whatever the service's level: at INFO httpx writes every request URL, and a FHIR
  search URL is `Patient?family=...&given=...&birthdate=...`;
- every query string in a log line (uvicorn's access log `GET /console?q=...`, its WebSocket lines
  `/twilio/stream?token=...`, URLs in exception messages and tracebacks) is replaced by `?[redacted]`.
  The path stays, so the access log still says which page was asked for;
- exception text (tracebacks, `error=repr(exc)`) keeps the exception's type and the shape of its
  message, not the values quoted in it (`gateway/log_scrub.py`).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

from gateway.log_scrub import scrub_exceptions

_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


# Client libraries that log request URLs (with patient data in query strings) or bodies at INFO/DEBUG.
QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "hpack",
    "h2",
    "urllib3",
    "requests",
    "twilio",
    "twilio.http_client",
    "hubspot",
    "asyncpg",
    "aiosqlite",
    "sqlalchemy",
    "sqlalchemy.engine",
    "websockets",
    "multipart",
    "python_multipart",
    "faster_whisper",
)

# A query string after a path or URL (`/console?q=Sarah+Johnson`, `https://emr/fhir/Patient?family=X`)
# or after a bare FHIR resource type with a parameter (`Patient?birthdate=1985-03-14`).
_QUERY = re.compile(
    r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*|/[^\s?#\"'<>]*)\?[^\s\"'<>#]+"
    r"|(?P<word>\b[A-Z][A-Za-z]+)\?(?=[^\s\"'<>#]*=)[^\s\"'<>#]+"
)
REDACTED = "?[redacted]"


def redact_queries(text: str) -> str:
    """Every `path?query` / `url?query` in `text` with its query string replaced by `?[redacted]`."""
    if "?" not in text:
        return text
    return _QUERY.sub(lambda m: (m.group("keep") or m.group("word")) + REDACTED, text)


def _redact_event(_: Any, __: str, event: EventDict) -> EventDict:
    """The last processor before rendering: query strings out of every string value (the message,
    a formatted traceback, fields such as `error=repr(exc)`)."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = redact_queries(value)
    return event


class RedactQueries(logging.Filter):
    """Handler filter for stdlib records (uvicorn access and error logs, library loggers): formats
    the message once and strips query strings from it, before any formatter sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            try:
                message = record.getMessage()
            except Exception:  # a broken format string: leave it to the formatter to report
                return True
            redacted = redact_queries(message)
            if redacted != message or record.args:
                record.msg, record.args = redacted, ()
        return True


def configure_logging(level: str = "INFO", json_output: bool = True) -> None:
    renderer = structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            scrub_exceptions,  # tracebacks and error=... fields without the values in messages
            _redact_event,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RedactQueries())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    wanted = logging.getLevelName(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, wanted))
    # At DEBUG uvicorn's WebSocket protocol logs every frame, chat message text included.
    logging.getLogger("uvicorn.error").setLevel(max(logging.INFO, wanted))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)


def bind_conversation(conversation_id: str) -> None:
    """Tag every following log line in this task (and tasks it spawns) with the conversation."""
    structlog.contextvars.bind_contextvars(conversation_id=conversation_id)


def unbind_conversation() -> None:
    structlog.contextvars.unbind_contextvars("conversation_id")
