"""Piper synthesis: sentence streaming, phone framing, cancellation and bad input."""

import asyncio
import json
import time
from pathlib import Path

import numpy as np
import pytest

from speech.codec import ULAW_SILENCE, ulaw_decode
from speech.pcm import AudioFormatError
from speech.tts import PhoneChunk, SpeechChunk, TextToSpeech, VoiceNotFoundError, default_voice_path

pytestmark = pytest.mark.slow

REPLY = (
    "Thanks for calling. Doctor Lee has an opening on 2031-03-12 at 14:30. "
    "Shall I book it? You can also reach us at 555-123-4567. Goodbye."
)


async def wait_idle(tts: TextToSpeech, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while tts.in_flight:
        assert time.monotonic() < deadline, "synthesis did not stop"
        await asyncio.sleep(0.01)


async def test_stream_yields_normalised_sentences_in_order(tts: TextToSpeech) -> None:
    chunks = [c async for c in tts.stream(REPLY)]
    assert chunks[0].text == "Thanks for calling."
    assert len(chunks) == 5
    assert "2:30 PM" in chunks[1].text and "5 5 5, 1 2 3, 4 5 6 7" in chunks[3].text
    for chunk in chunks:
        assert isinstance(chunk, SpeechChunk) and chunk.sample_rate == tts.sample_rate == 22050
        assert chunk.pcm.dtype == np.int16 and 0.3 < chunk.duration_s < 8
        assert np.abs(chunk.pcm).max() > 3000  # audible, not silence


async def test_first_chunk_comes_before_the_rest_is_synthesized(tts: TextToSpeech) -> None:
    await wait_idle(tts)
    before = tts.synthesized
    stream = tts.stream(REPLY)
    first = await anext(stream)
    assert first.text == "Thanks for calling."
    assert tts.synthesized - before <= 2  # the first, and at most the next one started meanwhile
    await stream.aclose()
    await wait_idle(tts)
    assert tts.synthesized - before <= 2  # closing stopped the other three


async def test_cancelling_the_consumer_stops_synthesis(tts: TextToSpeech) -> None:
    await wait_idle(tts)
    before = tts.synthesized
    got: list[str] = []

    async def speak() -> None:
        async for chunk in tts.stream_phone(REPLY):
            got.append(chunk.text)
            await asyncio.Event().wait()  # stalls like a caller who barged in

    task = asyncio.create_task(speak())
    deadline = time.monotonic() + 20
    while not got:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_idle(tts)
    assert len(got) == 1 and tts.synthesized - before <= 2


async def test_phone_chunks_are_whole_20ms_mulaw_frames(tts: TextToSpeech) -> None:
    chunks = [c async for c in tts.stream_phone("Hello. Your appointment is confirmed for 9:30 tomorrow.")]
    assert len(chunks) == 2
    for chunk in chunks:
        assert isinstance(chunk, PhoneChunk)
        assert len(chunk.ulaw) % 160 == 0 and all(len(f) == 160 for f in chunk.frames)
        assert chunk.duration_ms == len(chunk.frames) * 20
        pcm = ulaw_decode(chunk.ulaw)
        assert np.abs(pcm).max() > 3000
    # The padding at the end of a chunk is mu-law silence.
    assert chunks[-1].ulaw[-1] == ULAW_SILENCE


async def test_requested_rates(tts: TextToSpeech) -> None:
    text = "One moment please."
    lengths = {}
    for rate in (8000, 16000, 24000, 48000):
        [chunk] = [c async for c in tts.stream(text, sample_rate=rate)]
        assert chunk.sample_rate == rate
        lengths[rate] = chunk.duration_s
    # Piper's output varies a little from run to run (its noise); the durations agree closely.
    assert max(lengths.values()) - min(lengths.values()) < 0.25


async def test_nothing_to_say_gives_no_chunks(tts: TextToSpeech) -> None:
    assert [c async for c in tts.stream("")] == []
    assert [c async for c in tts.stream(" ... !? ")] == []
    assert [c async for c in tts.stream_phone("   ")] == []
    whole = await tts.synthesize("")
    assert whole.pcm.size == 0


async def test_bad_rate_is_a_clear_error(tts: TextToSpeech) -> None:
    with pytest.raises(AudioFormatError, match="rate"):
        [c async for c in tts.stream("hello", sample_rate=7)]


def test_blocking_synthesis_matches_streaming_shape(tts: TextToSpeech) -> None:
    whole = tts.synthesize_blocking("Hello there. How are you?", 16000)
    assert whole.sample_rate == 16000 and whole.text == "Hello there. How are you?"
    assert 1.0 < whole.duration_s < 4.0


def test_missing_or_broken_voice_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceNotFoundError, match="not found"):
        TextToSpeech.load(tmp_path / "nope.onnx")
    onnx = tmp_path / "voice.onnx"
    onnx.write_bytes(b"not onnx")
    with pytest.raises(VoiceNotFoundError, match="config not found"):
        TextToSpeech.load(onnx)
    Path(f"{onnx}.json").write_text(Path(f"{default_voice_path()}.json").read_text())
    with pytest.raises(VoiceNotFoundError, match="cannot load"):
        TextToSpeech.load(onnx)
    Path(f"{onnx}.json").write_text(json.dumps({"broken": True}))
    with pytest.raises(VoiceNotFoundError, match="cannot load"):
        TextToSpeech.load(onnx)
    with pytest.raises(ValueError, match="workers"):
        TextToSpeech.load(workers=0)
