"""The staff API and the console's reply form are one action: the poster must hold the claim (or
be an admin), and every post is a `staff.action` on the conversation's audit chain."""

from __future__ import annotations

from sqlalchemy import select

from gateway.console.accounts import StaffAccounts
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import TurnRow
from tests.gateway.console.conftest import ADMIN, AUDITOR, PASSWORD, STAFF, Console, converse

COLLEAGUE = "cole.league@clinic.example"


async def _staff_turns(db: Database, conversation_id: str) -> list[str]:
    async with db.session() as s:
        rows = await s.scalars(
            select(TurnRow.text)
            .where(TurnRow.conversation_id == conversation_id, TurnRow.speaker == "staff")
            .order_by(TurnRow.seq)
        )
        return list(rows)


async def _replies(db: Database, conversation_id: str) -> list[tuple[str, int]]:
    events = await AuditLog(db).events(conversation_id)
    return [
        (e.payload["staff"], e.payload["chars"])
        for e in events
        if e.kind == "staff.action" and e.payload["action"] == "reply"
    ]


async def test_staff_api_needs_the_claim(
    console: Console, settings: Settings, db: Database, accounts: StaffAccounts
) -> None:
    await accounts.add(COLLEAGUE, "staff", PASSWORD)
    cid = await converse(
        settings, "chat", ["Can I talk to a person"], handoff=("caller asked for a person", "Wants a person.")
    )
    api = f"/console/api/conversations/{cid}/staff-messages"
    owner, owner_csrf = console.login(STAFF)
    colleague, colleague_csrf = console.login(COLLEAGUE)

    unclaimed = owner.post(api, json={"text": "Hello?"}, headers={"X-CSRF-Token": owner_csrf})
    assert unclaimed.status_code == 409 and "claim this conversation first" in unclaimed.text
    claimed = owner.post(f"/console/conversations/{cid}/claim", data={"csrf_token": owner_csrf})
    assert claimed.status_code == 303

    # A colleague gets the same 409 from the API as from the console's form.
    via_api = colleague.post(api, json={"text": "Butting in"}, headers={"X-CSRF-Token": colleague_csrf})
    via_form = colleague.post(
        f"/console/conversations/{cid}/reply", data={"csrf_token": colleague_csrf, "text": "Butting in"}
    )
    assert (via_api.status_code, via_form.status_code) == (409, 409)
    assert f"claimed by {STAFF}" in via_api.json()["detail"] and f"claimed by {STAFF}" in via_form.text
    assert await _staff_turns(db, cid) == [] and await _replies(db, cid) == []

    ok = owner.post(api, json={"text": "Hi, Sam here."}, headers={"X-CSRF-Token": owner_csrf})
    assert ok.status_code == 201, ok.text
    assert ok.json()["conversation_id"] == cid and ok.json()["seq"] > 0
    # An admin may step in, as on the console; an auditor never posts.
    admin, admin_csrf = console.login(ADMIN)
    assert (
        admin.post(api, json={"text": "Admin here."}, headers={"X-CSRF-Token": admin_csrf}).status_code == 201
    )
    auditor, auditor_csrf = console.login(AUDITOR)
    assert auditor.post(api, json={"text": "x"}, headers={"X-CSRF-Token": auditor_csrf}).status_code == 403
    assert await _staff_turns(db, cid) == ["Hi, Sam here.", "Admin here."]
    assert await _replies(db, cid) == [(STAFF, len("Hi, Sam here.")), (ADMIN, len("Admin here."))]


async def test_staff_api_refuses_calls_and_closed_chats(
    console: Console, settings: Settings, db: Database
) -> None:
    call = await converse(
        settings,
        "voice",
        ["A person please"],
        caller_phone="+15550100144",
        handoff=("asked", "Wants a person."),
    )
    client, csrf = console.login(STAFF)
    assert client.post(f"/console/conversations/{call}/claim", data={"csrf_token": csrf}).status_code == 303
    resp = client.post(
        f"/console/api/conversations/{call}/staff-messages",
        json={"text": "hi"},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == 409 and "only chat visitors" in resp.json()["detail"]
    blank = client.post(
        f"/console/api/conversations/{call}/staff-messages",
        json={"text": "   "},
        headers={"X-CSRF-Token": csrf},
    )
    assert blank.status_code == 400 and "empty" in blank.json()["detail"]
    assert await _staff_turns(db, call) == []
