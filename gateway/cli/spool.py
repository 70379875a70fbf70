"""`frontdesk spool show|skip`: the audit and turn spools in the data directory (writes kept on disk
while the database was away, gateway/store/spool_file.py), and what to do when an entry the
database refuses blocks one (gateway/store/spool_admin.py, docs/operations.md "Spools").

`show` works next to a running gateway. `skip` moves one entry (by default the one the gateway
found refused, else the head) to `spool-quarantine.jsonl` in the data directory and needs the
gateway stopped: it holds the spool's lock while it runs. The move is recorded in the audit trail
(`staff.action`, `spool_entry_skipped`, on the system chain) when the database takes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from gateway.cli.common import fail, run, settings_or_exit
from gateway.settings import Settings
from gateway.store.spool_admin import QUARANTINE_FILE

_SHOWN = 20  # entries listed per spool unless --all


def _spools(settings: Settings) -> dict[str, Path]:
    """The spool files a gateway on these settings uses, by the name the commands take."""
    if not settings.data_dir.is_dir():
        raise fail(f"no data directory at {settings.data_dir} (FRONTDESK_DATA_DIR): nothing is spooled there")
    return {"audit": settings.audit_spool_file(), "turn": settings.turn_spool_file()}


def _show(name: str, path: Path, show_all: bool) -> None:
    from gateway.store.spool_admin import read_spool

    view = read_spool(name, path)
    if not view.exists:
        typer.echo(f"{name} spool: {path}: no file (nothing spooled)")
        return
    if not view.entries:
        typer.echo(f"{name} spool: {path}: empty ({view.size} bytes)")
        return
    typer.echo(f"{name} spool: {path}: {len(view.entries)} entries, {view.size} bytes")
    if view.block is not None:
        typer.echo(f"  BLOCKED: {view.block.describe()}")
        typer.echo(f"    {view.block.message}")
        typer.echo(f"    move it aside with: frontdesk spool skip {name} (with the gateway stopped)")
    now = datetime.now(UTC)
    shown = view.entries if show_all else view.entries[:_SHOWN]
    typer.echo("  line\tid\tkind\tconversation\tkey\tage\tbytes")
    for e in shown:
        typer.echo(
            f"  {e.line}\t{e.id}\t{e.kind}\t{e.conversation or '-'}\t{e.key or '-'}\t{e.age(now)}\t{e.size}"
        )
    if len(shown) < len(view.entries):
        typer.echo(f"  ... {len(view.entries) - len(shown)} more (--all lists every one)")


async def _audited(settings: Settings, payload: dict[str, object]) -> str | None:
    """Record the operator's action on the system chain; why not, if it could not be."""
    from gateway.store.audit import SYSTEM_CHAIN, AuditLog
    from gateway.store.db import Database

    db = Database(settings.database_url)  # no ride-through: the entry is moved already
    audit = AuditLog(db)
    try:
        await db.ping()
        await audit.append(SYSTEM_CHAIN, "staff.action", "system", payload)
    except Exception as exc:  # unreachable, refused, not migrated: say so, the move stands
        return " ".join(str(exc).split())[:300] or type(exc).__name__
    finally:
        await audit.close()
        await db.close()
    return None


def register(app: typer.Typer) -> None:
    spool_app = typer.Typer(
        help="The audit and turn spools: writes kept on disk while the database was away.",
        no_args_is_help=True,
    )

    @spool_app.command("show")
    def show(
        show_all: bool = typer.Option(
            False, "--all", help=f"List every entry (default: the first {_SHOWN})."
        ),
    ) -> None:
        """Each spool: its file, entries and bytes, what blocks it, and its entries in replay order."""
        settings = settings_or_exit()
        for name, path in _spools(settings).items():
            _show(name, path, show_all)
        quarantine = settings.data_dir / QUARANTINE_FILE
        if quarantine.exists():
            moved = len(quarantine.read_bytes().splitlines())
            typer.echo(f"quarantine: {quarantine}: {moved} entries moved aside (kept)")

    @spool_app.command("skip")
    def skip(
        spool: str = typer.Argument(..., help="audit | turn"),
        line: int | None = typer.Option(None, "--line", min=1, help="The entry on this line (see `show`)."),
        entry_id: str | None = typer.Option(None, "--id", help="The entry with this id (see `show`)."),
        reason: str = typer.Option("", "--reason", help="Why, kept with the entry and in the audit trail."),
    ) -> None:
        """Move one entry out of a spool into the quarantine file (default: the entry the gateway found
        refused by the database, else the first). Stop the gateway first."""
        from gateway.store.spool_admin import CannotSkip, skip_entry
        from gateway.store.spool_file import SpoolBusy

        settings = settings_or_exit()
        spools = _spools(settings)
        if spool not in spools:
            raise fail(f"no spool {spool!r}: audit | turn", 2)
        path = spools[spool]
        try:
            skipped = skip_entry(
                spool,
                path,
                settings.data_dir / QUARANTINE_FILE,
                line=line,
                entry_id=entry_id,
                reason=reason,
            )
        except SpoolBusy:
            raise fail(
                f"a running gateway holds {path}: stop it (what is spooled stays on disk and is"
                " replayed first at its next start), run this again, then start it"
            ) from None
        except (CannotSkip, OSError) as exc:  # OSError: the files' permissions, a full disk
            raise fail(str(exc)) from None
        e = skipped.entry
        typer.echo(
            f"moved line {e.line} of {path} ({e.kind}, conversation {e.conversation or '-'}, id {e.id},"
            f" {e.size} bytes) to {skipped.quarantine}; {skipped.left} entries left"
        )
        payload: dict[str, object] = {
            "action": "spool_entry_skipped",
            "spool": spool,
            "line": e.line,
            "entry": e.id,
            "kind": e.kind,
            "conversation": e.conversation,
            "reason": reason,
            "via": "cli",
        }
        why_not = run(_audited(settings, payload))
        if why_not is None:
            typer.echo("recorded in the audit trail (system chain, staff.action spool_entry_skipped)")
        else:
            typer.echo(
                f"note: not recorded in the audit trail ({why_not}); the quarantine file keeps the record",
                err=True,
            )

    app.add_typer(spool_app, name="spool")
