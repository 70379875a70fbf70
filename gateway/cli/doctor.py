"""`frontdesk doctor`: is this gateway ready to take calls and chats? One line per check (ok, warn,
FAIL) and, under each that is not ok, the one line that fixes it; exit 1 when anything failed
(2 when the settings themselves cannot be read). The checks are `gateway/doctor.py`'s."""

from __future__ import annotations

import typer

from gateway.cli.common import run
from gateway.settings import SettingsError, load_settings

_LABEL = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor() -> None:
        """Check the database, migrations, models, model server, connector, Redis, Twilio settings
        and the public URL; print a fix for each problem."""
        from gateway.doctor import diagnose

        try:
            settings = load_settings()
        except SettingsError as exc:
            typer.echo(f"FAIL  settings        {exc}")
            typer.echo("      fix: correct or unset that variable (`frontdesk config show` lists them all)")
            raise typer.Exit(2) from None
        findings = run(diagnose(settings))
        for finding in findings:
            typer.echo(f"{_LABEL[finding.level]}  {finding.check:<15} {finding.detail}")
            if finding.level != "ok" and finding.fix:
                typer.echo(f"      fix: {finding.fix}")
        failed = sum(f.level == "fail" for f in findings)
        warned = sum(f.level == "warn" for f in findings)
        typer.echo(f"{failed} failed, {warned} warnings, {len(findings) - failed - warned} ok")
        raise typer.Exit(1 if failed else 0)
