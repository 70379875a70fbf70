"""`frontdesk eval` as a clinic runs it: the command in a child process, scenario files from
tests/scenarios, the agent in-process, a real served gateway for chat (WebSocket client) and calls
(Twilio simulator, caller voices through the phone band, real Whisper and Piper)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "tests" / "scenarios"


def frontdesk_eval(tmp_path: Path, *args: str, timeout: float = 600) -> tuple[int, str, str, dict]:
    """Run `frontdesk eval ARGS --json report.json` in a clean environment; (code, out, err, report)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "eval", *args, "--json", str(report)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    return done.returncode, done.stdout, done.stderr, data


def outcomes(report: dict) -> dict[str, str]:
    return {s["name"]: s["status"] for s in report["scenarios"]}


def test_every_scenario_passes_on_the_agent_channel(tmp_path: Path) -> None:
    code, out, err, report = frontdesk_eval(tmp_path, str(SCENARIOS), "--channel", "agent", "--min-pass", "1")
    failed = {s["name"]: s["why"] for s in report.get("scenarios", []) if s["status"] != "pass"}
    assert code == 0, (failed, out[-3000:], err[-3000:])
    assert not failed
    assert len(report["scenarios"]) >= 80
    assert "task completion 100.0%" in out
    # the checks ran against the system of record and the audit log, not only the words
    checks = {c["check"] for s in report["scenarios"] for c in s["checks"]}
    assert {"booked", "rescheduled", "cancelled", "nothing booked", "handed to staff", "ended"} <= checks
    assert "nothing disclosed before verification" in checks


def test_chat_channel_over_a_served_gateway(tmp_path: Path) -> None:
    code, out, err, report = frontdesk_eval(
        tmp_path,
        str(SCENARIOS / "conversations.yaml"),
        str(SCENARIOS / "goodbyes.yaml"),
        "--channel",
        "chat",
        "--min-pass",
        "1",
    )
    assert code == 0, out + err
    statuses = outcomes(report)
    # web chat has no caller ID: the scenario that needs one is skipped, and says why
    assert statuses.pop("cancel with the caller's phone and date of birth") == "skip"
    assert "web chat has no caller ID" in out
    assert set(statuses.values()) == {"pass"} and len(statuses) >= 9
    assert all(
        s["channel"] == "chat" and s["conversation_id"] for s in report["scenarios"] if s["status"] == "pass"
    )


def test_a_failing_expectation_fails_the_run_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(
        """
- name: booked at the wrong time
  setup: {now: 2026-12-01 10:00}
  turns: [book with dr chen on friday at 10, olivia martinez may 9th 1998, "yes"]
  expect:
    booked: [{provider: chen, at: 2026-12-04 11:00}]
- name: books as expected
  setup: {now: 2026-12-01 10:00}
  turns: [book with dr chen on friday at 10, olivia martinez may 9th 1998, "yes"]
  expect:
    booked: [{provider: Dr. Marcus Chen, at: 2026-12-04 10:00, patient: Olivia Martinez}]
    said: [Friday, December 4th at 10 AM]
    not_said: [Dr. Priya Patel]
""",
        encoding="utf-8",
    )
    code, out, err, report = frontdesk_eval(tmp_path, "wrong.yaml", "--channel", "agent", "--transcripts")
    assert code == 1, out + err
    # the failed conversation, as audited, under its row; the passing one is not shown
    assert out.count("> book with dr chen on friday at 10") == 1
    assert "Done. You're booked with Dr. Marcus Chen on Friday, December 4th at 10 AM." in out
    assert outcomes(report) == {"booked at the wrong time": "fail", "books as expected": "pass"}
    assert "FAIL" in out and "booked: expected chen on Friday, December 4th at 11 AM" in out
    assert (
        "Dr. Marcus Chen on Friday, December 4th at 10 AM for Olivia Martinez"
        in report["scenarios"][0]["why"]
    )
    assert "task completion 50.0%" in out and "BELOW" in out
    # the same run passes when half is enough
    code, _, _, _ = frontdesk_eval(tmp_path, "wrong.yaml", "--channel", "agent", "--min-pass", "0.5")
    assert code == 0


def test_bad_scenario_files_are_refused_with_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: misspelt expectation\nturns: [hello]\nexpect:\n  booked: []\n  handed_to_stuff: true\n",
        encoding="utf-8",
    )
    code, _out, err, report = frontdesk_eval(tmp_path, "bad.yaml")
    assert code == 2 and report == {}
    assert "bad.yaml:5: expect.handed_to_stuff: unknown field" in err
    code, _, err, _ = frontdesk_eval(tmp_path, "bad.yaml", "--channel", "phone")
    assert code == 2 and "--channel must be one of agent, chat, call" in err
    code, _, err, _ = frontdesk_eval(tmp_path, "missing.yaml")
    assert code == 2 and "missing.yaml: no such file or directory" in err


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by make system-deps",
)
def test_call_channel_with_an_espeak_voice_over_the_phone_band(tmp_path: Path) -> None:
    # the scenario sets its caller voice (espeak-ng en-gb-scotland, pitch 45, 160 words a minute);
    # the phone band and its noise level come from the command line
    code, out, err, report = frontdesk_eval(
        tmp_path,
        str(SCENARIOS / "calls" / "person.yaml"),
        "--channel",
        "call",
        "--phone-band",
        "--noise-db",
        "25",
    )
    assert code == 0, out + err
    [scenario] = report["scenarios"]
    assert scenario["status"] == "pass", scenario
    assert scenario["voice"] == "espeak:en-gb-scotland:45:160+phone@25dB"
    [turn] = scenario["turns"]
    # what Whisper made of the caller's audio is reported (tiny.en hears this voice as "... talk
    # to a real person" or "... talk to Gabrielle": either asks for a person)
    assert turn["heard"] and "talk to" in turn["heard"].lower()
    assert report["word_error_rate"] is not None and report["word_error_rate"] < 0.5


@pytest.mark.slow
def test_call_channel_with_keypad_digits(tmp_path: Path) -> None:
    code, out, err, report = frontdesk_eval(
        tmp_path, str(SCENARIOS / "calls" / "keypad.yaml"), "--channel", "call", "--voice", "piper"
    )
    assert code == 0, out + err
    [scenario] = report["scenarios"]
    assert scenario["status"] == "pass", scenario
    assert "caller voice: piper+phone@30dB" in out and scenario["voice"] == "piper+phone@30dB"
    keypad = scenario["turns"][1]
    assert keypad["kind"] == "keypad" and keypad["heard"] == "01/30/1965"  # DTMF, as the gateway read it
