"""The system of record an evaluation runs against: the demo practice in a throwaway database,
seeded afresh before every scenario on the scenario's day, and the clock the scenario sets.

The deployment's own settings are kept (model server, business name, time zone, speech models);
only storage is redirected to a temporary directory and the connector is the demo practice, so
bookings made by one scenario cannot affect the next, and nothing touches the real database.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from gateway.settings import Settings


class ScenarioClock:
    """What "now" is for the agent and the demo practice: the scenario's moment, or the real time."""

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)
        self.moment: datetime | None = None

    def set(self, moment: datetime | None) -> datetime:
        """Fix the clock at `moment` (naive: local time) or, with None, follow the real time."""
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        self.moment = moment.astimezone(self.tz) if moment is not None else None
        return self()

    def __call__(self) -> datetime:
        return self.moment if self.moment is not None else datetime.now(self.tz)


def evaluation_settings(base: Settings, workdir: Path, *, voice: bool = False) -> Settings:
    """`base` with storage in `workdir`, the demo practice as connector, limits meant for people
    lifted (one client sends every scenario's turns) and a Twilio token for the simulator."""
    token = base.twilio_auth_token.get_secret_value() if base.twilio_auth_token else secrets.token_hex(16)
    return base.model_copy(
        update={
            "data_dir": workdir / "var",
            "database_url": f"sqlite+aiosqlite:///{workdir / 'eval.db'}",
            "connector": "demo",
            "twilio_auth_token": _secret(token),
            "twilio_record_calls": False,
            "transfer_number": None,  # a handoff on a call: "staff will call back", then hang up
            "transfer_queue": None,
            "preload_models": voice,
            "preload_phrases": False,
            "chat_rate_burst": 100_000.0,
            "chat_ip_rate_burst": 100_000.0,
            "chat_ip_connect_burst": 100_000.0,  # a new connection per scenario
            "log_level": "WARNING",
        }
    )


def _secret(value: str):
    from pydantic import SecretStr

    return SecretStr(value)


async def create_database(settings: Settings) -> None:
    """Apply the migrations to the evaluation's empty database."""
    from gateway.store.migrate import upgrade

    settings.ensure_data_dir()
    await upgrade(settings.database_url)


async def reseed(settings: Settings, today: datetime) -> None:
    """Empty the demo practice's appointments and seed it again as of `today`; forget failed
    identity checks (one scenario's wrong dates of birth must not slow down the next)."""
    from connectors.demo import seed_demo
    from connectors.demo.models import DemoAppointment, DemoIdempotency
    from gateway.store.db import Database
    from gateway.store.models import IdentityAttemptRow

    db = Database(settings.database_url)
    try:
        async with db.session() as session, session.begin():
            await session.execute(delete(IdentityAttemptRow))
            await session.execute(delete(DemoIdempotency))
            await session.execute(delete(DemoAppointment))
            await seed_demo(session, today.date(), settings.timezone)
    finally:
        await db.close()
