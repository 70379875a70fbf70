"""The `frontdesk` command. Each area registers its own commands from its own module."""

from __future__ import annotations

import typer

from gateway.cli import agent, audit, call, chat, config, db, demo, evaluate, serve, speech, staff

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Frontdesk gateway.")

for module in (serve, config, db, audit, demo, speech, agent, call, chat, staff, evaluate):
    module.register(app)


if __name__ == "__main__":
    app()
