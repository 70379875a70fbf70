"""`frontdesk retention [--dry-run]`: purge recordings and transcripts older than
FRONTDESK_RETENTION_RECORDING_DAYS / FRONTDESK_RETENTION_TRANSCRIPT_DAYS (0: kept forever); the
audit trail stays whole (gateway/storage/retention.py). Prints counts only, never content."""

from __future__ import annotations

import typer

from gateway.cli.common import fail, run, settings_or_exit


def _describe(totals: dict[str, int]) -> str:
    return (
        f"{totals['recordings']} recording(s), and the transcripts of {totals['transcripts']} conversation(s)"
        f" ({totals['turns']} turn(s), {totals['chat_messages']} chat message(s));"
        f" {totals['conversations']} conversation(s) in all"
    )


def register(app: typer.Typer) -> None:
    @app.command("retention")
    def retention(
        dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be purged; change nothing."),
        recording_days: int | None = typer.Option(
            None, "--recording-days", min=0, help="Instead of FRONTDESK_RETENTION_RECORDING_DAYS (0: keep)."
        ),
        transcript_days: int | None = typer.Option(
            None, "--transcript-days", min=0, help="Instead of FRONTDESK_RETENTION_TRANSCRIPT_DAYS (0: keep)."
        ),
    ) -> None:
        """Purge recordings and transcripts past their retention (exit 1 if some could not be)."""
        from gateway.storage.base import StorageError
        from gateway.storage.recordings import Recordings
        from gateway.storage.retention import RetentionPlan, RetentionResult, plan_retention, purge
        from gateway.store.audit import AuditLog
        from gateway.store.db import Database, DatabaseUnavailable

        settings = settings_or_exit()
        rec_days = settings.retention_recording_days if recording_days is None else recording_days
        tr_days = settings.retention_transcript_days if transcript_days is None else transcript_days
        for days, what in ((rec_days, "recordings"), (tr_days, "transcripts")):
            typer.echo(f"{what}: " + (f"older than {days} day(s) are purged" if days else "kept forever"))
        if not rec_days and not tr_days:
            return

        async def go() -> RetentionPlan | RetentionResult:
            db = Database(settings.database_url)
            try:
                await db.ping()
                plan = await plan_retention(db, rec_days, tr_days)
                if dry_run or not plan.conversations:
                    return plan
                audit = AuditLog(db)
                try:
                    return await purge(db, audit, Recordings.from_settings(settings), plan)
                finally:
                    await audit.close()
            finally:
                await db.close()

        try:
            outcome = run(go())
        except (DatabaseUnavailable, StorageError) as exc:
            raise fail(str(exc)) from None
        if isinstance(outcome, RetentionPlan):
            typer.echo(("would purge: " if dry_run else "purged: ") + _describe(outcome.totals()))
            return
        typer.echo("purged: " + _describe(outcome.purged))
        if outcome.failed_recordings:
            typer.echo(
                f"error: {outcome.failed_recordings} recording(s) could not be removed from storage;"
                " they are kept and the next run tries again",
                err=True,
            )
            raise typer.Exit(1)
