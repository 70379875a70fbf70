"""Two `frontdesk serve` processes on one PostgreSQL database and Redis: a visitor on A, staff on B.

Staff claim and reply on B and the visitor on A receives it live; A is killed with SIGKILL; the
visitor reconnects to B and resumes with nothing lost or duplicated; the audit chains verify.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from subprocess import CompletedProcess

import httpx
import pytest

from gateway.clients.chat_client import ChatClient
from gateway.console.accounts import StaffAccounts
from gateway.store.db import Database
from tests.gateway.cluster.conftest import Cluster
from tests.gateway.console.conftest import log_in

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

STAFF = "maria.lopez@clinic.example"
PASSWORD = "correct horse battery staple"


async def _add_staff(cluster: Cluster) -> None:
    db = Database(cluster.settings.database_url)
    try:
        await StaffAccounts(db).add(STAFF, "staff", PASSWORD)
    finally:
        await db.close()


def _login(base_url: str) -> tuple[httpx.AsyncClient, str]:
    """Staff logged in to this replica's console: an async client with the session, and its CSRF token."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        csrf = log_in(client, STAFF, PASSWORD)
        cookies = dict(client.cookies)
    return httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=30), csrf


async def _shows(client: httpx.AsyncClient, path: str, text: str, within_s: float = 10.0) -> bool:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        page = await client.get(path)
        assert page.status_code == 200, page.text
        if text in page.text:
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)


def _seqs(history: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [int(e["seq"]) for e in history if "seq" in e]


async def test_visitor_on_a_staff_on_b_then_a_dies(
    cluster: Cluster, run_cli: Callable[..., CompletedProcess[str]]
) -> None:
    await _add_staff(cluster)
    a = cluster.start("a")
    b = cluster.start("b")

    visitor = ChatClient(a.url, timeout_s=30)
    await visitor.connect()
    await visitor.greeting()
    await visitor.say("Hi, I have a question about a charge on my bill")
    if visitor.status == "bot":  # the agent may answer first; ask for a person plainly
        await visitor.say("Can I talk to a real person please?")
    await visitor.wait_for(lambda e: e["type"] == "status" and e["status"] == "waiting")
    cid = visitor.conversation_id
    assert cid is not None

    staff, csrf = _login(b.url)
    claimed = await staff.post(f"/console/conversations/{cid}/claim", data={"csrf_token": csrf})
    assert claimed.status_code == 303, claimed.text
    posted = await staff.post(
        f"/console/api/conversations/{cid}/staff-messages",
        json={"text": "Hello, this is Maria from billing."},
        headers={"X-CSRF-Token": csrf},
    )
    assert posted.status_code == 201, posted.text
    # Live on A, carried from B through Redis: the visitor did not reconnect.
    live = await visitor.wait_for(lambda e: e["type"] == "staff.message")
    assert live["text"] == "Hello, this is Maria from billing."
    assert live["seq"] == posted.json()["seq"]

    # The visitor answers on A while staff watch from B; then A dies.
    assert await visitor.say("Thanks Maria, it is the invoice from March") is None
    # The console on B shows what the visitor said on A (the transcript comes from the database).
    # The turn is stored by A's worker just after the echo: poll as the console page does.
    assert await _shows(staff, f"/console/conversations/{cid}/transcript", "invoice from March")
    before_kill = list(visitor.history)
    token, last_seq = visitor.token, visitor.last_seq
    a.kill()
    await visitor.close()

    # Staff write while the visitor is away: stored, waiting for the resume.
    posted2 = await staff.post(
        f"/console/api/conversations/{cid}/staff-messages",
        json={"text": "I can see that invoice; one moment."},
        headers={"X-CSRF-Token": csrf},
    )
    assert posted2.status_code == 201, posted2.text

    resumed = ChatClient(b.url, timeout_s=30)
    welcome = await resumed.connect(token=token, last_seq=last_seq)
    assert welcome["conversation_id"] == cid
    missed = await resumed.wait_for(lambda e: e["type"] == "staff.message")
    assert missed["text"] == "I can see that invoice; one moment."
    assert await resumed.say("Great, thank you") is None
    await resumed.close()
    await staff.aclose()

    everything = _seqs(before_kill) + _seqs(resumed.history)
    assert everything == sorted(everything), everything
    assert len(everything) == len(set(everything)), f"duplicates: {everything}"
    assert everything == list(range(everything[0], everything[-1] + 1)), f"gaps: {everything}"

    # The outbox holds one row per seq, 1..n, whichever replica stored it.
    db = Database(cluster.settings.database_url)
    try:
        async with db.session() as s:
            from sqlalchemy import select

            from gateway.store.models import ChatMessageRow

            stored = list(
                await s.scalars(
                    select(ChatMessageRow.seq)
                    .where(ChatMessageRow.conversation_id == cid)
                    .order_by(ChatMessageRow.seq)
                )
            )
    finally:
        await db.close()
    assert stored == list(range(1, len(stored) + 1))
    assert everything[-1] == stored[-1]

    verified = run_cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
