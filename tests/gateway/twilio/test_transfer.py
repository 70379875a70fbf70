"""Transfer through the official SDK against a local server speaking Twilio's REST format."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from gateway.settings import Settings
from gateway.twilio.transfer import CallControl, TransferError, transfer_twiml
from tests.fakes.twilio_rest import FakeTwilioRest

ACCOUNT = "AC" + "1" * 32
TOKEN = "secret-auth-token"


@pytest.fixture
def fake_rest():
    fake = FakeTwilioRest(ACCOUNT, TOKEN).start()
    yield fake
    fake.stop()


def _settings(tmp_path, fake: FakeTwilioRest, **extra: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_api_base_url=fake.base_url,
        **extra,
    )


async def test_dial_twiml_reaches_twilio_exactly(tmp_path, fake_rest):
    settings = _settings(tmp_path, fake_rest, transfer_number="+15557654321", transfer_timeout_s=25)
    status = await CallControl(settings).redirect("CA" + "9" * 32, transfer_twiml(settings))
    assert status == "in-progress"
    [update] = fake_rest.snapshot()
    assert update.call_sid == "CA" + "9" * 32
    assert update.form["Twiml"] == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Response><Dial timeout="25"><Number>+15557654321</Number></Dial></Response>'
    )


async def test_queue_wins_over_number(tmp_path, fake_rest):
    settings = _settings(tmp_path, fake_rest, transfer_number="+15557654321", transfer_queue="front-desk")
    assert transfer_twiml(settings).endswith("<Response><Enqueue>front-desk</Enqueue></Response>")


async def test_wrong_credentials_is_a_clear_error(tmp_path, fake_rest):
    settings = _settings(tmp_path, fake_rest, transfer_number="+15557654321")
    settings = settings.model_copy(update={"twilio_auth_token": SecretStr("wrong")})
    with pytest.raises(TransferError, match="refused"):
        await CallControl(settings).redirect("CA" + "2" * 32, transfer_twiml(settings))
    assert fake_rest.snapshot() == []


def test_unconfigured_destination_is_a_clear_error(tmp_path):
    with pytest.raises(TransferError, match="TRANSFER_NUMBER"):
        transfer_twiml(Settings(data_dir=tmp_path))
