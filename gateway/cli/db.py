"""`frontdesk db upgrade`: apply the Alembic migrations."""

from __future__ import annotations

import typer

from gateway.cli.common import fail, run, settings_or_exit


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
        typer.echo("database is up to date")

    app.add_typer(db_app, name="db")
