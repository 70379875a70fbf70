"""Caller voices: espeak-ng and Piper to 8 kHz caller audio, through sox's phone band."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from gateway.evaluation.voices import CallerVoice, PhoneBand, VoiceError, VoiceSpec, word_error_rate

needs_tools = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by make system-deps",
)


def band_energy(audio: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / 8000)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum() / spectrum.sum())


def test_voice_specs() -> None:
    assert VoiceSpec.parse("piper") == VoiceSpec("piper")
    assert VoiceSpec.parse("espeak:en-us+f3:70:150") == VoiceSpec("espeak", "en-us+f3", 70, 150)
    assert VoiceSpec.parse("espeak:en-gb-x-rp").label == "espeak:en-gb-x-rp"
    for bad in ("espeak", "espeak:en:1", "espeak:en:x:150", "espeak:en:120:150", "festival:kal"):
        with pytest.raises(VoiceError):
            VoiceSpec.parse(bad)


@needs_tools
async def test_espeak_through_the_phone_band() -> None:
    voice = CallerVoice("espeak:en-us+f3:60:160", PhoneBand(noise_db=20, seed=7))
    clip = await voice.say("I need to cancel my appointment.")
    again = await CallerVoice("espeak:en-us+f3:60:160", PhoneBand(noise_db=20, seed=7)).say(
        "I need to cancel my appointment."
    )
    other_seed = await CallerVoice("espeak:en-us+f3:60:160", PhoneBand(noise_db=20, seed=8)).say(
        "I need to cancel my appointment."
    )
    assert (
        clip.text == "I need to cancel my appointment." and clip.voice == "espeak:en-us+f3:60:160+phone@20dB"
    )
    assert clip.audio.dtype == np.int16 and 1.0 < clip.seconds < 5.0
    assert np.array_equal(clip.audio, again.audio)  # seeded: a run can be repeated
    assert not np.array_equal(clip.audio, other_seed.audio)
    # what a phone line passes: 300-3400 Hz (sox's sinc filter has short transition bands)
    assert band_energy(clip.audio, 250, 3600) > 0.98
    assert band_energy(clip.audio, 0, 150) < 0.005 and band_energy(clip.audio, 3750, 4001) < 0.005


@needs_tools
def test_unknown_espeak_voice() -> None:
    with pytest.raises(VoiceError, match="no voice 'xx-nowhere'"):
        CallerVoice("espeak:xx-nowhere")


@pytest.mark.slow
async def test_piper_without_the_phone_band() -> None:
    voice = CallerVoice("piper", PhoneBand(enabled=False))
    try:
        clip = await voice.say("Yes please.")
        assert clip.voice == "piper" and clip.audio.dtype == np.int16 and 0.5 < clip.seconds < 3
        assert np.array_equal(clip.audio, (await voice.say("Yes please.")).audio)
    finally:
        voice.close()


def test_word_error_rate() -> None:
    assert word_error_rate(["Yes, please."], ["yes please"]) == 0.0
    assert word_error_rate(["yes please"], ["yes lean"]) == 0.5
