"""`frontdesk call`: place a simulated Twilio call against a running gateway.

    frontdesk call --url ws://127.0.0.1:8000/twilio/stream --wav hello.wav --text "My date of birth
    is March 4th 1985" --dtmf 0 [--realtime] [--from +15035550101] [--to +15035550100]

Turns are played in the order given on the command line; one JSON line is printed per turn
(after the call: what the gateway transcribed is read from the gateway). Signs as Twilio would
with FRONTDESK_TWILIO_AUTH_TOKEN.
"""

from __future__ import annotations

import json
import sys

import typer

from gateway.cli.common import fail, run, settings_or_exit

_TURN_OPTIONS = ("--wav", "--text", "--dtmf")


def ordered_specs(argv: list[str]) -> list[tuple[str, str]]:
    """(option, value) of every caller turn, in command-line order (click keeps them per option)."""
    specs: list[tuple[str, str]] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        name, eq, value = token.partition("=")
        if name in _TURN_OPTIONS:
            if eq:
                specs.append((name, value))
            elif i + 1 < len(argv):
                specs.append((name, argv[i + 1]))
                i += 1
        i += 1
    return specs


def register(app: typer.Typer) -> None:
    @app.command("call")
    def call(
        url: str = typer.Option(
            ..., "--url", help="The gateway's media stream, ws://HOST:PORT/twilio/stream."
        ),
        wav: list[str] = typer.Option([], "--wav", help="A WAV file spoken as the caller's next turn."),
        text: list[str] = typer.Option([], "--text", help="Text spoken (Piper) as the caller's next turn."),
        dtmf: list[str] = typer.Option([], "--dtmf", help="Keys pressed as the caller's next turn."),
        realtime: bool = typer.Option(False, "--realtime", help="Send and play audio in real time."),
        timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for each bot reply."),
        caller: str = typer.Option(
            "+15555550123", "--from", help="The caller's number, as Twilio's From (E.164)."
        ),
        called: str = typer.Option("+15555550100", "--to", help="The number called, as Twilio's To."),
    ) -> None:
        """Call the gateway as Twilio would; print one JSON line per turn."""
        from gateway.clients.call_simulator import (
            CallSimulator,
            SimulatorError,
            dtmf_turn,
            text_turns,
            wav_turn,
        )

        settings = settings_or_exit()
        if settings.twilio_auth_token is None:
            raise fail("FRONTDESK_TWILIO_AUTH_TOKEN is not set (the simulator signs with it)", 2)
        specs = ordered_specs(sys.argv[1:])
        given = len(wav) + len(text) + len(dtmf)
        if len(specs) != given:  # called programmatically: fall back to per-kind order
            specs = (
                [("--wav", w) for w in wav] + [("--text", t) for t in text] + [("--dtmf", d) for d in dtmf]
            )

        async def go():
            texts = [v for k, v in specs if k == "--text"]
            spoken = iter(await text_turns(texts)) if texts else iter([])
            turns = []
            for kind, value in specs:
                if kind == "--wav":
                    turns.append(wav_turn(value))
                elif kind == "--text":
                    turns.append(next(spoken))
                else:
                    turns.append(dtmf_turn(value))
            token = settings.twilio_auth_token.get_secret_value()
            simulator = CallSimulator(
                url,
                token,
                realtime=realtime,
                reply_timeout_s=timeout,
                caller_number=caller,
                called_number=called,
            )
            return await simulator.run(turns)

        try:
            report = run(go())
        except (SimulatorError, OSError) as exc:
            raise fail(str(exc)) from None
        typer.echo(
            json.dumps({"turn": 0, "caller": None, "bot": report.greeting, "call_sid": report.call_sid})
        )
        for result in report.turns:
            typer.echo(json.dumps(result.as_json()))
