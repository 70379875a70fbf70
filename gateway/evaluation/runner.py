"""Run scenarios on one channel: a fresh demo practice and the scenario's clock for each, the
conversation through the channel, then the expectations against the database."""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gateway.evaluation.channels import AgentChannel, CallChannel, Channel, ChatChannel, Outcome
from gateway.evaluation.checks import Verdict, changes, check
from gateway.evaluation.practice import ScenarioClock, create_database, evaluation_settings, reseed
from gateway.evaluation.record import Record, read_events, read_practice
from gateway.evaluation.scenario import ChannelName, Scenario
from gateway.evaluation.voices import CallerVoice
from gateway.settings import Settings


@dataclass
class ScenarioResult:
    scenario: Scenario
    channel: ChannelName
    status: str  # pass | fail | error | skip
    verdicts: list[Verdict] = field(default_factory=list)
    why: str = ""
    outcome: Outcome | None = None
    seconds: float = 0.0
    transcript: list[tuple[str, str]] = field(default_factory=list)  # (caller|bot, text), as audited
    writes: list[str] = field(default_factory=list)  # what changed in the system of record
    handoffs: list[str] = field(default_factory=list)  # handoff reasons

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def build_channel(
    channel: ChannelName,
    settings: Settings,
    clock: ScenarioClock,
    voice: CallerVoice | None,
    *,
    answers: bool = False,
) -> Channel:
    """`answers`: on calls, a caller who answers back (gateway/evaluation/answering.py)."""
    if channel == "agent":
        return AgentChannel(settings, clock)
    if channel == "chat":
        return ChatChannel(settings, clock)
    if voice is None:
        raise ValueError("the call channel needs a caller voice")
    return CallChannel(settings, clock, voice, answers=answers)


async def evaluate(
    scenarios: list[Scenario],
    channel: ChannelName,
    base: Settings,
    *,
    voice: CallerVoice | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    answers: bool = False,
) -> list[ScenarioResult]:
    """Every scenario on `channel` against a private copy of the deployment (`base` settings with
    their own database in a temporary directory)."""
    results: list[ScenarioResult] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-eval-") as tmp:
        settings = evaluation_settings(base, Path(tmp), voice=channel == "call")
        clock = ScenarioClock(settings.timezone)
        await create_database(settings)
        runner = build_channel(channel, settings, clock, voice, answers=answers)
        await runner.start()
        try:
            for scenario in scenarios:
                result = await run_one(scenario, channel, runner, settings, clock)
                results.append(result)
                if on_result is not None:
                    on_result(result)
        finally:
            await runner.stop()
    return results


async def run_one(
    scenario: Scenario, channel: ChannelName, runner: Channel, settings: Settings, clock: ScenarioClock
) -> ScenarioResult:
    why = scenario.unsupported(channel)
    if why is None and channel not in scenario.channels():
        why = f"set up for {', '.join(scenario.channels())} only"
    if why is not None:
        return ScenarioResult(scenario, channel, "skip", why=why)
    started = time.monotonic()
    now = clock.set(scenario.setup.now)
    await reseed(settings, now)
    before = await read_practice(settings)
    try:
        outcome = await runner.converse(scenario)
    except Exception as exc:  # one scenario's failure is reported; the run goes on
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return ScenarioResult(scenario, channel, "error", why=detail, seconds=time.monotonic() - started)
    events = await read_events(settings, outcome.conversation_id) if outcome.conversation_id else []
    record = Record(outcome.conversation_id, before, await read_practice(settings), events)
    verdicts = check(scenario.expect, record, settings.timezone)
    failed = [v for v in verdicts if not v.ok]
    return ScenarioResult(
        scenario,
        channel,
        "fail" if failed else "pass",
        verdicts,
        "; ".join(v.why for v in failed),
        outcome,
        time.monotonic() - started,
        record.transcript(),
        changes(record),
        record.handoff_reasons,
    )
