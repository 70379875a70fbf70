"""Fixtures for the voice edge: a gateway with the fake Twilio REST server, caller voices."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from gateway.clients.call_simulator import CallSimulator
from gateway.twilio.signatures import sign
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


class Call:
    """A call answered by the webhook, ready for a hand-driven media stream."""

    def __init__(self, server) -> None:
        self.server = server
        self.sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN)

    async def answer(self) -> dict[str, str]:
        async with httpx.AsyncClient() as client:
            self.stream_url, params = await self.sim.answer(client)
        return params

    def connect(self, signature: str | None = None):
        headers = {"X-Twilio-Signature": signature or sign(AUTH_TOKEN, self.stream_url, {})}
        return connect(self.server.ws_url + "/twilio/stream", additional_headers=headers, max_size=2**22)

    def start(self, token: str) -> str:
        return json.dumps(
            {
                "event": "start",
                "sequenceNumber": "1",
                "streamSid": self.sim.stream_sid,
                "start": {
                    "streamSid": self.sim.stream_sid,
                    "callSid": self.sim.call_sid,
                    "accountSid": self.sim.account_sid,
                    "customParameters": {"token": token},
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )

    async def record(self) -> dict:
        async with httpx.AsyncClient() as client:
            return await self.sim.transcript(client)
