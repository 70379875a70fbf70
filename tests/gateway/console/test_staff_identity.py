"""The console's people-facing parts ([6/7] items 1, 2, 4, 5). In headless Chromium: names instead of
ids, handoff alerts (title count, desktop notification), display names on staff replies, two-factor
login (required for admins here), the 390 px wide phone layout. Over HTTP: every refusal of the
account pages (display name, own password, admin's reset, two-factor code step and its lockout;
the setup page's QR code; the secret stored encrypted, and a server key that cannot open it).

One gateway and one browser serve the whole module (FRONTDESK_CONSOLE_TOTP=required_for_admins);
each test uses accounts of its own.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pyotp
import pytest
import pytest_asyncio
import segno
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import select, update

from gateway.console.accounts import StaffAccounts
from gateway.console.secret_box import SecretBox, new_key
from gateway.store.audit import SYSTEM_CHAIN, AuditLog
from gateway.store.db import Database
from gateway.store.models import StaffUserRow
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.console.visitor import Visitor

Test = TypeVar("Test", bound=Callable[..., Awaitable[None]])


def browser_test(test: Test) -> Test:
    """In Chromium, on the module's event loop (the browser lives as long as the module)."""
    marked: Test = pytest.mark.browser(pytest.mark.asyncio(loop_scope="module")(test))
    return marked


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct horse battery"
MARIA = "maria.lopez@clinic.example"  # staff
DANA = "dana.reyes@clinic.example"  # staff
ADMIN = "ada.admin@clinic.example"
# For the HTTP tests
LEE = "lee.lane@clinic.example"  # changes own name and password
OLIVE = "olive.ortiz@clinic.example"  # an admin resets her password
ROOT = "root.admin@clinic.example"  # that admin
TOM = "tom.tran@clinic.example"  # turns two-factor on, then gets his code wrong
KAY = "kay.key@clinic.example"  # two-factor on, then the server's key changes under her secret
SECRETS_KEY = new_key()
# The browser's Notification API, recorded: headless Chromium shows no desktop notifications.
RECORD_NOTIFICATIONS = """
window.__notes = [];
window.Notification = class {
  constructor(title, options) { window.__notes.push(title); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("staff-console"),
        console_totp="required_for_admins",
        secrets_key=f"{SECRETS_KEY},{new_key()}",  # newest first; the second only decrypts
        timezone="America/New_York",
        console_login_rate_burst=1000,  # every test logs in from 127.0.0.1 (the limit has its own tests)
    )

    async def prepare() -> None:
        await prepare_database(settings)
        db = Database(settings.database_url)
        accounts = StaffAccounts(db)
        for email, role in (
            (MARIA, "staff"),
            (DANA, "staff"),
            (ADMIN, "admin"),
            (LEE, "staff"),
            (OLIVE, "staff"),
            (ROOT, "admin"),
            (TOM, "staff"),
            (KAY, "staff"),
        ):
            await accounts.add(email, role, PASSWORD)
        await db.close()

    asyncio.run(prepare())
    live = LiveServer(settings)
    live.settings = settings
    live.start()
    yield live
    live.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


CSP_VIOLATIONS: list[str] = []  # what the console's Content-Security-Policy blocked, in any test


async def _page(browser: Browser, width: int = 1280) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": 844})
    await context.add_init_script(RECORD_NOTIFICATIONS)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    page.on(
        "console",
        lambda m: CSP_VIOLATIONS.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


async def _done(page: Page) -> None:
    await page.context.close()
    assert CSP_VIOLATIONS == []  # console.js and the beep ran under the console's policy


async def _login(page: Page, server: LiveServer, email: str) -> None:
    await page.goto(f"{server.url}/console/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")


async def _handed_over(visitor: Visitor, *texts: str) -> None:
    for text in texts:
        await visitor.say(text)
    await visitor.send("Can I talk to someone about a charge on my bill?")
    await visitor.wait_for(lambda f: f.get("type") == "status" and f.get("status") == "waiting")


@browser_test
async def test_new_handoffs_are_counted_and_notified(server: LiveServer, browser: Browser) -> None:
    page = await _page(browser)
    await _login(page, server, MARIA)
    await page.click("text=Handoff queue")
    await expect(page).to_have_title(re.compile(r"^Handoff queue"))
    async with Visitor(server.ws_url) as visitor:
        # A verified patient: the queue names her; the summary says what it is about.
        await _handed_over(visitor, "Hi, I need to make an appointment", "Sarah Johnson, born March 14 1985")
        row = page.locator(f'#waiting tr[data-conversation="{visitor.conversation_id}"]')
        await expect(row).to_contain_text("Sarah Johnson")
        await expect(row).to_contain_text("visitor")
        await expect(row.locator("td.waited")).to_have_text(re.compile(r"^waiting (just now|1 min)$"))
        await expect(row.locator(".summary")).to_contain_text("a question about a charge on a bill")
        await expect(row.locator(".summary")).to_contain_text("Verified visitor Sarah Johnson")
        assert ".." not in await row.locator(".summary").inner_text()
        await expect(page).to_have_title(re.compile(r"^\(1\) Handoff queue"))
        assert await page.evaluate("window.__notes") == ["A new handoff is waiting"]

        # On another page the count comes from the queue's count endpoint.
        await page.click("text=Conversations")
        await expect(page).to_have_title(re.compile(r"^\(1\) Conversations"))
        await expect(page.locator("#queue-count")).to_have_text("1")
        listed = page.locator(f'a[href="/console/conversations/{visitor.conversation_id}"]').locator(
            "xpath=../.."
        )
        await expect(listed).to_contain_text("Sarah Johnson")
        async with Visitor(server.ws_url) as second:  # an unverified visitor
            await _handed_over(second)
            await expect(page).to_have_title(re.compile(r"^\(2\) Conversations"), timeout=10_000)
            # This page's own notification (the first was on the queue page, before it).
            assert await page.evaluate("window.__notes") == ["A new handoff is waiting"]
            await page.reload()  # the list does not refresh itself
            second_row = page.locator(f'a[href="/console/conversations/{second.conversation_id}"]').locator(
                "xpath=../.."
            )
            await expect(second_row).to_contain_text("website visitor")
        # The sound can be muted, and stays muted.
        await page.click("#sound-toggle")
        await expect(page.locator("#sound-toggle")).to_have_text("Sound off")
        await page.reload()
        await expect(page.locator("#sound-toggle")).to_have_text("Sound off")
    await _done(page)


@browser_test
async def test_staff_reply_carries_the_display_name(server: LiveServer, browser: Browser) -> None:
    page = await _page(browser)
    await _login(page, server, DANA)
    await expect(page.locator("header .who")).to_contain_text(DANA)
    await page.goto(f"{server.url}/console/account")
    await page.fill("#name-form input[name=name]", "Dana")
    await page.click("#name-form button")
    await expect(page.locator("header .who a.me")).to_have_text("Dana")
    async with Visitor(server.ws_url) as visitor:
        await _handed_over(visitor)
        await page.goto(f"{server.url}/console/conversations/{visitor.conversation_id}")
        await expect(page.locator("#conv-who")).to_have_text("website visitor")
        await page.click("#claim")
        await page.fill("#reply-form textarea", "Hello, how can I help with the bill?")
        await page.click("#send")
        frame = await visitor.wait_for(lambda f: f.get("type") == "staff.message")
        assert frame["staff_name"] == "Dana from Riverside Family Clinic"
        await expect(page.locator("#transcript .turn-staff .who")).to_contain_text("Staff · Dana")
    await _done(page)


@browser_test
async def test_admin_turns_on_two_factor_then_logs_in_with_a_code(
    server: LiveServer, browser: Browser
) -> None:
    page = await _page(browser)
    await _login(page, server, ADMIN)
    # Required for admins: nothing but the account page until it is on.
    await expect(page).to_have_url(f"{server.url}/console/account")
    await expect(page.locator("#two-factor-required")).to_be_visible()
    await page.click("header nav >> text=Staff")
    await expect(page).to_have_url(f"{server.url}/console/account")
    await expect(page.locator("#two-factor-required")).to_be_visible()
    await page.click("#start-two-factor")
    secret = (await page.locator("#totp-secret").inner_text()).strip()
    await expect(page.locator("#totp-uri")).to_contain_text("otpauth://totp/")
    uri = (await page.locator("#totp-uri").inner_text()).strip()
    assert f"secret={secret}&" in uri or uri.endswith(f"secret={secret}")  # the key shown is the QR's
    qr = page.locator("#totp-qr svg")
    await expect(qr).to_be_visible()  # drawn inline on the server: the page has no script for it
    assert (await qr.bounding_box() or {}).get("width", 0) >= 100  # big enough for a phone camera
    # What it draws is that URI: the same modules as segno's own code for it (no decoder here).
    drawn = re.findall(r' d="([^"]+)"', await qr.evaluate("e => e.outerHTML"))
    expected = re.findall(r' d="([^"]+)"', segno.make(uri, error="m").svg_inline(scale=4))
    assert expected and expected[-1] in drawn
    await page.fill(
        "#confirm-form input[name=code]", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    )
    await page.click("#confirm-form button")
    await expect(page.locator("main > .alert.error")).to_contain_text("not right")
    await page.fill("#confirm-form input[name=code]", pyotp.TOTP(secret).now())
    await page.click("#confirm-form button")
    codes = await page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    await page.goto(f"{server.url}/console/staff")  # now allowed
    await expect(page.locator("#accounts")).to_contain_text(MARIA)
    await page.click("#logout")

    # Password, then the code: a wrong one is refused; a recovery code works once.
    await _login(page, server, ADMIN)
    await expect(page).to_have_url(re.compile(r"/console/login/code"))
    await page.fill("input[name=code]", "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    await page.click("button[type=submit]")
    await expect(page.locator(".alert.error")).to_have_text("Wrong code.")
    await page.fill("input[name=code]", codes[0])
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{server.url}/console")
    await page.click("#logout")
    await _login(page, server, ADMIN)
    await page.fill("input[name=code]", codes[0])
    await page.click("button[type=submit]")
    await expect(page.locator(".alert.error")).to_have_text("Wrong code.")
    await _done(page)


@browser_test
async def test_phone_sized_pages_do_not_scroll_sideways(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    page = await _page(browser, width=390)
    await _login(page, server, MARIA)
    async with Visitor(server.ws_url) as visitor:
        await _handed_over(visitor, "Which doctors do you have?")
        for path in (
            "/console",
            "/console/queue",
            f"/console/conversations/{visitor.conversation_id}",
            "/console/account",
        ):
            await page.goto(f"{server.url}{path}")
            await expect(page.locator("#logout")).to_be_visible()
            await expect(page.locator("#logout")).to_be_in_viewport()
            widths = await page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            name = path.strip("/").replace("/", "-")
            await page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
            assert widths[0] <= widths[1] == 390, (path, widths)
    await _done(page)


# --- over HTTP ---------------------------------------------------------------------------------


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _password_step(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": _token(form.text), "next": "/console"},
    )


def _code_step(client: httpx.Client, code: str) -> httpx.Response:
    form = client.get("/console/login/code")
    assert form.status_code == 200, form.text
    return client.post("/console/login/code", data={"code": code, "csrf_token": _token(form.text)})


def _logged_in(server: LiveServer, email: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """A client with a session (no two-factor on the account) and the session's CSRF token."""
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    assert _password_step(client, email, password).status_code == 303
    return client, _token(client.get("/console/account").text)


def _enrol(client: httpx.Client, csrf: str) -> str:
    """Turn two-factor on for the logged-in account; returns its secret."""
    started = client.post("/console/account/two-factor/start", data={"csrf_token": csrf})
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
    assert secret, started.text
    confirmed = client.post(
        "/console/account/two-factor/confirm",
        data={"csrf_token": csrf, "code": pyotp.TOTP(secret.group(1)).now()},
    )
    assert confirmed.status_code == 200 and confirmed.text.count("<li><code>") == 10, confirmed.text
    return secret.group(1)


async def _system_actions(server: LiveServer) -> list[dict[str, object]]:
    db = Database(server.settings.database_url)
    try:
        return [e.payload for e in await AuditLog(db).events(SYSTEM_CHAIN)]
    finally:
        await db.close()


def test_own_name_and_password_changes(server: LiveServer) -> None:
    other, _ = _logged_in(server, LEE)  # a second session of the account
    client, csrf = _logged_in(server, LEE)
    post = client.post

    refused = post("/console/account/name", data={"csrf_token": csrf, "name": "x" * 81})
    assert refused.status_code == 400 and "display name too long" in refused.text
    refused = post("/console/account/name", data={"csrf_token": csrf, "name": "Lee\x07"})
    assert refused.status_code == 400 and "cannot be shown" in refused.text
    assert (
        post("/console/account/name", data={"csrf_token": csrf, "name": "  Lee   Lane "}).status_code == 303
    )
    assert '<a href="/console/account" class="me' in client.get("/console").text
    assert ">Lee Lane</a>" in client.get("/console").text

    def change(current: str, new: str, repeat: str) -> httpx.Response:
        return post(
            "/console/account/password",
            data={"csrf_token": csrf, "current": current, "new": new, "repeat": repeat},
        )

    new = "a new long passphrase"
    for (current, pw, repeat), why in (
        (("wrong password!", new, new), "current password is not right"),
        ((PASSWORD, new, new + "x"), "differ"),
        ((PASSWORD, "short", "short"), "too short"),
    ):
        refused = change(current, pw, repeat)
        assert refused.status_code == 400 and why in refused.text, refused.text
    changed = change(PASSWORD, new, new)
    assert changed.status_code == 200 and "Password changed" in changed.text
    assert client.get("/console").status_code == 200  # this session goes on
    assert other.get("/console").status_code == 303  # the other one has ended
    fresh = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    assert (_password_step(fresh, LEE)).status_code == 401
    assert (_password_step(fresh, LEE, new)).status_code == 303
    actions = asyncio.run(_system_actions(server))
    assert {"action": "password_changed", "staff": LEE, "role": "staff", "account": LEE} in actions
    assert {"reason": "password_change_bad_current", "staff": LEE} in actions
    for c in (client, other, fresh):
        c.close()


def test_admin_sets_names_and_resets_passwords(server: LiveServer) -> None:
    olive, _ = _logged_in(server, OLIVE)
    admin, csrf = _logged_in(server, ROOT)
    # Two-factor is required for admins here: only the account page until it is on.
    assert admin.get("/console/staff").headers["location"] == "/console/account"
    assert admin.get("/console/queue/count", headers={"HX-Request": "true"}).status_code == 403
    _enrol(admin, csrf)
    assert admin.get("/console/staff").status_code == 200

    named = admin.post("/console/staff/name", data={"csrf_token": csrf, "email": OLIVE, "name": "Olive"})
    assert named.status_code == 303
    assert 'value="Olive"' in admin.get("/console/staff").text
    refused = admin.post("/console/staff/name", data={"csrf_token": csrf, "email": "nobody@clinic.example"})
    assert refused.status_code == 400 and "no account for nobody@clinic.example" in refused.text

    def reset(email: str, password: str) -> httpx.Response:
        return admin.post(
            "/console/staff/password", data={"csrf_token": csrf, "email": email, "password": password}
        )

    for (email, password), why in (
        ((ROOT, "another long one"), "change your own password on your account page"),
        ((OLIVE, "short"), "too short"),
        (("nobody@clinic.example", "another long one"), "no account for"),
    ):
        refused = reset(email, password)
        assert refused.status_code == 400 and why in refused.text, refused.text
    done = reset(OLIVE, "olive's new passphrase")
    assert done.status_code == 200 and "their sessions ended" in done.text
    assert olive.get("/console").status_code == 303
    assert (_logged_in(server, OLIVE, "olive's new passphrase"))[0].get("/console").status_code == 200
    # Staff may not use the admin's forms.
    olive_client, olive_csrf = _logged_in(server, OLIVE, "olive's new passphrase")
    forbidden = olive_client.post(
        "/console/staff/password", data={"csrf_token": olive_csrf, "email": LEE, "password": "x" * 12}
    )
    assert forbidden.status_code == 403
    actions = asyncio.run(_system_actions(server))
    assert {"action": "password_reset", "staff": ROOT, "role": "admin", "account": OLIVE} in actions
    assert {
        "action": "display_name_set",
        "staff": ROOT,
        "role": "admin",
        "account": OLIVE,
        "name": "Olive",
    } in actions
    assert {"action": "two_factor_on", "staff": ROOT, "role": "admin", "account": ROOT} in actions
    for c in (admin, olive, olive_client):
        c.close()


def test_code_step_refusals_and_lockout(server: LiveServer) -> None:
    client, csrf = _logged_in(server, TOM)
    secret = _enrol(client, csrf)
    wrong = client.post(
        "/console/account/two-factor/off", data={"csrf_token": csrf, "password": "not it at all"}
    )
    assert wrong.status_code == 400 and "password is not right" in wrong.text
    client.close()

    fresh = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    # No password step behind it: back to the login page.
    assert fresh.get("/console/login/code").headers["location"].startswith("/console/login?")
    step = _password_step(fresh, TOM)
    assert step.status_code == 303 and step.headers["location"].startswith("/console/login/code")
    assert fresh.get("/console").status_code == 303  # no session yet
    empty = _code_step(fresh, " ")
    assert empty.status_code == 400 and "Enter the code." in empty.text
    for _ in range(5):  # the same budget as wrong passwords
        refused = _code_step(fresh, "12345x")
        assert refused.status_code == 401 and "Wrong code." in refused.text
    # Locked now: the right code and the right password are refused alike.
    locked = _code_step(fresh, pyotp.TOTP(secret).now())
    assert locked.status_code == 401 and "Wrong code." in locked.text
    assert (_password_step(fresh, TOM)).status_code == 401
    reasons = [a.get("reason") for a in asyncio.run(_system_actions(server)) if a.get("email") == TOM]
    assert reasons.count("login_bad_code") == 5 and "login_locked" in reasons
    fresh.close()


def test_secret_stored_encrypted_and_a_changed_key_refused_clearly(server: LiveServer) -> None:
    client, csrf = _logged_in(server, KAY)
    secret = _enrol(client, csrf)
    client.close()

    async def stored() -> tuple[str, int]:
        db = Database(server.settings.database_url)
        try:
            async with db.session() as s:
                row = (await s.execute(select(StaffUserRow).where(StaffUserRow.email == KAY))).scalar_one()
                return row.totp_secret or "", row.failed_logins
        finally:
            await db.close()

    async def store(value: str) -> None:
        db = Database(server.settings.database_url)
        try:
            async with db.session() as s, s.begin():
                await s.execute(
                    update(StaffUserRow).where(StaffUserRow.email == KAY).values(totp_secret=value)
                )
        finally:
            await db.close()

    sealed, _ = asyncio.run(stored())
    assert secret not in sealed and SecretBox([SECRETS_KEY]).open(sealed).secret == secret
    # As if the server's key had been replaced without keeping the old one after it.
    asyncio.run(store(SecretBox([new_key()]).seal(secret)))
    fresh = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    assert _password_step(fresh, KAY).status_code == 303
    refused = _code_step(fresh, pyotp.TOTP(secret).now())
    assert refused.status_code == 503 and "the server&#39;s key" in refused.text, refused.text
    assert asyncio.run(stored())[1] == 0  # not counted against her
    reasons = [a.get("reason") for a in asyncio.run(_system_actions(server)) if a.get("email") == KAY]
    assert "login_secrets_key" in reasons
    # The key back (and in clear, as stored before encryption): the code works and it is sealed again.
    asyncio.run(store(secret))
    # The next time step's code (one step of drift is allowed): the current one confirmed set-up.
    assert _code_step(fresh, pyotp.TOTP(secret).at(time.time() + 30)).status_code == 303
    assert fresh.get("/console").status_code == 200
    resealed, _ = asyncio.run(stored())
    assert resealed.startswith("fernet:") and SecretBox([SECRETS_KEY]).open(resealed).secret == secret
    fresh.close()
