"""Console fixtures: a migrated database with staff accounts, a running gateway, logged-in clients."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from gateway.console.accounts import StaffAccounts
from gateway.settings import Settings
from gateway.store.db import Database
from tests.conftest import LiveServer, prepare_database

PASSWORD = "correct horse battery"
STAFF = "sam.staff@clinic.example"
AUDITOR = "alex.auditor@clinic.example"
ADMIN = "ada.admin@clinic.example"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The test's own connection to the gateway's (migrated, seeded) database."""
    await prepare_database(settings)
    database = Database(settings.database_url)
    yield database
    await database.close()


@pytest.fixture
async def accounts(db: Database) -> StaffAccounts:
    accounts = StaffAccounts(db)
    for email, role in ((STAFF, "staff"), (AUDITOR, "auditor"), (ADMIN, "admin")):
        await accounts.add(email, role, PASSWORD)
    return accounts


@dataclass
class Console:
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def login(self, email: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
        """A client holding a session cookie, and the session's CSRF token."""
        client = self.client()
        form = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        resp = client.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/console"},
        )
        assert resp.status_code == 303, resp.text
        page = client.get("/console")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, page.text
        return client, csrf.group(1)


@pytest.fixture
async def console(
    settings: Settings, accounts: StaffAccounts, live_server_factory: Callable[[Settings], LiveServer]
) -> Console:
    # live_server_factory runs its own event loop for migrations; keep it off ours.
    server = await asyncio.to_thread(live_server_factory, settings)
    return Console(server)
