"""The console over real HTTP: login redirects, cookie flags, CSRF, lockout, roles, the access log."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import wave
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import Response
from sqlalchemy import select

from gateway.console.accounts import StaffAccounts
from gateway.console.session import SESSION_COOKIE, SessionCodec
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import ConversationRow, HandoffRow, RecordingRow, StaffUserRow
from tests.conftest import LiveServer, create_pg_database, drop_pg_database, make_settings, prepare_database
from tests.gateway.console.conftest import ADMIN, AUDITOR, PASSWORD, STAFF, Console, converse

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")


async def _handoff(db: Database, conversation_id: str) -> HandoffRow:
    async with db.session() as s:
        row = await s.scalar(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id))
    assert row is not None
    return row


async def _kinds(db: Database, chain: str) -> list[tuple[str, dict]]:
    return [(e.kind, e.payload) for e in await AuditLog(db).events(chain)]


def _alert(page: str) -> str | None:
    """The error shown on a console page."""
    found = re.search(r'<div class="alert error" role="alert">(.*?)</div>', page, re.S)
    return found.group(1).strip() if found else None


def test_unauthenticated_requests_are_sent_to_login(console: Console) -> None:
    with console.client() as client:
        for path in ("/console", "/console/queue", "/console/conversations/abc", "/console/staff"):
            resp = client.get(path)
            assert resp.status_code == 303, path
            assert resp.headers["location"].startswith("/console/login?next=%2Fconsole"), path
        post = client.post("/console/conversations/abc/claim", data={"csrf_token": "x"})
        assert post.status_code == 303 and post.headers["location"].startswith("/console/login")
        htmx = client.get("/console/queue/rows", headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/console/login")
        # A forged cookie is no session.
        client.cookies.set(SESSION_COOKIE, "e30.forged.signature", path="/")
        assert client.get("/console").status_code == 303
        assert client.get("/console/login").status_code == 200


async def test_session_cookie_flags(console: Console, tmp_path: Path) -> None:
    with console.client() as client:
        form = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        resp = client.post(
            "/console/login",
            data={"email": STAFF, "password": PASSWORD, "csrf_token": token, "next": "//evil.example"},
        )
        assert resp.status_code == 303 and resp.headers["location"] == "/console"  # no open redirect
        cookie = next(c for c in resp.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/;" in cookie + ";"
        assert "Secure" not in cookie  # plain http here
    https = SessionCodec(make_settings(tmp_path, public_url="https://frontdesk.clinic.example"))
    response = Response()
    https.write(response, STAFF, "session-id")
    assert "Secure" in response.headers["set-cookie"]


async def test_login_without_csrf_token_is_refused(console: Console, db: Database) -> None:
    with console.client() as client:
        client.get("/console/login")
        resp = client.post(
            "/console/login", data={"email": STAFF, "password": PASSWORD, "csrf_token": "guess"}
        )
        assert resp.status_code == 403
        assert "expired" in resp.text
        assert not any(c.startswith(SESSION_COOKIE + "=") for c in resp.headers.get_list("set-cookie"))
    assert ("security.rejected", {"reason": "login_csrf_mismatch"}) in await _kinds(db, "system")


async def test_wrong_password_lockout(console: Console, db: Database) -> None:
    with console.client() as client:

        def attempt(password: str) -> httpx.Response:
            form = client.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            return client.post(
                "/console/login", data={"email": STAFF, "password": password, "csrf_token": token}
            )

        wrong = [attempt(f"wrong password {i}") for i in range(5)]
        assert [r.status_code for r in wrong] == [401] * 5
        right = attempt(PASSWORD)
        # Locked, the right password gets the very answer of a wrong one: no hint the account exists.
        assert right.status_code == 401 and "locked" not in right.text.lower()
        assert _alert(right.text) == _alert(wrong[0].text) == "Wrong e-mail or password."
        assert not any(c.startswith(SESSION_COOKIE + "=") for c in right.headers.get_list("set-cookie"))
    rejected = [p for k, p in await _kinds(db, "system") if k == "security.rejected"]
    reasons = [p.get("reason") for p in rejected]
    assert reasons.count("login_bad_password") == 5
    assert [p for p in rejected if p.get("locked_until")] == [rejected[4]]  # the fifth locked it
    assert reasons.count("login_locked") == 1
    # Other accounts are unaffected.
    console.login(AUDITOR)


async def test_actions_need_the_csrf_token_and_change_nothing_without(
    console: Console, settings: Settings, db: Database
) -> None:
    cid = await converse(
        settings,
        "chat",
        ["I would like to speak to a person please"],
        handoff=("caller asked for a person", "Wants a person."),
    )
    client, csrf = console.login(STAFF)
    missing = client.post(f"/console/conversations/{cid}/claim")
    wrong = client.post(f"/console/conversations/{cid}/claim", data={"csrf_token": csrf[:-2] + "xx"})
    header_wrong = client.post(
        f"/console/conversations/{cid}/notes", data={"text": "hi"}, headers={"X-CSRF-Token": "x"}
    )
    assert (missing.status_code, wrong.status_code, header_wrong.status_code) == (403, 403, 403)
    assert "CSRF" in wrong.text
    assert (await _handoff(db, cid)).status == "waiting"
    ok = client.post(f"/console/conversations/{cid}/claim", data={"csrf_token": csrf})
    assert ok.status_code == 303
    handoff = await _handoff(db, cid)
    assert handoff.status == "claimed" and handoff.claimed_by == STAFF
    again = client.post(f"/console/conversations/{cid}/claim", data={"csrf_token": csrf})
    assert again.status_code == 409 and "already claimed by" in again.text
    # Bad input: an empty reply and a close without a resolution note are refused, nothing stored.
    empty = client.post(f"/console/conversations/{cid}/reply", data={"csrf_token": csrf, "text": "   "})
    assert empty.status_code == 400 and "the message is empty" in empty.text
    no_note = client.post(f"/console/conversations/{cid}/close", data={"csrf_token": csrf, "note": ""})
    assert no_note.status_code == 400 and "resolution note is empty" in no_note.text
    assert (await _handoff(db, cid)).status == "claimed"
    missing_conv = client.post("/console/conversations/nope/notes", data={"csrf_token": csrf, "text": "x"})
    assert missing_conv.status_code == 404
    # The console session also authorises the chat edge's staff endpoint (cookie path /, CSRF header).
    api = f"/api/conversations/{cid}/staff-messages"
    assert client.post(api, json={"text": "Hello from the desk"}).status_code == 403
    posted = client.post(api, json={"text": "Hello from the desk"}, headers={"X-CSRF-Token": csrf})
    assert posted.status_code == 201, posted.text
    page = client.get(f"/console/conversations/{cid}")
    assert re.search(r'turn-staff".*?Hello from the desk', page.text, re.S)
    rejected = [p for k, p in await _kinds(db, "system") if k == "security.rejected"]
    assert sum(1 for p in rejected if p["reason"] == "csrf_mismatch" and p["staff"] == STAFF) == 4
    actions = [p["action"] for k, p in await _kinds(db, cid) if k == "staff.action"]
    assert actions == ["claim", "reply"]  # the API post is the console's reply action, audited


async def test_auditor_reads_and_exports_but_cannot_act(
    console: Console, settings: Settings, db: Database
) -> None:
    cid = await converse(
        settings,
        "voice",
        ["Hi, I need to move my appointment"],
        caller_phone="+15550100199",
        handoff=("caller asked for a person", "Wants to move an appointment."),
    )
    client, csrf = console.login(AUDITOR)
    page = client.get(f"/console/conversations/{cid}")
    assert page.status_code == 200
    assert "Audit chain verified" in page.text
    assert 'id="claim"' not in page.text  # no button for auditors ...
    refused = client.post(f"/console/conversations/{cid}/claim", data={"csrf_token": csrf})
    assert refused.status_code == 403  # ... and the server refuses anyway
    assert (await _handoff(db, cid)).status == "waiting"
    export = client.get(f"/console/conversations/{cid}/export")
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    lines = [json.loads(line) for line in export.text.splitlines()]
    types = [line["type"] for line in lines]
    assert types[0] == "conversation" and lines[0]["id"] == cid and lines[0]["caller_phone"] == "+15550100199"
    assert "turn" in types and "handoff" in types
    events = [line for line in lines if line["type"] == "audit_event"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(len(e["hash"]) == 64 for e in events)
    assert lines[-1] == {"type": "verification", "ok": True, "events": len(events), "first_bad": None}
    assert any(e["kind"] == "staff.export" and e["payload"]["staff"] == AUDITOR for e in events)

    # The access log is on the conversation's own chain and in `frontdesk audit export`.
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(settings.data_dir),
        "FRONTDESK_DATABASE_URL": settings.database_url,
    }
    proc = await asyncio.to_thread(
        subprocess.run,
        [FRONTDESK, "audit", "export", cid],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    exported = [json.loads(line) for line in proc.stdout.splitlines()]
    staff_events = [
        (e["kind"], e["payload"]["staff"], e["payload"].get("what"))
        for e in exported
        if e["kind"].startswith("staff.")
    ]
    assert ("staff.view", AUDITOR, "conversation") in staff_events
    assert ("staff.export", AUDITOR, None) in staff_events

    staff_client, _ = console.login(STAFF)
    assert staff_client.get(f"/console/conversations/{cid}/export").status_code == 403


async def test_list_filters_paging_and_bad_filters(console: Console, settings: Settings) -> None:
    await _check_filters(console, settings)


@pytest.mark.postgres
async def test_list_filters_and_claim_on_postgres(tmp_path: Path) -> None:
    url = await create_pg_database()
    settings = make_settings(tmp_path, database_url=url, timezone="America/Chicago")
    server = None
    try:
        await prepare_database(settings)
        db = Database(settings.database_url)
        for email, role in ((STAFF, "staff"), (AUDITOR, "auditor")):
            await StaffAccounts(db).add(email, role, PASSWORD)
        server = LiveServer(settings)
        await asyncio.to_thread(server.start)
        console = Console(server)
        await _check_filters(console, settings)
        waiting = [c for c in await _conversation_ids(db) if (await _handoff_or_none(db, c)) is not None]
        client, csrf = console.login(STAFF)
        assert (
            client.post(f"/console/conversations/{waiting[0]}/claim", data={"csrf_token": csrf}).status_code
            == 303
        )
        assert (await _handoff(db, waiting[0])).claimed_by == STAFF
        auditor, _ = console.login(AUDITOR)
        export = auditor.get(f"/console/conversations/{waiting[0]}/export")
        assert export.status_code == 200
        assert json.loads(export.text.splitlines()[-1])["ok"] is True
        for c in console.clients:
            c.close()
        await db.close()
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
        await drop_pg_database(url)


async def _conversation_ids(db: Database) -> list[str]:
    async with db.session() as s:
        return list(await s.scalars(select(ConversationRow.id)))


async def _handoff_or_none(db: Database, conversation_id: str) -> HandoffRow | None:
    async with db.session() as s:
        return await s.scalar(select(HandoffRow).where(HandoffRow.conversation_id == conversation_id))


async def _check_filters(console: Console, settings: Settings) -> None:
    voice = await converse(
        settings, "voice", ["Do you have anything on Tuesday morning"], caller_phone="+15550100111"
    )
    chat = await converse(
        settings, "chat", ["Is the parking free at the clinic"], handoff=("no answer", "Asks about parking.")
    )
    client, _ = console.login(STAFF)

    def ids(query: str) -> set[str]:
        resp = client.get(f"/console?{query}")
        assert resp.status_code == 200, resp.text
        return set(re.findall(r'href="/console/conversations/([0-9a-f]+)"', resp.text))

    assert ids("") == {voice, chat}
    assert ids("channel=voice") == {voice}
    assert ids("status=waiting") == {chat}
    assert ids("needs_person=1") == {chat}
    assert ids("q=PARKING") == {chat}
    assert ids("q=5550100111") == {voice}
    assert ids("q=100%25") == set()  # LIKE wildcards are literal
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    assert ids(f"date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}") == {
        voice,
        chat,
    }
    assert ids(f"date_from={today + timedelta(days=2)}") == set()
    first, second = ids("page_size=1"), ids("page_size=1&page=2")
    assert len(first) == len(second) == 1 and first | second == {voice, chat}
    for bad, message in (
        ("date_from=31/12/2026", "date_from"),
        ("channel=fax", "channel"),
        (f"date_from={today}&date_to={today - timedelta(days=3)}", "date_from is after date_to"),
        ("page=0", "page"),
    ):
        resp = client.get(f"/console?{bad}")
        assert resp.status_code == 400, bad
        assert "Bad filter" in resp.text and message in resp.text, bad


def _write_wav(path: Path, seconds: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00\x00\x00" * int(8000 * seconds))


async def test_recording_is_served_only_to_staff_and_audited(
    console: Console, settings: Settings, db: Database
) -> None:
    cid = await converse(
        settings, "voice", ["Hello, what are your opening hours"], caller_phone="+15550100122"
    )
    _write_wav(settings.data_dir / "recordings" / f"{cid}.wav")
    outside = settings.data_dir.parent / "outside.wav"
    _write_wav(outside)
    async with db.session() as s, s.begin():
        good = RecordingRow(conversation_id=cid, path=f"recordings/{cid}.wav", duration_s=0.5, channels=2)
        escape = RecordingRow(conversation_id=cid, path="../outside.wav", duration_s=0.5, channels=2)
        s.add_all([good, escape])
    with console.client() as anonymous:
        assert anonymous.get(f"/console/conversations/{cid}/recordings/{good.id}").status_code == 303
    client, _ = console.login(STAFF)
    page = client.get(f"/console/conversations/{cid}")
    assert f"/console/conversations/{cid}/recordings/{good.id}" in page.text
    audio = client.get(f"/console/conversations/{cid}/recordings/{good.id}")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF"
    assert client.get(f"/console/conversations/{cid}/recordings/{escape.id}").status_code == 404
    assert client.get(f"/console/conversations/other/recordings/{good.id}").status_code == 404
    # found by tests/gateway/fuzz/test_http_schema.py: an id beyond 64 bits was a 500 (OverflowError)
    for beyond in (2**64, 2**63, 0, -1):
        assert client.get(f"/console/conversations/{cid}/recordings/{beyond}").status_code == 404
    views = [p for k, p in await _kinds(db, cid) if k == "staff.view"]
    assert [(v["staff"], v["what"]) for v in views] == [(STAFF, "conversation"), (STAFF, "recording")]


async def test_admin_manages_accounts_staff_cannot(console: Console, db: Database) -> None:
    admin, csrf = console.login(ADMIN)
    added = admin.post(
        "/console/staff",
        data={
            "csrf_token": csrf,
            "email": "new.hire@clinic.example",
            "role": "staff",
            "password": "a fine password",
        },
    )
    assert added.status_code == 303
    bad = admin.post(
        "/console/staff",
        data={
            "csrf_token": csrf,
            "email": "x@clinic.example",
            "role": "owner",
            "password": "a fine password",
        },
    )
    assert bad.status_code == 400 and "unknown role" in bad.text
    off = admin.post("/console/staff/active", data={"csrf_token": csrf, "email": STAFF, "active": "0"})
    assert off.status_code == 303
    console.login("new.hire@clinic.example", "a fine password")
    with console.client() as client:
        form = client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        resp = client.post("/console/login", data={"email": STAFF, "password": PASSWORD, "csrf_token": token})
        assert resp.status_code == 401 and "deactivated" in resp.text
    auditor, _ = console.login(AUDITOR)
    assert auditor.get("/console/staff").status_code == 403
    actions = [p["action"] for k, p in await _kinds(db, "system") if k == "staff.action"]
    assert "account_added" in actions and "account_deactivated" in actions


async def test_voice_barge_in_shows_said_and_heard(
    console: Console, settings: Settings, db: Database
) -> None:
    cid = await converse(
        settings, "voice", ["Which doctors do you have"], caller_phone="+15550100133", heard_words=3
    )
    turns = await _kinds(db, cid)
    heard_event = next(p for k, p in turns if k == "turn.bot_heard")
    client, _ = console.login(STAFF)
    page = client.get(f"/console/conversations/{cid}")
    assert page.status_code == 200
    said_block = re.search(r'<div class="said">(.*?)</div>\s*<div class="heard">(.*?)</div>', page.text, re.S)
    assert said_block, page.text
    assert heard_event["said"] in said_block.group(1)
    assert heard_event["heard"] in said_block.group(2) and "barge-in" in said_block.group(2)
    assert len(heard_event["heard"].split()) == 3 < len(heard_event["said"].split())
    assert 'data-kind="agent.tool_call"' in page.text and "list_providers" in page.text
    # Voice user turns are labelled "Caller" (chat: "Visitor").
    assert re.search(r'class="turn turn-caller"[^>]*>\s*<div class="who">Caller', page.text)


def test_logout_revokes_the_session_server_side(console: Console) -> None:
    client, csrf = console.login(STAFF)
    stolen = client.cookies.get(SESSION_COOKIE)
    assert client.get("/console").status_code == 200
    out = client.post("/console/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    # A copy of the cookie taken before logout no longer opens the console.
    replay = console.client()
    replay.cookies.set(SESSION_COOKIE, stolen, path="/")
    resp = replay.get("/console")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/console/login")


async def test_two_factor_setup_without_a_secrets_key_is_refused_clearly(
    console: Console, db: Database
) -> None:
    """No FRONTDESK_SECRETS_KEY (this gateway's settings): setting up two-factor is a 503 that says
    so, and no secret is stored in clear meanwhile."""
    client, csrf = console.login(STAFF)
    refused = client.post("/console/account/two-factor/start", data={"csrf_token": csrf})
    assert refused.status_code == 503, refused.text
    assert "Two-factor cannot be set up now" in refused.text and "FRONTDESK_SECRETS_KEY" in refused.text
    assert 'id="totp-secret"' not in refused.text
    # a code sent anyway is a plain error page, not a server error (found by the HTTP fuzzing)
    confirmed = client.post(
        "/console/account/two-factor/confirm", data={"csrf_token": csrf, "code": "123456"}
    )
    assert confirmed.status_code in (400, 503), confirmed.text
    assert 'id="totp-secret"' not in confirmed.text
    async with db.session() as s:
        stored = await s.scalar(select(StaffUserRow.totp_secret).where(StaffUserRow.email == STAFF))
    assert stored is None
