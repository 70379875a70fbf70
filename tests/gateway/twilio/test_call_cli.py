"""`frontdesk call` against a real server: JSON lines per turn, turns in command-line order."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gateway.cli.call import ordered_specs
from gateway.cli.main import app
from tests.gateway.twilio.conftest import AUTH_TOKEN


def test_turns_keep_command_line_order():
    argv = [
        "call",
        "--url",
        "ws://x/twilio/stream",
        "--text",
        "hi",
        "--dtmf=0",
        "--wav",
        "a.wav",
        "--realtime",
    ]
    assert ordered_specs(argv) == [("--text", "hi"), ("--dtmf", "0"), ("--wav", "a.wav")]


@pytest.mark.slow
def test_call_command_prints_one_json_line_per_turn(live_server, monkeypatch):
    monkeypatch.setenv("FRONTDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(live_server.settings.data_dir))
    url = live_server.ws_url + "/twilio/stream"
    result = CliRunner().invoke(app, ["call", "--url", url, "--dtmf", "03141985#"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    greeting, turn = lines
    assert greeting["turn"] == 0 and greeting["bot"] and greeting["call_sid"].startswith("CA")
    assert turn["turn"] == 1 and turn["transcribed"] == "03/14/1985" and turn["bot"]
    assert turn["latency_ms"] is not None and turn["latency_ms"] > 0


def test_call_command_reports_a_bad_wav_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("FRONTDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    bad = tmp_path / "not-audio.wav"
    bad.write_text("hello")
    result = CliRunner().invoke(app, ["call", "--url", "ws://127.0.0.1:9/twilio/stream", "--wav", str(bad)])
    assert result.exit_code == 1
    assert "not-audio.wav" in result.output and "not a readable" in result.output


def test_call_command_needs_the_auth_token(monkeypatch):
    monkeypatch.delenv("FRONTDESK_TWILIO_AUTH_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["call", "--url", "ws://127.0.0.1:9/twilio/stream", "--dtmf", "1"])
    assert result.exit_code == 2 and "FRONTDESK_TWILIO_AUTH_TOKEN" in result.output


@pytest.mark.slow
def test_call_command_calls_from_the_number_given(live_server, monkeypatch):
    """`--from` is Twilio's From: the demo patient on file for it is verified by date of birth alone."""
    monkeypatch.setenv("FRONTDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(live_server.settings.data_dir))
    url = live_server.ws_url + "/twilio/stream"
    args = ["call", "--url", url, "--from", "+15035550102"]  # Michael Brown's number
    result = CliRunner().invoke(
        app, [*args, "--text", "I would like to book an appointment.", "--dtmf", "11021972#"]
    )
    assert result.exit_code == 0, result.output
    turns = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert "Michael" in turns[2]["bot"], turns


@pytest.mark.slow
def test_call_command_survives_the_gateway_hanging_up_first(live_server, monkeypatch):
    """After a transfer the gateway closes the stream; turns left over are not an error."""
    monkeypatch.setenv("FRONTDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(live_server.settings.data_dir))
    url = live_server.ws_url + "/twilio/stream"
    result = CliRunner().invoke(app, ["call", "--url", url, "--dtmf", "0", "--dtmf", "1", "--dtmf", "2"])
    assert result.exit_code == 0, result.output
    turns = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [t["turn"] for t in turns] == [0, 1, 2, 3], turns  # every turn reported once
    played = [t.get("played", True) for t in turns[1:]]
    assert played[0] and played == sorted(played, reverse=True), turns  # once ended, nothing plays
