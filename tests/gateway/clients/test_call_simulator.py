"""The call simulator's own checks: bad input to it is a clear error, and the simulated phone
measures the silence inside a reply as a caller would hear it."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from gateway.clients.call_simulator import SimulatorError, dtmf_turn, gateway_urls
from gateway.clients.media_stream import Phone


def test_simulator_input_errors():
    with pytest.raises(SimulatorError, match="ws://"):
        gateway_urls("http://127.0.0.1:8000/twilio/stream")
    with pytest.raises(SimulatorError, match="keypad"):
        dtmf_turn("12x")
    assert gateway_urls("wss://a.example/twilio/stream") == (
        "https://a.example/twilio/voice",
        "https://a.example",
    )


class _RecordingSocket:
    """The client connection the simulated phone echoes its marks on."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))


async def test_the_simulated_phone_measures_silence_inside_a_reply() -> None:
    phone = Phone(_RecordingSocket(), "MZ1", realtime=True)  # type: ignore[arg-type]
    player = asyncio.create_task(phone.play())
    frame = {"event": "media", "media": {"payload": base64.b64encode(b"\xff" * 160).decode()}}
    try:
        phone.expect_reply()
        for _ in range(5):  # 100 ms of audio ...
            phone.on_message(frame)
        phone.on_message({"event": "mark", "mark": {"name": "u1:0"}})
        await asyncio.sleep(0.35)  # ... and the next sentence 250 ms after it has played
        for _ in range(5):
            phone.on_message(frame)
        phone.on_message({"event": "mark", "mark": {"name": "u1:end"}})
        await asyncio.wait_for(phone.finished.wait(), 5)
        assert 0.2 <= phone.longest_gap_s <= 0.5
        phone.expect_reply()  # a reply whose audio keeps coming has none
        for _ in range(10):
            phone.on_message(frame)
        phone.on_message({"event": "mark", "mark": {"name": "u2:end"}})
        await asyncio.wait_for(phone.finished.wait(), 5)
        assert phone.longest_gap_s < 0.05
        assert [m["mark"]["name"] for m in phone.ws.sent] == ["u1:0", "u1:end", "u2:end"]  # type: ignore[attr-defined]
    finally:
        player.cancel()
