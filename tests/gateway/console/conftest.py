"""Console fixtures: a migrated database with staff accounts, a running gateway, logged-in clients."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

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
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        self.clients.append(client)
        return client

    def login(self, email: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
        """A client holding a session cookie, and the session's CSRF token."""
        client = self.client()
        return client, log_in(client, email, password)


def log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    """Log `client` in through the console's form; returns the session's CSRF token."""
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
    return csrf.group(1)


@pytest.fixture
async def console(settings: Settings, accounts: StaffAccounts) -> AsyncIterator[Console]:
    """A running gateway on the database the `db` fixture migrated and seeded."""
    server = LiveServer(settings)
    await asyncio.to_thread(server.start)
    console = Console(server)
    yield console
    for client in console.clients:
        client.close()
    await asyncio.to_thread(server.stop)


async def converse(
    settings: Settings,
    channel: str,
    texts: list[str],
    *,
    caller_phone: str | None = None,
    handoff: tuple[str, str] | None = None,
    heard_words: int | None = None,
) -> str:
    """A conversation through the real path: ConversationManager + the configured agent + audit.
    `handoff` (reason, summary) asks for a person afterwards if the agent did not already;
    `heard_words` records a barge-in: the caller heard only that many words of the last bot turn."""
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
        if heard_words is not None and conversation.last_bot_turn_id is not None:
            turns = await _turn_texts(services, conversation.id)
            said = turns[conversation.last_bot_turn_id]
            heard = " ".join(said.split()[:heard_words])
            await conversation.record_heard(conversation.last_bot_turn_id, heard, interrupted=True)
        if handoff is not None and conversation.status == "active":
            await conversation.request_handoff(*handoff)
        return conversation.id
    finally:
        await services.stop()


async def _turn_texts(services, conversation_id: str) -> dict[int, str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from gateway.store.models import TurnRow

    async with services.db.session() as s:
        rows = await s.execute(
            select(TurnRow.seq, TurnRow.text).where(TurnRow.conversation_id == conversation_id)
        )
        return dict(rows.all())
