"""Scenario files: what a good file gives, and the line and field a bad one is refused with."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gateway.evaluation.loading import ScenarioFileError, load_file, load_scenarios

ROOT = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file(tmp_path: Path) -> None:
    (tmp_path / "hello.wav").write_bytes(b"")  # only its existence is checked when loading
    [scenario] = load_file(
        write(
            tmp_path,
            """
name: every kind of turn
setup: {now: 2026-12-01 10:00, caller_phone: "+15035550104", channels: [agent, call]}
turns:
  - plain words
  - text: typed words
  - {wav: hello.wav, text: what the recording says}
  - keypad: "01301965#"
expect:
  rescheduled: [{provider: patel, at: 2026-12-04 09:00, from: 2026-12-03 10:00}]
  handed_to_staff: {reason: identity}
""",
        )
    )
    assert scenario.setup.now == datetime(2026, 12, 1, 10, 0)
    assert [t.kind for t in scenario.turns] == ["text", "text", "wav", "keypad"]
    assert scenario.turns[2].wav == (tmp_path / "hello.wav").resolve()
    assert scenario.expect.rescheduled[0].from_ == datetime(2026, 12, 3, 10, 0)
    assert scenario.expect.nothing_disclosed_before_verification  # on unless switched off
    assert scenario.channels() == ("agent", "call")
    assert scenario.source.endswith("s.yaml:2")


def test_the_shipped_scenarios_load() -> None:
    scenarios = load_scenarios([ROOT / "tests" / "scenarios"])
    assert len(scenarios) >= 100
    assert {"agent", "chat", "call"} <= {c for s in scenarios for c in s.channels()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nturns: [hi]\nexpect:\n  booked: []\n  endde: true\n", "s.yaml:5: expect.endde: unknown field"),
        ("name: x\nexpect: {ended: true}\n", "s.yaml:1: turns: required field is missing"),
        ("name: x\nturns:\n  - hi\n  - keypad: 12a\nexpect: {}\n", "s.yaml:4: turns.1.keypad: String should match"),
        ("name: x\nturns:\n  - {keypad: '1', text: hi}\nexpect: {}\n", "s.yaml:3: turns.0: Value error, a keypad turn"),
        (
            "name: x\nturns: [hi]\nexpect:\n  booked:\n    - {provider: chen, at: friday}\n",
            "s.yaml:5: expect.booked.0.at: Input should be a valid datetime",
        ),
        ("name: x\nsetup: {caller_phone: 5035550104}\nturns: [hi]\nexpect: {}\n", "s.yaml:2: setup.caller_phone"),
        ("name: x\nsetup: {channels: [phone]}\nturns: [hi]\nexpect: {}\n", "s.yaml:2: setup.channels.0: Input should be"),
        ("name: x\nturns: [hi]\nexpect: {nothing_booked: true, cancelled: [{provider: a, at: 2026-12-01 10:00}]}\n",
         "s.yaml:3: expect: Value error, `nothing_booked` contradicts"),
        ("name: x\nturns: [hi\nexpect: {}\n", "s.yaml:3: not valid YAML"),
        ("- name: a\n  turns: [hi]\n  expect: {}\n- name: b\n  turns: []\n  expect: {}\n",
         "s.yaml:5: [1].turns: List should have at least 1 item"),
        ("name: x\nturns: [{wav: nowhere.wav}]\nexpect: {}\n", "turn 1: no such WAV file"),
        ("just words\n", "s.yaml:1: expected a scenario"),
        ("name: x\nsetup:\n  voice: espeak:en:999:1\nturns: [hi]\nexpect: {}\n", "s.yaml:3: setup.voice: Value error"),
        ("name: x\nturns: [hi]\nexpect:\n  handed_to_staff: maybe\n",
         "s.yaml:4: expect.handed_to_staff: expected true, false or {reason: text}"),
        ("name: x\nturns: [hi]\nexpect:\n  handed_to_staff: {reasn: x}\n",
         "s.yaml:4: expect.handed_to_staff.reasn: unknown field"),
    ],
)  # fmt: skip
def test_bad_files_say_where_and_why(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load_file(write(tmp_path, text))
    assert message in str(caught.value)


def test_names_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, "name: same\nturns: [hi]\nexpect: {}\n", "a.yaml")
    write(tmp_path, "name: same\nturns: [bye]\nexpect: {}\n", "b.yml")
    with pytest.raises(
        ScenarioFileError, match=r"b\.yml:1: scenario name 'same' is already used at .*a\.yaml:1"
    ):
        load_scenarios([tmp_path])
