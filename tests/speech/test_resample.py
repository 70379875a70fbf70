import numpy as np
import pytest

from speech.pcm import AudioFormatError
from speech.resample import LOW_LATENCY, StreamResampler, resample


def tone(freq: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * 12000).astype(np.int16)


def peak_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return float(np.fft.rfftfreq(len(pcm), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (16000, 8000), (22050, 8000), (8000, 48000)])
def test_resample_keeps_length_ratio_and_pitch(src: int, dst: int) -> None:
    out = resample(tone(440, src), src, dst)
    assert out.dtype == np.int16
    assert abs(len(out) - dst) <= 2
    assert abs(peak_hz(out, dst) - 440) < 3


def test_downsampling_removes_content_above_the_new_nyquist() -> None:
    # 6 kHz cannot exist at 8 kHz; a proper filter removes it instead of folding it to 2 kHz.
    out = resample(tone(6000, 48000), 48000, 8000)
    assert np.sqrt(np.mean(out.astype(np.float64) ** 2)) < 200


def test_float_input_stays_float() -> None:
    floats = tone(440, 8000).astype(np.float32) / 32768
    out = resample(floats, 8000, 16000)
    assert out.dtype == np.float32 and abs(len(out) - 16000) <= 2
    assert np.allclose(out * 32768, resample(tone(440, 8000), 8000, 16000), atol=3)
    with pytest.raises(AudioFormatError, match="NaN"):
        resample(np.array([0.0, np.nan], dtype=np.float32), 8000, 16000)


def test_same_rate_is_a_copy() -> None:
    pcm = tone(300, 8000, 0.1)
    out = resample(pcm, 8000, 8000)
    assert np.array_equal(out, pcm) and out is not pcm


@pytest.mark.parametrize("rate", [0, -8000, 100, 10**6, 8000.5])
def test_bad_rate_is_a_clear_error(rate: object) -> None:
    with pytest.raises(AudioFormatError, match="rate"):
        resample(tone(300, 8000, 0.1), rate, 16000)  # type: ignore[arg-type]


def test_low_latency_stream_returns_each_20ms_frame_at_once_and_continuously() -> None:
    pcm = tone(440, 8000)
    stream = StreamResampler(8000, 16000, quality=LOW_LATENCY)
    outs = [stream.process(pcm[i : i + 160]) for i in range(0, len(pcm), 160)]
    # No burst buffering: after the first frame every frame yields its 320 samples immediately.
    assert all(len(o) == 320 for o in outs[1:])
    joined = np.concatenate([*outs, stream.flush()])
    assert abs(len(joined) - 16000) <= 2
    assert abs(peak_hz(joined, 16000) - 440) < 3
    # Continuity: no click at frame edges (sample-to-sample steps stay those of a 440 Hz sine).
    assert np.abs(np.diff(joined[100:-100].astype(np.int32))).max() < 12000 * 2 * np.pi * 440 / 16000 * 1.2


def test_stream_high_quality_matches_whole_buffer() -> None:
    pcm = tone(440, 8000)
    stream = StreamResampler(8000, 16000, quality="HQ")
    joined = np.concatenate(
        [*(stream.process(pcm[i : i + 160]) for i in range(0, 8000, 160)), stream.flush()]
    )
    whole = resample(pcm, 8000, 16000)
    assert len(joined) == len(whole)
    assert np.abs(joined.astype(np.int32) - whole).max() <= 4


def test_stream_passthrough_and_bad_input() -> None:
    stream = StreamResampler(8000, 8000)
    frame = tone(440, 8000, 0.02)
    assert np.array_equal(stream.process(frame), frame)
    assert stream.flush().size == 0
    with pytest.raises(AudioFormatError):
        StreamResampler(8000, 16000).process(np.array([np.nan], dtype=np.float32))
