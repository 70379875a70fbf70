"""Console fixtures: a migrated database with staff accounts, a running gateway, logged-in clients."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
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
async def console(settings: Settings, accounts: StaffAccounts) -> AsyncIterator[Console]:
    """A running gateway on the database the `db` fixture migrated and seeded."""
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    yield Console(server)
    await asyncio.to_thread(server.stop)


async def converse(
    settings: Settings,
    channel: str,
    texts: list[str],
    *,
    caller_phone: str | None = None,
    handoff: tuple[str, str] | None = None,
) -> str:
    """A conversation through the real path: ConversationManager + the configured agent + audit.
    `handoff` (reason, summary) asks for a person afterwards if the agent did not already."""
    from agents.api import UserTurn
    from gateway.services import Services

    services = await Services.start(settings)
    try:
        conversation = await services.conversations.open(channel, caller_phone=caller_phone)  # type: ignore[arg-type]
        async for _ in conversation.greet():
            pass
        for text in texts:
            async for _ in conversation.user_turn(UserTurn(text=text, channel=channel)):  # type: ignore[arg-type]
                pass
        if handoff is not None and conversation.status == "active":
            await conversation.request_handoff(*handoff)
        return conversation.id
    finally:
        await services.stop()
