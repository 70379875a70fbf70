import warnings

import numpy as np
import pytest

from speech.codec import ULAW_SILENCE, ulaw_decode, ulaw_encode
from speech.pcm import AudioFormatError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # the reference implementation (stdlib on Python 3.11, removed in 3.13)


def test_encode_is_bit_exact_for_every_16_bit_sample() -> None:
    every = np.arange(-32768, 32768, dtype=np.int16)
    assert ulaw_encode(every) == audioop.lin2ulaw(every.tobytes(), 2)


def test_decode_is_bit_exact_for_every_byte() -> None:
    every = bytes(range(256))
    expected = np.frombuffer(audioop.ulaw2lin(every, 2), dtype=np.int16)
    assert np.array_equal(ulaw_decode(every), expected)
    assert ulaw_decode(every).dtype == np.int16


def test_round_trip_error_is_within_the_codec_step() -> None:
    rng = np.random.default_rng(1)
    pcm = rng.integers(-32768, 32767, 8000, dtype=np.int16)
    back = ulaw_decode(ulaw_encode(pcm)).astype(np.int32)
    # mu-law keeps ~13 bits of a 16-bit sample: the error grows with the magnitude (at most 1/32 + bias).
    assert np.all(np.abs(back - pcm) <= np.abs(pcm.astype(np.int32)) // 16 + 8)


def test_zero_encodes_to_the_silence_byte() -> None:
    assert ulaw_encode(np.zeros(160, dtype=np.int16)) == bytes([ULAW_SILENCE]) * 160
    assert np.all(ulaw_decode(bytes([ULAW_SILENCE]) * 4) == 0)


def test_float_input_is_scaled_and_clipped() -> None:
    floats = np.array([0.0, 0.5, -0.5, 2.0, -2.0], dtype=np.float32)
    ints = np.array([0, 16384, -16384, 32767, -32767], dtype=np.int16)
    assert ulaw_encode(floats) == ulaw_encode(ints)


def test_empty_input_gives_empty_output() -> None:
    assert ulaw_encode(np.zeros(0, dtype=np.int16)) == b""
    assert ulaw_decode(b"").size == 0


def test_nan_samples_are_refused() -> None:
    with pytest.raises(AudioFormatError, match="NaN"):
        ulaw_encode(np.array([0.1, np.nan], dtype=np.float32))


def test_stereo_array_is_refused() -> None:
    with pytest.raises(AudioFormatError, match="mono"):
        ulaw_encode(np.zeros((2, 160), dtype=np.int16))


def test_decode_refuses_text() -> None:
    with pytest.raises(AudioFormatError, match="bytes"):
        ulaw_decode("not audio")  # type: ignore[arg-type]
