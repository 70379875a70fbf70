"""`frontdesk serve`: run the gateway under uvicorn."""

from __future__ import annotations

from typing import Any

import typer

from gateway.cli.common import fail, run, settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str | None = typer.Option(None, help="Bind address (default: FRONTDESK_HOST)."),
        port: int | None = typer.Option(None, help="Port (default: FRONTDESK_PORT)."),
    ) -> None:
        """Start the gateway (HTTP, WebSockets, console)."""
        from gateway.app import create_app
        from gateway.logging import configure_logging
        from gateway.store.db import Database, DatabaseUnavailable
        from gateway.store.migrate import pending_revisions
        from gateway.wiring import WiringError, build_connector

        settings = settings_or_exit()
        configure_logging(settings.log_level, settings.log_json)

        async def precheck() -> set[str]:
            db = Database(settings.database_url)
            try:
                await db.ping()
                # Build the configured connector once so a bad setting fails here, in one line.
                connector = build_connector(settings, db)
                await connector.aclose()
                return await pending_revisions(db)
            finally:
                await db.close()

        try:
            pending = run(precheck())
        except (DatabaseUnavailable, WiringError) as exc:
            raise fail(str(exc)) from None
        if pending:
            raise fail("database schema is not up to date; run `frontdesk db upgrade` first")
        run_server(create_app(settings), host or settings.host, port or settings.port)


def run_server(asgi_app: Any, host: str, port: int, **options: Any) -> None:
    """Serve the app as `frontdesk serve` does (benchmarks use this too, to measure the same server)."""
    from gateway.drain import run_draining
    from gateway.gc_tuning import tune_for_server

    tune_for_server()  # after the imports and the app: those objects are frozen
    # SIGTERM drains first (gateway/drain.py): live calls finish before uvicorn shuts down.
    run_draining(
        asgi_app,
        getattr(getattr(asgi_app, "state", None), "drain", None),
        host=host,
        port=port,
        log_config=None,
        ws_max_size=2 * 1024 * 1024,
        # Chat and media frames are a few hundred bytes: compressing them costs CPU and a zlib
        # context per connection (memory x 1,000 chats) for no gain.
        ws_per_message_deflate=False,
        # Forwarded headers are believed only from FRONTDESK_TRUSTED_PROXIES, by the app itself
        # (gateway/app.py), not from uvicorn's FORWARDED_ALLOW_IPS default of 127.0.0.1.
        proxy_headers=False,
        **options,
    )
