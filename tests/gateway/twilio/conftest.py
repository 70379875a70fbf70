"""Fixtures for the voice edge: a gateway with the fake Twilio REST server, caller voices."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import make_settings
from tests.fakes.twilio_rest import FakeTwilioRest

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-twilio-token"  # what tests.conftest.make_settings configures
STAFF_NUMBER = "+15035559000"


@pytest.fixture(scope="session")
def caller_tts():
    """Piper, loaded once per session, to synthesize what the simulated caller says."""
    from speech.tts import TextToSpeech

    tts = TextToSpeech.load(workers=1, varied=False)  # same caller audio every run
    yield tts
    tts.close()


@pytest.fixture
def twilio_rest() -> Iterator[FakeTwilioRest]:
    fake = FakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def voice_settings(tmp_path, twilio_rest):
    """A gateway that can transfer calls (to the fake REST server) and floods audio for speed.

    The playback lead is raised so replies are not paced to real time (the simulator echoes marks
    at once in its fast mode); the barge-in test sets its own.
    """
    return make_settings(
        tmp_path,
        twilio_account_sid=ACCOUNT_SID,
        twilio_api_base_url=twilio_rest.base_url,
        transfer_number=STAFF_NUMBER,
        twilio_playback_lead_ms=120_000,
    )
