"""Signatures, message parsing and keypad entries: the edge's input checks."""

from __future__ import annotations

import asyncio
import json

import pytest

from gateway.twilio import messages, signatures
from gateway.twilio.dtmf import DigitCollector

TOKEN = "auth-token-for-tests"


PUBLIC = "https://voice.example.org"


def test_the_signed_url_is_the_public_url_whatever_the_request_says():
    params = {"CallSid": "CA1", "From": "+15035550101"}
    url = signatures.public_request_url(PUBLIC, "/twilio/voice", "")
    assert url == "https://voice.example.org/twilio/voice"
    sig = signatures.sign(TOKEN, url, params)
    assert signatures.is_valid(TOKEN, url, params, sig)
    assert not signatures.is_valid(TOKEN, url, {**params, "From": "+10000000000"}, sig)
    assert not signatures.is_valid("other-token", url, params, sig)
    assert not signatures.is_valid(TOKEN, url, params, None)
    # A base path in the public URL, and the query string, are part of what Twilio signed.
    assert (
        signatures.public_request_url(PUBLIC + "/fd/", "/twilio/voice", "a=1")
        == PUBLIC + "/fd/twilio/voice?a=1"
    )


def test_stream_upgrade_signature_is_over_the_wss_url():
    url = signatures.public_request_url(PUBLIC, "/twilio/stream", "", websocket=True)
    assert url == "wss://voice.example.org/twilio/stream"
    assert signatures.is_valid(TOKEN, url, {}, signatures.sign(TOKEN, url, {}))


def test_json_bodies_are_signed_over_the_url_with_the_body_hash():
    body = '{"CallSid": "CA1", "CallStatus": "completed"}'
    url, sig = signatures.sign_json(TOKEN, PUBLIC + "/twilio/status", body)
    assert "bodySHA256=" in url
    assert signatures.is_valid_json(TOKEN, url, body, sig)
    assert not signatures.is_valid_json(TOKEN, url, body.replace("completed", "busy"), sig)
    plain = PUBLIC + "/twilio/status"  # no body hash in the URL: the body is not covered
    assert not signatures.is_valid_json(TOKEN, plain, body, signatures.sign(TOKEN, plain, {}))
    assert signatures.json_params(body) == {"CallSid": "CA1", "CallStatus": "completed"}
    assert signatures.json_params("[" * 3000) == {}


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("{not json", "malformed JSON"),
        # found by tests/gateway/fuzz: Python's 4300-digit limit raised a bare ValueError
        ('{"event": "dtmf", "n": ' + "9" * 5000 + "}", "malformed JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"event": "media", "media": {"payload": "%%%not-base64%%%"}}), "base64"),
        (json.dumps({"event": "media"}), "media is missing"),
        (json.dumps({"event": "start", "start": {"streamSid": "MZ1"}}), "start.callSid"),
        (json.dumps({"event": "dtmf", "dtmf": {"digit": "A"}}), "keypad"),
        (json.dumps({"event": "mark", "mark": {}}), "mark.name"),
        (json.dumps({"event": "hello"}), "unknown event"),
    ],
)
def test_bad_frames_are_refused_with_a_reason(frame, reason):
    with pytest.raises(messages.ProtocolError, match=reason):
        messages.parse(frame)


def test_good_frames_parse():
    start = messages.parse(
        json.dumps(
            {
                "event": "start",
                "sequenceNumber": "1",
                "streamSid": "MZ9",
                "start": {"callSid": "CA9", "accountSid": "AC9", "customParameters": {"token": "t"}},
            }
        )
    )
    assert start == messages.Start("MZ9", "CA9", "AC9", {"token": "t"})
    assert messages.parse('{"event":"media","media":{"payload":"//8="}}') == messages.Media(b"\xff\xff")


async def test_digits_end_with_hash_or_a_pause():
    entries: list[str] = []
    second = asyncio.Event()

    def on_entry(entry: str) -> None:
        entries.append(entry)
        if len(entries) == 2:
            second.set()

    collector = DigitCollector(0.05, on_entry)
    for key in "03041985#":
        collector.press(key)
    assert entries == ["03041985"]
    collector.press("1")
    collector.press("*")  # start over
    collector.press("0")
    await asyncio.wait_for(second.wait(), 2)  # the pause ends the entry
    assert entries == ["03041985", "0"]


async def test_an_entry_of_the_expected_length_completes_at_once():
    entries: list[str] = []
    collector = DigitCollector(60.0, entries.append)  # a pause this long never ends an entry here
    collector.expect(8)  # a date of birth was asked for
    for key in "0314198":
        collector.press(key)
    assert entries == []  # seven digits: still typing
    collector.press("5")
    assert entries == ["03141985"]  # the eighth completes it, no '#' and no pause
    collector.press("1")
    collector.press("2")
    collector.press("#")  # a shorter entry still ends with '#'
    assert entries == ["03141985", "12"]
    collector.expect(1)  # "press 1 for 9 AM, 2 for 9:30"
    collector.press("2")
    collector.press("0")  # 0 alone completes at once too: the session hands it to a person
    assert entries == ["03141985", "12", "2", "0"]
    collector.expect(None)
    for key in "1231":
        collector.press(key)
    assert entries == ["03141985", "12", "2", "0"]  # back to '#' or the pause
    collector.press("*")
    for key in "0314198":
        collector.press(key)
    collector.expect(8)
    assert entries == ["03141985", "12", "2", "0"]
    collector.press("5")
    assert entries[-1] == "03141985"
    collector.expect(None)  # the question is still being asked when the caller types ahead
    for key in "07041975":
        collector.press(key)
    assert entries[-1] == "03141985"
    collector.expect(8)
    assert entries[-1] == "07041975"
    collector.close()
