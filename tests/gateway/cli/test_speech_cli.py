"""`frontdesk say` and `frontdesk transcribe` with the real models, through the real CLI app."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app
from speech.pcm import read_wav

pytestmark = pytest.mark.slow

runner = CliRunner()


def test_say_then_transcribe_over_the_phone(tmp_path: Path) -> None:
    out = tmp_path / "reply.wav"
    said = runner.invoke(
        app, ["say", "Your appointment is on 2031-03-12 at 15:00.", "-o", str(out), "--phone"]
    )
    assert said.exit_code == 0, said.output
    pcm, rate = read_wav(out)
    assert rate == 8000 and len(pcm) % 160 == 0 and len(pcm) > 8000
    heard = runner.invoke(app, ["transcribe", str(out), "--json"])
    assert heard.exit_code == 0, heard.output
    result = json.loads(heard.stdout)
    assert "appointment" in result["text"].lower() and "march" in result["text"].lower()
    assert 0 < result["confidence"] <= 1 and result["duration_s"] == pytest.approx(len(pcm) / 8000)


def test_say_at_a_requested_rate(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    said = runner.invoke(app, ["say", "Hello.", "-o", str(out), "--rate", "16000"])
    assert said.exit_code == 0, said.output
    assert read_wav(out)[1] == 16000


def test_transcribe_prints_plain_text_of_a_fixture() -> None:
    fixture = Path(__file__).parents[2] / "fixtures" / "audio" / "dob_8k.wav"
    heard = runner.invoke(app, ["transcribe", str(fixture)])
    assert heard.exit_code == 0
    assert "birth" in heard.stdout.lower() and "1985" in heard.stdout


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["transcribe", str(tmp_path / "nope.wav")])
    assert missing.exit_code == 1 and "no such audio file" in missing.output
    (tmp_path / "junk.wav").write_text("junk")
    junk = runner.invoke(app, ["transcribe", str(tmp_path / "junk.wav")])
    assert junk.exit_code == 1 and "not a readable WAV" in junk.output
    fixture = Path(__file__).parents[2] / "fixtures" / "audio" / "dob_8k.wav"
    no_model = runner.invoke(app, ["transcribe", str(fixture), "--model", str(tmp_path / "m")])
    assert no_model.exit_code == 1 and "not found" in no_model.output
    empty = runner.invoke(app, ["say", "...", "-o", str(tmp_path / "x.wav")])
    assert empty.exit_code == 1 and "nothing to say" in empty.output and not (tmp_path / "x.wav").exists()
    voice = runner.invoke(
        app, ["say", "hi", "-o", str(tmp_path / "y.wav"), "--voice", str(tmp_path / "v.onnx")]
    )
    assert voice.exit_code == 1 and "not found" in voice.output
    rate = runner.invoke(app, ["say", "hi", "-o", str(tmp_path / "z.wav"), "--phone", "--rate", "16000"])
    assert rate.exit_code == 1 and "8000" in rate.output
    bad_rate = runner.invoke(app, ["say", "hi", "-o", str(tmp_path / "w.wav"), "--rate", "5"])
    assert bad_rate.exit_code == 1 and "rate" in bad_rate.output
