import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile

from speech.codec import ulaw_decode, ulaw_encode
from speech.pcm import (
    AudioFormatError,
    int16_from_bytes,
    read_wav,
    split_frames,
    to_float32,
    to_int16,
    write_wav,
)


def test_wav_round_trip(tmp_path: Path) -> None:
    pcm = (np.sin(np.arange(800) / 5) * 20000).astype(np.int16)
    write_wav(tmp_path / "a.wav", pcm, 8000)
    back, rate = read_wav(tmp_path / "a.wav")
    assert rate == 8000 and np.array_equal(back, pcm)


def test_stereo_wav_is_mixed_down(tmp_path: Path) -> None:
    with wave.open(str(tmp_path / "s.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.array([100, 300, -200, -400], dtype="<i2").tobytes())
    pcm, rate = read_wav(tmp_path / "s.wav")
    assert rate == 16000 and pcm.tolist() == [200, -300]


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(AudioFormatError, match="no such audio file"):
        read_wav(tmp_path / "missing.wav")
    (tmp_path / "junk.wav").write_bytes(b"definitely not RIFF")
    with pytest.raises(AudioFormatError, match="not a readable WAV"):
        read_wav(tmp_path / "junk.wav")
    pcm = (np.sin(np.arange(800) / 5) * 20000).astype(np.int16)
    write_wav(tmp_path / "cut.wav", pcm, 8000)
    (tmp_path / "cut.wav").write_bytes((tmp_path / "cut.wav").read_bytes()[:30])  # header cut short
    with pytest.raises(AudioFormatError):
        read_wav(tmp_path / "cut.wav")
    soundfile.write(
        tmp_path / "nan.wav", np.array([0.1, np.nan, 0.2], dtype=np.float32), 8000, subtype="FLOAT"
    )
    with pytest.raises(AudioFormatError, match="NaN"):
        read_wav(tmp_path / "nan.wav")


def test_other_wav_encodings_are_read(tmp_path: Path) -> None:
    pcm = (np.sin(np.arange(800) / 5) * 20000).astype(np.int16)
    # A Twilio-style recording: mu-law WAV. libsndfile's decoder agrees with ours to the bit.
    soundfile.write(tmp_path / "ulaw.wav", pcm, 8000, subtype="ULAW")
    raw = (tmp_path / "ulaw.wav").read_bytes()
    stored = raw[raw.find(b"data") + 8 :][: len(pcm)]
    back, rate = read_wav(tmp_path / "ulaw.wav")
    assert rate == 8000 and np.array_equal(back, ulaw_decode(stored))
    assert np.abs(back.astype(np.int32) - ulaw_decode(ulaw_encode(pcm))).max() <= 1024  # one mu-law step
    with wave.open(str(tmp_path / "8bit.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes([128, 192, 64]))
    back, _ = read_wav(tmp_path / "8bit.wav")
    assert back.tolist() == [0, 16384, -16384]  # 8-bit is unsigned around 128, scaled by 256
    soundfile.write(tmp_path / "float.wav", np.array([0.5, -0.25], dtype=np.float32), 16000, subtype="FLOAT")
    assert read_wav(tmp_path / "float.wav")[0].tolist() == [16384, -8192]


def test_odd_byte_count_is_refused_not_truncated() -> None:
    assert int16_from_bytes(b"\x01\x00\xff\xff").tolist() == [1, -1]
    with pytest.raises(AudioFormatError, match="even number of bytes"):
        int16_from_bytes(b"\x01\x00\x02")


def test_conversions() -> None:
    assert to_int16(np.array([1.5, -1.5, 0.25])).tolist() == [32767, -32767, 8192]
    assert to_int16(np.array([70000, -70000], dtype=np.int32)).tolist() == [32767, -32768]
    assert to_float32(np.array([16384], dtype=np.int16)).tolist() == [0.5]
    with pytest.raises(AudioFormatError, match="NaN"):
        to_float32(np.array([np.inf]))
    with pytest.raises(AudioFormatError, match="unsupported sample type"):
        to_int16(np.array(["a"]))


def test_split_frames_pads_the_last_frame() -> None:
    frames = split_frames(np.ones(400, dtype=np.int16), 8000)
    assert [len(f) for f in frames] == [160, 160, 160]
    assert frames[-1][80:].tolist() == [0] * 80
