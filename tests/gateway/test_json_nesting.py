"""Frames nested deeper than the protocols need are refused before `json.loads` recurses toward the
interpreter's limit (where a GC callback or finaliser running at that depth aborted the process:
found by tests/gateway/fuzz/)."""

from __future__ import annotations

import json

import pytest

from gateway.chat.protocol import BadFrame, parse_client_frame
from gateway.json_nesting import MAX_DEPTH, nested_too_deeply
from gateway.twilio import messages


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert not nested_too_deeply('{"event": "media", "media": {"payload": "AAAA"}}')
    assert not nested_too_deeply("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert nested_too_deeply("[" * (MAX_DEPTH + 1))
    assert nested_too_deeply('{"a":' * (MAX_DEPTH + 1))
    brackets_in_text = json.dumps({"type": "message", "text": "[{" * 5000 + '\\"['})
    assert not nested_too_deeply(brackets_in_text)
    many_but_flat = json.dumps([[1]] * 5000)  # 5001 brackets, two levels
    assert not nested_too_deeply(many_but_flat)


@pytest.fixture
def no_json_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("json.loads was called on a frame nested too deeply")

    monkeypatch.setattr(json, "loads", refuse)


@pytest.mark.usefixtures("no_json_parser")
@pytest.mark.parametrize("frame", ["[" * 20_000, '{"event": "media", "x": ' + "[" * 200 + "]" * 200 + "}"])
def test_deep_frames_are_refused_before_parsing(frame: str) -> None:
    with pytest.raises(messages.ProtocolError, match="nested too deeply"):
        messages.parse(frame)
    with pytest.raises(BadFrame) as err:
        parse_client_frame(frame)
    assert err.value.code == "bad_json" and "nested too deeply" in err.value.message


def test_frames_of_the_protocols_still_parse() -> None:
    assert isinstance(messages.parse(json.dumps({"event": "mark", "mark": {"name": "[[[["}})), messages.Mark)
    message = parse_client_frame(json.dumps({"v": 1, "type": "message", "text": "{" * 3000}))
    assert message.type == "message"
