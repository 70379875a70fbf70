"""`frontdesk demo seed|patients|appointments`: create and inspect the built-in demo practice, so
people and scripts can check what a call or chat actually did."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from gateway.cli.common import fail, run, settings_or_exit
from gateway.settings import Settings

T = TypeVar("T")

DEMO_TABLES = ("demo_providers", "demo_patients", "demo_appointments", "demo_idempotency")


class MissingTables(Exception):
    pass


async def _with_demo_db(settings: Settings, body: Callable[[Any], Awaitable[T]]) -> T:
    """Open the database, check the demo tables exist, run `body(db)`, close."""
    from sqlalchemy import inspect

    from gateway.store.db import Database

    db = Database(settings.database_url)
    try:
        await db.ping()
        async with db.engine.connect() as conn:
            present = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        if missing := [t for t in DEMO_TABLES if t not in present]:
            raise MissingTables(", ".join(missing))
        return await body(db)
    finally:
        await db.close()


def _run_or_exit(settings: Settings, body: Callable[[Any], Awaitable[T]]) -> T:
    from gateway.store.db import DatabaseUnavailable

    try:
        return run(_with_demo_db(settings, body))
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    except MissingTables as exc:
        raise fail(f"demo practice tables are missing ({exc}); run `frontdesk db upgrade` first") from None


def _echo_json(rows: list[dict[str, Any]]) -> None:
    typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    demo_app = typer.Typer(help="The built-in demo practice (Riverside Family Clinic).", no_args_is_help=True)

    @demo_app.command("seed")
    def seed() -> None:
        """Create the demo practice's providers, patients and a few appointments (safe to re-run)."""
        from connectors.demo import PRACTICE_NAME, seed_demo

        settings = settings_or_exit()
        settings.ensure_data_dir()
        today = datetime.now(ZoneInfo(settings.timezone)).date()

        async def body(db: Any) -> Any:
            async with db.session() as session, session.begin():
                return await seed_demo(session, today, settings.timezone)

        report = _run_or_exit(settings, body)
        typer.echo(
            f"{PRACTICE_NAME}: added {report.providers_added} providers, {report.patients_added} patients, "
            f"{report.appointments_added} appointments"
        )

    @demo_app.command("patients")
    def patients(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")) -> None:
        """List the demo practice's patients."""
        from sqlalchemy import select

        from connectors.demo.models import DemoPatient

        settings = settings_or_exit()

        async def body(db: Any) -> list[dict[str, Any]]:
            async with db.session() as s:
                rows = (await s.execute(select(DemoPatient).order_by(DemoPatient.id))).scalars()
                return [
                    {
                        "id": r.id,
                        "first_name": r.first_name,
                        "last_name": r.last_name,
                        "date_of_birth": r.date_of_birth.isoformat(),
                        "phone": r.phone,
                    }
                    for r in rows
                ]

        rows = _run_or_exit(settings, body)
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            typer.echo(
                f"{r['id']}  {r['first_name']} {r['last_name']}  born {r['date_of_birth']}  {r['phone']}"
            )

    @demo_app.command("appointments")
    def appointments(
        as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
        patient: str | None = typer.Option(None, "--patient", help="Only this patient id."),
    ) -> None:
        """List the demo practice's appointments (all statuses), by start time."""
        from sqlalchemy import select

        from connectors.demo.models import DemoAppointment, DemoProvider

        settings = settings_or_exit()
        tz = ZoneInfo(settings.timezone)

        async def body(db: Any) -> list[dict[str, Any]]:
            query = (
                select(DemoAppointment, DemoProvider.name)
                .join(DemoProvider, DemoProvider.id == DemoAppointment.provider_id)
                .order_by(DemoAppointment.start_utc, DemoAppointment.id)
            )
            if patient:
                query = query.where(DemoAppointment.patient_id == patient)
            async with db.session() as s:
                result = (await s.execute(query)).tuples()
                return [
                    {
                        "id": a.id,
                        "patient_id": a.patient_id,
                        "provider": provider_name,
                        "provider_id": a.provider_id,
                        "start": a.start_utc.replace(tzinfo=UTC).astimezone(tz).isoformat(),
                        "end": a.end_utc.replace(tzinfo=UTC).astimezone(tz).isoformat(),
                        "status": a.status,
                    }
                    for a, provider_name in result
                ]

        rows = _run_or_exit(settings, body)
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            typer.echo(f"{r['id']}  {r['start']}  {r['provider']}  patient {r['patient_id']}  {r['status']}")

    app.add_typer(demo_app, name="demo")
