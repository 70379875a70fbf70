"""The `frontdesk` command. Each area registers its own commands from its own module."""

from __future__ import annotations

from importlib.metadata import version

import typer

from gateway.cli import (
    agent,
    audit,
    call,
    chat,
    config,
    db,
    demo,
    doctor,
    evaluate,
    retention,
    serve,
    speech,
    spool,
    staff,
)
from gateway.private_files import restrict_umask

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Frontdesk gateway.")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"frontdesk {version('frontdesk')}")
        raise typer.Exit()


@app.callback()
def _private_files(
    show_version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Frontdesk gateway."""
    # Before any command: the database, its -wal/-shm files, recordings and exports hold PHI.
    restrict_umask()


for module in (
    serve,
    config,
    db,
    doctor,
    audit,
    demo,
    speech,
    agent,
    call,
    chat,
    staff,
    evaluate,
    retention,
    spool,
):
    module.register(app)


if __name__ == "__main__":
    app()
