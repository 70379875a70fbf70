"""Paced playback, marks and heard-tracking; the stereo recorder cut at barge-in."""

from __future__ import annotations

import asyncio
import base64
import time
import wave

import numpy as np

from gateway.twilio.playback import Playback
from gateway.twilio.recorder import CallRecorder


class Wire:
    def __init__(self) -> None:
        self.sent: list[tuple[float, dict]] = []

    async def __call__(self, message: dict) -> None:
        self.sent.append((time.monotonic(), message))

    def events(self, kind: str) -> list[dict]:
        return [m for _, m in self.sent if m["event"] == kind]


async def test_playback_is_paced_to_real_time_with_a_mark_per_chunk():
    wire = Wire()
    playback = Playback(wire, "MZ1", lead_ms=100)
    playback.begin()
    started = time.monotonic()
    await playback.play("Hello there.", b"\xff" * 160 * 25)  # 500 ms
    await playback.play("How can I help?", b"\xff" * 160 * 25)  # 500 ms
    elapsed = time.monotonic() - started
    # 1 s of audio with at most 100 ms sent ahead: at least ~0.9 s of wall time.
    assert elapsed >= 0.85
    media = wire.events("media")
    assert len(media) == 50 and all(len(base64.b64decode(m["media"]["payload"])) == 160 for m in media)
    assert [m["mark"]["name"] for m in wire.events("mark")] == ["u1:0", "u1:1"]
    assert all(m["streamSid"] == "MZ1" for _, m in wire.sent)


async def test_heard_is_the_chunks_whose_marks_came_back_before_clear():
    wire = Wire()
    playback = Playback(wire, "MZ1", lead_ms=10_000)  # no pacing: the test drives the marks
    utterance = playback.begin()
    for text in ("First sentence.", "Second sentence.", "Third sentence."):
        await playback.play(text, b"\xff" * 160)
    assert playback.speaking
    playback.on_mark("u1:0")
    playback.on_mark("not-ours")  # ignored
    cleared = await playback.clear()
    playback.on_mark("u1:1")  # echoed after clear (dropped audio): must not count as heard
    assert cleared is utterance and utterance.interrupted
    assert utterance.said_text == "First sentence. Second sentence. Third sentence."
    assert utterance.heard_text == "First sentence."
    assert wire.events("clear") == [{"event": "clear", "streamSid": "MZ1"}]
    await playback.play("Never sent.", b"\xff" * 160)  # an interrupted reply sends nothing more
    assert len(wire.events("media")) == 3


async def test_end_mark_and_wait_played():
    wire = Wire()
    playback = Playback(wire, "MZ1", lead_ms=10_000)
    utterance = playback.begin()
    await playback.play("Goodbye.", b"\xff" * 320)
    await playback.end()
    assert [m["mark"]["name"] for m in wire.events("mark")] == ["u1:0", "u1:end"]
    assert not await playback.wait_played(0.05)
    playback.on_mark("u1:0")
    playback.on_mark("u1:end")
    assert await asyncio.wait_for(playback.wait_played(1), 2)
    assert utterance.heard_text == "Goodbye." and not playback.speaking


def test_recorder_writes_caller_left_bot_right_and_drops_bot_audio_on_cut(tmp_path):
    path = tmp_path / "rec" / "call.wav"
    recorder = CallRecorder(path)
    caller = np.full(160, 1000, dtype=np.int16)
    recorder.add_bot(np.full(480, -2000, dtype=np.int16))  # 60 ms queued for playing
    recorder.add_caller(caller)
    recorder.add_caller(caller)
    recorder.cut_bot()  # barge-in: the third 20 ms never played
    recorder.add_caller(caller)
    duration = recorder.close()
    assert duration == 0.06
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    assert (frames[:, 0] == 1000).all()
    assert (frames[:320, 1] == -2000).all() and (frames[320:, 1] == 0).all()
