"""Exception text without the values in it, for the text logs.

An exception's message often quotes the data that caused it: pydantic's `ValidationError` prints
`input_value='Sarah Johnson'`, a `KeyError` prints the key, our own messages name what was not
found. In a log line those are patient data (docs/security.md). The logs keep what an operator
needs to find the fault, the exception's type, where it was raised (the traceback's frames, which
are code, not data) and the shape of the message; the values in it are replaced:

- `input_value=...` (pydantic) by `input_value=…`;
- anything in quotes by `'…'`;
- e-mail addresses by `…@…`;
- numbers of four digits or more, also with separators (phone numbers, dates, years), by `#`.
  Shorter ones (an HTTP status, a count) stay, and so do hex ids (digits among letters).
"""

from __future__ import annotations

import re
import sys
import traceback
from typing import Any

from structlog.typing import EventDict

_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=|\]|$)", re.MULTILINE)
_QUOTED = re.compile(r"""(?<![\w\\])(?:'[^'\n]*'|"[^"\n]*")(?!\w)""")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"(?<![\w.])\+?\(?\d[\d\s\-./()]*\d\)?(?![\w])")
_ERROR_FIELDS = ("error", "exc", "reason_detail")


def _number(match: re.Match[str]) -> str:
    return "#" if sum(c.isdigit() for c in match.group()) >= 4 else match.group()


def scrub(text: str) -> str:
    """An exception message with the values in it replaced (see the module docstring)."""
    text = _INPUT_VALUE.sub("input_value=…", text)
    text = _QUOTED.sub("'…'", text)
    text = _EMAIL.sub("…@…", text)
    return _NUMBER.sub(_number, text)


def describe(exc: BaseException) -> str:
    """`Type: scrubbed message`, what a log line says about an exception."""
    message = scrub(str(exc))
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def format_exception(exc: BaseException) -> str:
    """A traceback as Python prints it, chained exceptions included, with every message scrubbed."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = (
                current.__cause__,
                "The above exception was the direct cause of the following exception:",
            )
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = (
                current.__context__,
                "During handling of the above exception, another exception occurred:",
            )
        else:
            current = None
    parts: list[str] = []
    for item, following in reversed(chain):
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        parts.append(describe(item) + "\n")
        if following is not None:
            parts.append(f"\n{following}\n\n")
    return "".join(parts).rstrip("\n")


def scrub_exceptions(_: Any, __: str, event: EventDict) -> EventDict:
    """A structlog processor, in place of `format_exc_info`: renders `exc_info` as a scrubbed
    traceback in `exception`, and scrubs the fields that carry an exception's text (`error=...`)."""
    exc_info = event.pop("exc_info", None)
    if exc_info:
        if exc_info is True:
            exc_info = sys.exc_info()
        exc = exc_info if isinstance(exc_info, BaseException) else exc_info[1]
        if exc is not None:
            event["exception"] = format_exception(exc)
    for key in _ERROR_FIELDS:
        value = event.get(key)
        if isinstance(value, BaseException):
            event[key] = describe(value)
        elif isinstance(value, str):
            event[key] = scrub(value)
    return event
