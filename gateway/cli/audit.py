"""`frontdesk audit verify|export`: check the hash chains; export a conversation's events."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from gateway.cli.common import fail, run, settings_or_exit


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)

    @audit_app.command("verify")
    def verify(
        conversation: str | None = typer.Option(None, "--conversation", "-c", help="Only this conversation."),
    ) -> None:
        """Exit 0 when every chain is intact; exit 1 naming the first bad event otherwise."""
        from gateway.store.audit import AuditLog
        from gateway.store.db import Database, DatabaseUnavailable

        settings = settings_or_exit()

        async def go():  # type: ignore[no-untyped-def]
            db = Database(settings.database_url)
            try:
                await db.ping()
                return await AuditLog(db).verify(conversation)
            finally:
                await db.close()

        try:
            result = run(go())
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        if result.ok:
            typer.echo(f"ok: {result.chains} chain(s), {result.events} event(s) intact")
            return
        typer.echo(f"TAMPERED: {result.first_bad}", err=True)
        for extra in result.problems[1:]:
            typer.echo(f"also: {extra}", err=True)
        raise typer.Exit(1)

    @audit_app.command("export")
    def export(
        conversation_id: str = typer.Argument(..., help="Conversation id."),
        output: Path | None = typer.Option(None, "-o", "--output", help="File to write (default: stdout)."),
    ) -> None:
        """Write a conversation's audit events as JSON lines."""
        from gateway.store.audit import AuditLog
        from gateway.store.db import Database, DatabaseUnavailable

        settings = settings_or_exit()

        async def go() -> list[dict]:
            db = Database(settings.database_url)
            try:
                await db.ping()
                return await AuditLog(db).export(conversation_id)
            finally:
                await db.close()

        try:
            events = run(go())
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        if not events:
            raise fail(f"no audit events for conversation {conversation_id}")
        lines = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in events)
        if output is None:
            typer.echo(lines, nl=False)
        else:
            output.write_text(lines)

    app.add_typer(audit_app, name="audit")
