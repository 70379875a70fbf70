"""Messages left on the website chat, over a real gateway: the visitor leaves one with the offline
agent, it is stored and audited, the console's Callbacks page lists it (open first), and staff
mark it done (CSRF, roles, once); in headless Chromium too (the header link, the conversation's
card, the Done button)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect
from sqlalchemy import select

from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import CallbackRow
from tests.gateway.console.conftest import AUDITOR, PASSWORD, STAFF, Console
from tests.gateway.console.visitor import Visitor

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PROMISE = "I'll make sure someone calls you back at 503 555 0112 this afternoon about your quote."


async def _leave_message(visitor: Visitor, name: str = "Dana Ortiz") -> None:
    assert "your name" in (await visitor.say("Can someone call me back about my quote?"))["text"]
    assert "best number" in (await visitor.say(name))["text"]
    assert "best time" in (await visitor.say("503-555-0112"))["text"]
    question = (await visitor.say("this afternoon"))["text"]
    assert (
        question
        == f"So that's {name}, at 503 555 0112, this afternoon, about your quote. Shall I pass that on?"
    )
    assert PROMISE in (await visitor.say("yes"))["text"]


async def _rows(db: Database) -> list[CallbackRow]:
    async with db.session() as s:
        return list((await s.scalars(select(CallbackRow).order_by(CallbackRow.created_at))).all())


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.mark.browser
async def test_a_visitor_leaves_a_message_and_staff_mark_it_done(
    console: Console, db: Database, browser: Browser
) -> None:
    async with Visitor(console.server.ws_url) as visitor:
        await _leave_message(visitor)
    [row] = await _rows(db)
    assert (row.conversation_id, row.channel, row.caller_name, row.phone) == (
        visitor.conversation_id,
        "chat",
        "Dana Ortiz",
        "+15035550112",
    )
    assert (row.reason, row.best_time, row.status) == ("my quote", "this afternoon", "open")
    taken = [e for e in await AuditLog(db).events(row.conversation_id) if e.kind == "callback.taken"]
    assert [e.payload["callback"] for e in taken] == [row.id]

    # Over HTTP: the list, the conversation's card, and the refusals (no CSRF token, an auditor).
    staff, csrf = console.login(STAFF)
    listing = staff.get("/console/callbacks")
    assert listing.status_code == 200
    for shown in ("Dana Ortiz", "+15035550112", "my quote", "this afternoon", 'href="/console/callbacks"'):
        assert shown in listing.text
    card = staff.get(f"/console/conversations/{row.conversation_id}/callbacks")
    assert "Dana Ortiz" in card.text and "Mark done" in card.text
    assert staff.post(f"/console/callbacks/{row.id}/done").status_code == 403  # no CSRF token
    auditor, auditor_csrf = console.login(AUDITOR)
    assert "Dana Ortiz" in auditor.get("/console/callbacks").text  # auditors read
    refused = auditor.post(f"/console/callbacks/{row.id}/done", data={"csrf_token": auditor_csrf})
    assert refused.status_code == 403  # and cannot act
    assert "Mark done" not in auditor.get(f"/console/conversations/{row.conversation_id}/callbacks").text
    assert (await _rows(db))[0].status == "open"

    # In the browser: the header link, the row, the conversation's card, Done.
    page = await (await browser.new_context(viewport={"width": 1360, "height": 900})).new_page()
    page.set_default_timeout(20_000)
    await page.goto(f"{console.url}/console/login")
    await page.fill("input[name=email]", STAFF)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{console.url}/console")
    await page.click("header nav >> text=Callbacks")
    await expect(page).to_have_url(f"{console.url}/console/callbacks")
    open_row = page.locator("#open-callbacks tbody tr[data-callback]")
    await expect(open_row).to_have_count(1)
    for shown in ("Dana Ortiz", "+15035550112", "this afternoon", "chat"):
        await expect(open_row).to_contain_text(shown)
    await open_row.locator("text=Conversation").click()  # the conversation page shows the callback
    card_open = page.locator("#callbacks-of .callback-open")
    await expect(card_open).to_contain_text("Dana Ortiz")
    await expect(card_open).to_contain_text("my quote")
    await card_open.locator("button", has_text="Mark done").click()
    await expect(page).to_have_url(f"{console.url}/console/callbacks")
    await expect(page.locator("#open-callbacks tbody tr[data-callback]")).to_have_count(0)
    done_row = page.locator("#done-callbacks tbody tr[data-callback]")
    await expect(done_row).to_contain_text("Dana Ortiz")
    await expect(done_row).to_contain_text(STAFF)

    [row] = await _rows(db)
    assert (row.status, row.done_by) == ("done", STAFF) and row.done_at is not None
    again = staff.post(f"/console/callbacks/{row.id}/done", data={"csrf_token": csrf})
    assert again.status_code == 409 and "done already" in again.text
    unknown = staff.post("/console/callbacks/nope/done", data={"csrf_token": csrf})
    assert unknown.status_code == 409
    events = await AuditLog(db).events(row.conversation_id)
    assert [e.payload["staff"] for e in events if e.kind == "callback.done"] == [STAFF]
    assert (await AuditLog(db).verify(row.conversation_id)).ok
