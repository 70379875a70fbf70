"""`frontdesk config show`: the effective settings, secrets masked."""

from __future__ import annotations

import json

import typer

from gateway.cli.common import settings_or_exit


def register(app: typer.Typer) -> None:
    config = typer.Typer(help="Configuration.", no_args_is_help=True)

    @config.command("show")
    def show() -> None:
        """Print the effective settings as JSON (secrets masked)."""
        typer.echo(json.dumps(settings_or_exit().masked(), indent=2, default=str))

    app.add_typer(config, name="config")
