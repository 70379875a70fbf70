"""Real models, loaded once per test session and shared by the speech tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from speech.pcm import read_wav
from speech.stt import SpeechToText
from speech.tts import TextToSpeech
from speech.vad import SileroVadModel
from tests.speech.audio_helpers import trim

FIXTURES = Path(__file__).parents[1] / "fixtures" / "audio"


@pytest.fixture(scope="session")
def stt() -> Iterator[SpeechToText]:
    model = SpeechToText.load(workers=2)
    yield model
    model.close()


@pytest.fixture(scope="session")
def tts() -> Iterator[TextToSpeech]:
    model = TextToSpeech.load(workers=2, varied=False)  # same audio every run
    yield model
    model.close()


@pytest.fixture(scope="session")
def vad_model() -> SileroVadModel:
    return SileroVadModel.load()


@pytest.fixture(scope="session")
def say(tts: TextToSpeech) -> Callable[[str], np.ndarray]:
    """Piper speech for a text at 8 kHz, trimmed to where it sounds (cached per text)."""
    cache: dict[str, np.ndarray] = {}

    def speak(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = trim(tts.synthesize_blocking(text, 8000).pcm, 8000)
        return cache[text]

    return speak


@pytest.fixture(scope="session")
def fixture_index() -> dict[str, dict]:
    return json.loads((FIXTURES / "fixtures.json").read_text())


def load_fixture(name: str) -> tuple[np.ndarray, int]:
    return read_wav(FIXTURES / name)
