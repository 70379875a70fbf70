"""Understanding: how often a caller gets their task done, by channel and by caller voice.

    .venv/bin/python bench/understanding.py [--scenarios bench/voice_set] [--calls N] [--every-voice]
        [--voices piper,espeak:en-us,...] [--noise-db 30] [--seed 0] [--no-phone-band]
        [--save-audio DIR] [--caller scripted|answers] [--json out.json]

The voice set: booking, rescheduling and cancelling scenarios from the scenario files (those with a
`booked`, `rescheduled` or `cancelled` expectation that can run as calls; default: the 30 calls of
`bench/voice_set/calls.yaml`), all of them or `--calls` (chosen with `--seed`), each spoken by one
of the voices in turn (default: Piper and
seven espeak-ng voices, through the phone band), or by every voice with `--every-voice`. The same
scenarios run first on the `agent` channel (typed words: the baseline of what the agent can do
when it hears every word right), then as calls through one served gateway (real Whisper, Piper,
Twilio simulator, playback in real time: 10-30 s a call).

Reported: per channel and per voice, task completion, wrong writes (the call changed the system of
record, yet its expectations failed), handoffs to staff and the word error rate of the voice's
speech (what the caller voice said against what the gateway transcribed; jiwer); and every failed
call with its reason, its writes and what the gateway heard of each turn. `--caller answers` runs
the calls with a caller who answers back (gateway/evaluation/answering.py): it types its date of
birth or presses a time's key when the bot offers the keypad, and says its words again, more
slowly, when the bot did not catch them; `answered_back` counts those extra turns. `--save-audio DIR` also writes every caller turn as an 8 kHz WAV with a
`manifest.jsonl` (voice, scenario, turn, text, file), a reusable set for STT experiments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_VOICES = [
    "piper",
    "espeak:en-us",
    "espeak:en-gb:35:175",
    "espeak:en-gb-scotland",
    "espeak:en-gb-x-rp",
    "espeak:en-029",
    "espeak:en-us+f3:60:160",
    "espeak:en-us-nyc:45:150",
]
TASKS = ("booked", "rescheduled", "cancelled")


def voice_set(scenarios: list, calls: int, seed: int) -> list:  # type: ignore[type-arg]
    """Booking/rescheduling/cancelling scenarios that can be calls (text and keypad turns only)."""
    eligible = [
        s
        for s in scenarios
        if "call" in s.channels()
        and any(getattr(s.expect, task) for task in TASKS)
        and all(t.kind != "wav" for t in s.turns)
    ]
    if calls and calls < len(eligible):
        eligible = random.Random(seed).sample(eligible, calls)
    return eligible


def assignments(scenarios: list, voices: list[str], every_voice: bool) -> list[tuple[object, str]]:  # type: ignore[type-arg]
    if every_voice:
        return [(s, v) for v in voices for s in scenarios]
    return [(s, voices[i % len(voices)]) for i, s in enumerate(scenarios)]


async def save_audio(pairs: list, band: object, out: Path) -> None:  # type: ignore[type-arg]
    from gateway.evaluation.voices import CallerVoice
    from speech.pcm import write_wav

    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    voices: dict[str, CallerVoice] = {}
    rows = []
    for n, (scenario, spec) in enumerate(pairs):
        voice = voices.setdefault(spec, CallerVoice(spec, band))  # type: ignore[arg-type]
        for t, turn in enumerate(scenario.turns, start=1):
            if turn.kind != "text":
                continue
            clip = await voice.say(turn.text)
            name = f"{n:03d}-{t:02d}.wav"
            await asyncio.to_thread(write_wav, out / name, clip.audio, 8000)
            rows.append(
                {"voice": clip.voice, "scenario": scenario.name, "turn": t, "text": clip.text, "file": name}
            )
    for voice in voices.values():
        voice.close()
    manifest = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    await asyncio.to_thread((out / "manifest.jsonl").write_text, manifest, encoding="utf-8")


async def run_calls(pairs: list, settings: object, band: object, answers: bool = False) -> list:  # type: ignore[type-arg]
    """Every (scenario, voice) as a call through one served gateway; `answers`: the caller answers
    back (gateway/evaluation/answering.py)."""
    from gateway.evaluation.channels import CallChannel
    from gateway.evaluation.practice import ScenarioClock, create_database, evaluation_settings
    from gateway.evaluation.runner import run_one
    from gateway.evaluation.voices import CallerVoice

    voices = {spec: CallerVoice(spec, band) for spec in dict.fromkeys(v for _, v in pairs)}  # type: ignore[arg-type]
    results = []
    with tempfile.TemporaryDirectory(prefix="understanding-") as tmp:
        eval_settings = evaluation_settings(settings, Path(tmp), voice=True)  # type: ignore[arg-type]
        clock = ScenarioClock(eval_settings.timezone)
        await create_database(eval_settings)
        channel = CallChannel(eval_settings, clock, voices[pairs[0][1]], answers=answers)
        await channel.start()
        try:
            for n, (scenario, spec) in enumerate(pairs, start=1):
                channel.voice = voices[spec]
                result = await run_one(scenario, "call", channel, eval_settings, clock)
                results.append(result)
                print(f"[{n}/{len(pairs)}] {spec:<26} {result.status:<5} {scenario.name}", file=sys.stderr)
        finally:
            await channel.stop()
            for voice in voices.values():
                voice.close()
    return results


def summarise(agent_results: list, call_results: list) -> dict:  # type: ignore[type-arg]
    """Per channel and per voice: task completion, calls that wrote something wrong (a write in the
    system of record, yet the expectations failed), calls handed to staff, WER; and every failed
    call with its reason and what the gateway heard of each turn."""
    from gateway.evaluation.report import completion_rate
    from gateway.evaluation.voices import word_error_rate

    def tally(results: list) -> dict:  # type: ignore[type-arg]
        ran = [r for r in results if r.status != "skip"]
        return {
            "calls": len(ran),
            "completion": completion_rate(ran),
            "wrong_writes": sum(1 for r in ran if r.status != "pass" and r.writes),
            "handed_to_staff": sum(1 for r in ran if r.handoffs),
            # turns the caller said beyond its script (`--caller answers`: typed, pressed, again)
            "answered_back": sum(
                max(0, len(r.outcome.turns) - len(r.scenario.turns)) for r in ran if r.outcome
            ),
        }

    by_voice: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for result in call_results:
        by_voice[result.outcome.voice if result.outcome else "?"].append(result)
    voices = {}
    for voice, results in sorted(by_voice.items()):
        spoken = [t for r in results if r.outcome for t in r.outcome.turns if t.kind == "text" and t.heard]
        voices[voice] = {
            **tally(results),
            "wer": word_error_rate([t.said for t in spoken], [t.heard for t in spoken]) if spoken else None,
        }
    return {
        "channels": {"agent": tally(agent_results), "call": tally(call_results)},
        "voices": voices,
        "failed_calls": [
            {
                "scenario": r.scenario.name,
                "voice": r.outcome.voice if r.outcome else None,
                "why": r.why,
                "writes": r.writes,
                "handoffs": r.handoffs,
                "heard": [{"said": t.said, "heard": t.heard} for t in (r.outcome.turns if r.outcome else [])],
                "transcript": [f"{who}: {text}" for who, text in r.transcript],
            }
            for r in call_results
            if r.status != "pass"
        ],
    }


async def main(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    from gateway.evaluation.loading import load_scenarios
    from gateway.evaluation.runner import evaluate
    from gateway.evaluation.voices import PhoneBand
    from gateway.logging import configure_logging
    from gateway.settings import load_settings

    configure_logging("WARNING", json_output=False)
    settings = load_settings()
    scenarios = voice_set(load_scenarios([Path(p) for p in args.scenarios]), args.calls, args.seed)
    if not scenarios:
        raise SystemExit("no booking, rescheduling or cancelling scenarios that can be calls")
    voices = args.voices.split(",")
    band = PhoneBand(enabled=args.phone_band, noise_db=args.noise_db, seed=args.seed)
    pairs = assignments(scenarios, voices, args.every_voice)
    if args.save_audio:
        await save_audio(pairs, band, Path(args.save_audio))
    started = time.monotonic()
    agent_results = await evaluate(scenarios, "agent", settings)
    call_results = await run_calls(pairs, settings, band, answers=args.caller == "answers")
    report = {
        "calls": len(pairs),
        "caller": args.caller,
        "voices": voices,
        "phone_band": args.phone_band,
        "noise_db": args.noise_db,
        "seed": args.seed,
        **summarise(agent_results, call_results),
        "wall_s": round(time.monotonic() - started),
    }
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", nargs="+", default=[str(ROOT / "bench" / "voice_set" / "calls.yaml")])
    parser.add_argument("--calls", type=int, default=0, help="scenarios in the voice set (0: all)")
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES), help="comma-separated caller voices")
    parser.add_argument("--every-voice", action="store_true", help="every scenario with every voice")
    parser.add_argument("--phone-band", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--noise-db", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--caller",
        choices=["scripted", "answers"],
        default="scripted",
        help="answers: the caller answers back (types its date of birth when offered, says it again when not caught)",
    )
    parser.add_argument("--save-audio", default=None, help="also write the caller turns as WAVs here")
    parser.add_argument("--json", default=None, help="write the report here too")
    options = parser.parse_args()
    result = asyncio.run(main(options))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if options.json:
        Path(options.json).write_text(
            json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
