"""The console's browser-facing hardening over a real server: security headers, no caching of
patient data, no API docs by default, idle logoff, and deactivation ending sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from gateway.console.headers import CONTENT_SECURITY_POLICY
from gateway.console.session import SESSION_COOKIE
from gateway.settings import Settings
from gateway.store.db import Database
from gateway.store.models import ConsoleSessionRow
from tests.conftest import LiveServer, make_settings
from tests.gateway.console.conftest import ADMIN, AUDITOR, STAFF, Console, converse


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


async def test_console_pages_and_exports_carry_security_headers(console: Console, settings: Settings) -> None:
    cid = await converse(settings, "voice", ["What are your opening hours"], caller_phone="+15550100155")
    client, _ = console.login(AUDITOR)
    anonymous = console.client()
    for resp in (
        anonymous.get("/console/login"),
        client.get("/console?q=hours"),
        client.get(f"/console/conversations/{cid}"),
        client.get(f"/console/conversations/{cid}/export"),
        client.get("/console/queue"),
    ):
        assert resp.status_code == 200, resp.url
        assert resp.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        assert "'unsafe-inline'" not in resp.headers["content-security-policy"]
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert resp.headers["cache-control"] == "no-store", resp.url
        assert "strict-transport-security" not in resp.headers  # plain http here
    # Static files keep their cache; the chat widget, embedded in other sites, gets no console policy.
    static = anonymous.get("/console/static/console.css")
    assert static.status_code == 200 and static.headers["cache-control"] == "max-age=3600"
    widget = anonymous.get("/widget.js")
    assert widget.status_code == 200 and "content-security-policy" not in widget.headers


def test_api_docs_off_by_default_and_hsts_on_https(
    live_server: LiveServer, tmp_path: Path, live_server_factory: Callable[[Settings], LiveServer]
) -> None:
    import httpx

    with httpx.Client(base_url=live_server.url) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404, path
    https = live_server_factory(
        make_settings(tmp_path / "https", api_docs=True, public_url="https://frontdesk.clinic.example")
    )
    with httpx.Client(base_url=https.url) as client:
        spec = client.get("/openapi.json")
        assert spec.status_code == 200 and "/console/login" in spec.json()["paths"]
        assert client.get("/docs").status_code == 200
        for path in ("/healthz", "/console/login"):
            assert client.get(path).headers["strict-transport-security"] == "max-age=31536000", path


async def _session(db: Database, email: str) -> ConsoleSessionRow:
    async with db.session() as s:
        row = await s.scalar(
            select(ConsoleSessionRow)
            .where(ConsoleSessionRow.email == email)
            .order_by(ConsoleSessionRow.created_at.desc())
        )
    assert row is not None
    return row


async def _age_session(db: Database, sid: str, seconds: float) -> datetime:
    """Move the session's last activity `seconds` into the past (as if nobody had clicked since)."""
    then = datetime.now(UTC) - timedelta(seconds=seconds)
    async with db.session() as s, s.begin():
        await s.execute(
            update(ConsoleSessionRow).where(ConsoleSessionRow.id == sid).values(last_seen_at=then)
        )
    return then


async def test_idle_session_is_logged_off_and_polls_do_not_keep_it_alive(
    console: Console, settings: Settings, db: Database
) -> None:
    idle = settings.console_idle_timeout_s
    assert idle == 900  # the default: 15 minutes
    client, _ = console.login(STAFF)
    session = await _session(db, STAFF)
    # The page's polls are not activity: the idle clock keeps running while a screen is left open.
    before = await _age_session(db, session.id, idle / 2)
    assert client.get("/console/queue/rows", headers={"HX-Request": "true"}).status_code == 200
    assert _aware((await _session(db, STAFF)).last_seen_at) == before  # type: ignore[arg-type]
    # A click is activity: the clock starts again.
    assert client.get("/console/queue").status_code == 200
    assert _aware((await _session(db, STAFF)).last_seen_at) > before  # type: ignore[arg-type]
    # Idle for longer than the limit: the next poll and the next click go to the login page.
    await _age_session(db, session.id, idle + 1)
    poll = client.get("/console/queue/rows", headers={"HX-Request": "true"})
    assert poll.status_code == 401 and poll.headers["HX-Redirect"].startswith("/console/login")
    page = client.get("/console")
    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")


async def test_deactivating_an_account_ends_its_sessions(console: Console, db: Database) -> None:
    staff, _ = console.login(STAFF)
    stolen = staff.cookies.get(SESSION_COOKIE)
    admin, csrf = console.login(ADMIN)
    for active in ("0", "1"):  # deactivate, then reactivate
        resp = admin.post(
            "/console/staff/active", data={"csrf_token": csrf, "email": STAFF, "active": active}
        )
        assert resp.status_code == 303
    assert (await _session(db, STAFF)).revoked_at is not None
    # The account is active again, but the session from before is gone for good.
    replay = console.client()
    replay.cookies.set(SESSION_COOKIE, stolen, path="/")
    resp = replay.get("/console")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/console/login")
    console.login(STAFF)  # a fresh login works
