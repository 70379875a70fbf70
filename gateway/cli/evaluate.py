"""`frontdesk eval PATHS... --channel agent|chat|call`: run scenario files against this
deployment's agent (its model settings, business name, time zone) on a private, freshly seeded demo
practice, print a pass table and the task-completion rate, exit 1 below `--min-pass`.

Exit codes: 0 at or above the minimum, 1 below it, 2 for unusable files or options.
"""

from __future__ import annotations

from pathlib import Path

import typer

from gateway.cli.common import fail, run, settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def evaluate(
        paths: list[Path] = typer.Argument(..., help="Scenario files (YAML) or directories of them."),
        channel: str = typer.Option("agent", "--channel", help="agent, chat or call."),
        voice: str = typer.Option(
            "piper", "--voice", help="Caller voice for calls: piper, or espeak:<voice>[:pitch:speed]."
        ),
        phone_band: bool = typer.Option(
            True, "--phone-band/--no-phone-band", help="Calls: caller audio through a 300-3400 Hz phone line."
        ),
        noise_db: float = typer.Option(
            30.0, "--noise-db", help="Calls: line noise this many dB below the speech (phone band only)."
        ),
        noise: bool = typer.Option(True, "--noise/--no-noise", help="Calls: line noise on the phone band."),
        seed: int = typer.Option(0, "--seed", help="Calls: seed of the line noise."),
        caller: str = typer.Option(
            "scripted",
            "--caller",
            help="Calls: 'scripted' says the turns whatever the replies; 'answers' also answers back "
            "(types its date of birth or presses a time's key when offered, says it again when not caught).",
        ),
        min_pass: float = typer.Option(0.95, "--min-pass", min=0.0, max=1.0, help="Lowest passing rate."),
        json_out: Path | None = typer.Option(None, "--json", help="Also write a JSON report here."),
        transcripts: bool = typer.Option(
            False, "--transcripts", help="Print the conversation under each scenario that did not pass."
        ),
    ) -> None:
        """Check this deployment against scenario files: print a pass table and the completion rate."""
        from gateway.evaluation.loading import ScenarioFileError, load_scenarios
        from gateway.evaluation.report import header, row, summary, transcript_lines, write_json
        from gateway.evaluation.runner import evaluate as run_scenarios
        from gateway.evaluation.scenario import CHANNELS
        from gateway.evaluation.voices import CallerVoice, PhoneBand, VoiceError

        if channel not in CHANNELS:
            raise fail(f"--channel must be one of {', '.join(CHANNELS)}, got {channel!r}", 2)
        if caller not in ("scripted", "answers"):
            raise fail(f"--caller must be 'scripted' or 'answers', got {caller!r}", 2)
        try:
            scenarios = load_scenarios(paths)
        except ScenarioFileError as exc:
            raise fail(str(exc), 2) from None
        if not scenarios:
            raise fail("no scenarios found in " + " ".join(map(str, paths)), 2)
        settings = settings_or_exit()
        from gateway.logging import configure_logging

        configure_logging("WARNING", json_output=settings.log_json)  # to stderr; the table is stdout
        caller_voice = None
        if channel == "call":
            try:
                caller_voice = CallerVoice(
                    voice, PhoneBand(enabled=phone_band, noise_db=noise_db if noise else None, seed=seed)
                )
            except VoiceError as exc:
                raise fail(str(exc), 2) from None
            typer.echo(f"caller voice: {caller_voice.label}")

        typer.echo(header())

        def show(result) -> None:
            typer.echo(row(result))
            if transcripts and result.status in ("fail", "error"):
                for line in transcript_lines(result):
                    typer.echo(line)

        try:
            results = run(
                run_scenarios(
                    scenarios,
                    channel,
                    settings,
                    voice=caller_voice,
                    on_result=show,
                    answers=caller == "answers",
                )
            )
        except Exception as exc:  # the gateway could not start, the database failed ...
            raise fail(f"{type(exc).__name__}: {exc}") from None
        typer.echo(summary(results, min_pass))
        if json_out is not None:
            write_json(json_out, results, min_pass)
        ran = [r for r in results if r.status != "skip"]
        rate = sum(r.passed for r in ran) / len(ran) if ran else 0.0
        raise typer.Exit(0 if ran and rate >= min_pass else 1)
