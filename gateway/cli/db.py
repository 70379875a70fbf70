"""`frontdesk db upgrade | current | history`: apply the Alembic migrations, and say where the
database's schema stands against this release's migrations."""

from __future__ import annotations

from pathlib import Path

import typer

from gateway.cli.common import fail, run, settings_or_exit

UPGRADE_HINT = "run `frontdesk db upgrade`"


def _sqlite_file_missing(url: str) -> bool:
    """A SQLite URL whose file does not exist yet: reading it must not create it."""
    from sqlalchemy.engine import make_url

    if not url.startswith("sqlite"):
        return False
    database = make_url(url).database
    return database is not None and database not in ("", ":memory:") and not Path(database).exists()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _read_state(url: str):
    """The schema state of the database at url (an empty one for a SQLite file not yet created)."""
    from gateway.store.db import Database
    from gateway.store.migrate import schema_state, schema_state_of, script_directory

    if _sqlite_file_missing(url):
        return schema_state_of(script_directory(url), ())

    async def go():
        db = Database(url)
        try:
            await db.ping()
            return await schema_state(db)
        finally:
            await db.close()

    return run(go())


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
        """Create or migrate the database schema."""
        from gateway.store.db import Database, DatabaseUnavailable
        from gateway.store.migrate import upgrade as do_upgrade

        settings = settings_or_exit()
        settings.ensure_data_dir()

        owner_url = settings.database_owner_url or settings.database_url

        async def go() -> None:
            db = Database(owner_url)
            try:
                await db.ping()
            finally:
                await db.close()
            await do_upgrade(owner_url, revision)

        try:
            run(go())
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        typer.echo("database is up to date" if revision == "heads" else f"database is at revision {revision}")

    @db_app.command("current")
    def current(
        check: bool = typer.Option(
            False, "--check", help="Exit 1 when migrations are pending (when `frontdesk serve` would refuse)."
        ),
    ) -> None:
        """Show the database's revision and whether migrations are pending (reads only)."""
        from gateway.store.db import DatabaseUnavailable

        settings = settings_or_exit()
        try:
            state = _read_state(settings.database_url)
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        docs = {s.revision: s.doc for s in state.revisions}
        if not state.recorded:
            typer.echo("no revision: the database has no schema yet")
        for rev in state.recorded:
            if rev in state.unknown:
                typer.echo(f"{rev} (not in this release: a newer release migrated the database)")
            else:
                mark = " (head)" if rev in state.heads else ""
                typer.echo(f"{rev}{mark} {_one_line(docs[rev])}")
        if state.pending:
            typer.echo(f"pending: {', '.join(state.pending)}; {UPGRADE_HINT}")
            if check:
                raise typer.Exit(1)
        elif state.unknown:
            typer.echo("newer than this release: nothing to apply")
        else:
            typer.echo("up to date")

    @db_app.command("history")
    def history(
        database: bool = typer.Option(
            True, "--database/--no-database", help="Mark what the database has applied (connects to it)."
        ),
    ) -> None:
        """List this release's migrations, oldest first, and which the database has applied."""
        from gateway.store.db import DatabaseUnavailable
        from gateway.store.migrate import schema_state_of, script_directory

        settings = settings_or_exit()
        if database:
            try:
                state = _read_state(settings.database_url)
            except DatabaseUnavailable as exc:
                raise fail(str(exc)) from None
        else:
            state = schema_state_of(script_directory(), ())
        for script in state.revisions:
            rev = script.revision
            marks = []
            if database:
                marks.append("applied" if rev in state.applied else "pending")
                if rev in state.recorded:
                    marks.append("current")
            if rev in state.heads:
                marks.append("head")
            typer.echo(f"{rev}  {','.join(marks) or '-':<22} {_one_line(script.doc)}")
        for rev in state.unknown:
            typer.echo(f"{rev}  {'applied,current':<22} (not in this release: a newer release's migration)")

    app.add_typer(db_app, name="db")
