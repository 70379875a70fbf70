"""The pass table, the task-completion rate and the JSON report of an evaluation run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.evaluation.runner import ScenarioResult
from gateway.evaluation.voices import word_error_rate

_WIDTH = {"scenario": 48, "why": 100}


def completion_rate(results: list[ScenarioResult]) -> float | None:
    """Passed / run (skipped scenarios do not count; errors count as failures)."""
    ran = [r for r in results if r.status != "skip"]
    return sum(r.passed for r in ran) / len(ran) if ran else None


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def row(result: ScenarioResult) -> str:
    name = _cut(result.scenario.name, _WIDTH["scenario"])
    return (
        f"{name:<{_WIDTH['scenario']}}  {result.channel:<5}  {result.status.upper():<5}  "
        f"{_cut(result.why, _WIDTH['why'])}"
    ).rstrip()


def transcript_lines(result: ScenarioResult) -> list[str]:
    """The conversation as audited, indented under its row (for failed scenarios)."""
    return [f"    {'>' if who == 'caller' else ' '} {text}" for who, text in result.transcript]


def header() -> str:
    return f"{'scenario':<{_WIDTH['scenario']}}  {'chan':<5}  {'result':<5}  why"


def summary(results: list[ScenarioResult], min_pass: float) -> str:
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "fail", "error", "skip")}
    rate = completion_rate(results)
    shown = "n/a (nothing ran)" if rate is None else f"{rate:.1%}"
    verdict = "OK" if rate is not None and rate >= min_pass else "BELOW"
    line = (
        f"task completion {shown} ({counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['error']} errors, {counts['skip']} skipped); minimum {min_pass:.0%}: {verdict}"
    )
    wer = transcription_wer(results)
    return line + ("" if wer is None else f"\nword error rate of the caller's speech: {wer:.1%}")


def transcription_wer(results: list[ScenarioResult]) -> float | None:
    """WER over the spoken turns of calls: what the caller voice said against the transcript."""
    refs, hyps = [], []
    for result in results:
        if result.outcome is None or result.channel != "call":
            continue
        for turn in result.outcome.turns:
            if turn.kind == "text" and turn.played and turn.heard is not None:
                refs.append(turn.said)
                hyps.append(turn.heard)
    return word_error_rate(refs, hyps) if refs else None


def as_json(results: list[ScenarioResult], min_pass: float) -> dict[str, Any]:
    rate = completion_rate(results)
    return {
        "completion_rate": rate,
        "min_pass": min_pass,
        "passed": rate is not None and rate >= min_pass,
        "word_error_rate": transcription_wer(results),
        "scenarios": [
            {
                "name": r.scenario.name,
                "source": r.scenario.source,
                "channel": r.channel,
                "status": r.status,
                "why": r.why,
                "seconds": round(r.seconds, 2),
                "voice": r.outcome.voice if r.outcome else None,
                "conversation_id": r.outcome.conversation_id if r.outcome else None,
                "checks": [{"check": v.check, "ok": v.ok, "why": v.why} for v in r.verdicts],
                "writes": r.writes,
                "handoffs": r.handoffs,
                "transcript": [{"speaker": who, "text": text} for who, text in r.transcript],
                "turns": [
                    {"said": t.said, "kind": t.kind, "heard": t.heard, "played": t.played}
                    for t in (r.outcome.turns if r.outcome else [])
                ],
            }
            for r in results
        ],
    }


def write_json(path: Path, results: list[ScenarioResult], min_pass: float) -> None:
    path.write_text(
        json.dumps(as_json(results, min_pass), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
