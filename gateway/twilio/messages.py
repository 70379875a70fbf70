"""Twilio Media Streams messages, parsed and checked: a bad frame is a `ProtocolError` with a reason.

Twilio sends JSON text frames: `connected`, `start`, `media`, `dtmf`, `mark`, `stop`. Only the
fields the gateway uses are checked; unknown extra fields are ignored as Twilio may add some.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from gateway.json_nesting import nested_too_deeply

DTMF_DIGITS = frozenset("0123456789*#")


class ProtocolError(Exception):
    """A frame that does not follow the Media Streams protocol; `str()` is the reason."""


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    custom_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Media:
    payload: bytes  # raw mu-law 8 kHz


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Stop:
    pass


Message = Connected | Start | Media | Dtmf | Mark | Stop


def parse(text: str) -> Message:
    if nested_too_deeply(text):  # before json.loads recurses into the interpreter's limit
        raise ProtocolError("malformed JSON: nested too deeply")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"malformed JSON: {exc}") from None
    except ValueError as exc:  # an integer of more than 4300 digits (Python's own limit), ...
        raise ProtocolError(f"malformed JSON: {str(exc)[:80]}") from None
    if not isinstance(data, dict):
        raise ProtocolError("message is not a JSON object")
    event = data.get("event")
    if event == "connected":
        return Connected()
    if event == "start":
        start = _object(data, "start")
        params = start.get("customParameters") or {}
        if not isinstance(params, dict):
            raise ProtocolError("start.customParameters is not an object")
        stream_sid = data.get("streamSid") or start.get("streamSid")
        return Start(
            stream_sid=_text(stream_sid, "start.streamSid"),
            call_sid=_text(start.get("callSid"), "start.callSid"),
            account_sid=str(start.get("accountSid") or ""),
            custom_parameters={str(k): str(v) for k, v in params.items()},
        )
    if event == "media":
        payload = _text(_object(data, "media").get("payload"), "media.payload")
        try:
            return Media(base64.b64decode(payload, validate=True))
        except (binascii.Error, ValueError):
            raise ProtocolError("media.payload is not valid base64") from None
    if event == "dtmf":
        digit = _text(_object(data, "dtmf").get("digit"), "dtmf.digit")
        if digit not in DTMF_DIGITS:
            raise ProtocolError(f"dtmf.digit {digit[:8]!r} is not a keypad key")
        return Dtmf(digit)
    if event == "mark":
        return Mark(_text(_object(data, "mark").get("name"), "mark.name"))
    if event == "stop":
        return Stop()
    raise ProtocolError(f"unknown event {str(event)[:32]!r}")


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f"{key} is missing or not an object")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{name} is missing or not a string")
    return value
