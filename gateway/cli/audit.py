"""`frontdesk audit verify|checkpoint|export`: check the hash chains (and, given a file of signed
checkpoints kept elsewhere, that no chain was rewritten since); write a checkpoint now; export a
conversation's events."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from gateway.cli.common import fail, run, settings_or_exit
from gateway.private_files import open_private
from gateway.settings import Settings


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)

    @audit_app.command("verify")
    def verify(
        conversation: str | None = typer.Option(None, "--conversation", "-c", help="Only this conversation."),
        checkpoints: Path | None = typer.Option(
            None,
            "--checkpoints",
            help="Signed checkpoints kept off the box (audit-checkpoints.jsonl): each recorded chain head must still be there.",
        ),
    ) -> None:
        """Exit 0 when every chain is intact; exit 1 naming the first bad event otherwise."""
        from gateway.store.audit import AuditLog
        from gateway.store.audit_checkpoint import verify_against
        from gateway.store.db import Database, DatabaseUnavailable

        settings = settings_or_exit()
        lines: list[str] | None = None
        if checkpoints is not None:
            try:
                lines = checkpoints.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise fail(f"cannot read {checkpoints}: {exc.__class__.__name__}") from None

        async def go():
            db = Database(settings.database_url)
            try:
                await db.ping()
                result = await AuditLog(db).verify(conversation)
                if lines is not None:
                    result.problems += await verify_against(db, lines, settings.audit_checkpoint_key_bytes())
                    result.ok = not result.problems
                    result.first_bad = result.problems[0] if result.problems else None
                return result
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

    @audit_app.command("checkpoint")
    def checkpoint() -> None:
        """Append a signed checkpoint of the chain heads that moved (the gateway also does this every
        FRONTDESK_AUDIT_CHECKPOINT_INTERVAL_S) and print it."""
        from gateway.store.audit_checkpoint import CheckpointWriter
        from gateway.store.db import Database, DatabaseUnavailable

        settings = settings_or_exit()
        settings.ensure_data_dir()

        async def go() -> dict | None:
            db = Database(settings.database_url)
            try:
                await db.ping()
                writer = CheckpointWriter(
                    db, settings.audit_checkpoint_file(), settings.audit_checkpoint_key_bytes()
                )
                return await writer.write()
            finally:
                await db.close()

        try:
            written = run(go())
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        if written is None:
            typer.echo(f"no chain moved since the last checkpoint in {settings.audit_checkpoint_file()}")
        else:
            typer.echo(json.dumps(written, sort_keys=True, separators=(",", ":")))

    @audit_app.command("export")
    def export(
        conversation_id: str = typer.Argument(..., help="Conversation id."),
        output: Path | None = typer.Option(None, "-o", "--output", help="File to write (default: stdout)."),
        to_storage: bool = typer.Option(
            False,
            "--to-storage",
            help="Keep it in the recording storage (FRONTDESK_STORAGE: data dir or S3) under exports/; prints the key.",
        ),
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
        if to_storage:
            key = _store_export(settings, conversation_id, lines.encode("utf-8"))
            typer.echo(f"stored: {key}")
        elif output is None:
            typer.echo(lines, nl=False)
        else:
            with open_private(output) as out:  # owner-only: the events carry patient data
                out.write(lines.encode("utf-8"))

    app.add_typer(audit_app, name="audit")


def _store_export(settings: Settings, conversation_id: str, data: bytes) -> str:
    """Put an export in the configured store (docs/storage.md): written to a private temporary
    file, uploaded (S3) or copied (local, 0600), the temporary file removed. Returns the key."""
    import tempfile
    from datetime import UTC, datetime

    from gateway.storage import StorageError, build_store

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    key = f"exports/audit-{conversation_id}-{stamp}.jsonl"
    store = build_store(settings)
    with tempfile.TemporaryDirectory(prefix="frontdesk-export-") as tmp:
        path = Path(tmp) / "export.jsonl"
        with open_private(path) as out:
            out.write(data)
        try:
            run(store.put_file(key, path))
        except StorageError as exc:
            raise fail(str(exc)) from None
    return key
