"""The console in headless Chromium against a real server, with visitors on the real chat WebSocket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.gateway.console.conftest import AUDITOR, PASSWORD, STAFF, Console
from tests.gateway.console.visitor import Visitor

pytestmark = [pytest.mark.browser]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# What visitors say: something that makes the agent use a tool, then a request for a person.
ASK_SLOTS = "Which doctors do you have?"
ASK_PERSON = "Can I please talk to a real person?"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def _login(
    browser: Browser, console: Console, email: str, csp_violations: list[str] | None = None
) -> Page:
    """A logged-in page; `csp_violations` collects what the console's Content-Security-Policy blocked."""
    page = await (await browser.new_context(viewport={"width": 1360, "height": 900})).new_page()
    page.set_default_timeout(20_000)
    if csp_violations is not None:
        page.on(
            "console",
            lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
    await page.goto(f"{console.url}/console")
    await expect(page).to_have_url(f"{console.url}/console/login?next=%2Fconsole")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{console.url}/console")
    await expect(page.locator("header .who")).to_contain_text(email)
    return page


async def _waiting_visitor(visitor: Visitor) -> None:
    await visitor.say(ASK_SLOTS)
    await visitor.send(ASK_PERSON)
    await visitor.wait_for(lambda f: f.get("type") == "status" and f.get("status") == "waiting")


async def test_staff_takes_over_a_chat(console: Console, browser: Browser, tmp_path: Path) -> None:
    async with Visitor(console.server.ws_url) as visitor:
        await _waiting_visitor(visitor)
        csp_violations: list[str] = []
        page = await _login(browser, console, STAFF, csp_violations)

        # The list shows the conversation; its page shows the transcript and the agent's tool calls.
        row_link = page.locator(f'a[href="/console/conversations/{visitor.conversation_id}"]')
        await expect(row_link).to_have_count(1)
        await page.screenshot(path=str(tmp_path / "list.png"), full_page=True)
        await row_link.click()
        transcript = page.locator("#transcript")
        await expect(transcript).to_contain_text(ASK_SLOTS)
        await expect(page.locator("#chain-status")).to_contain_text("verified")
        steps = transcript.locator("details.steps").first
        await steps.locator("summary").click()
        tool_step = transcript.locator('li.step[data-kind="agent.tool_call"]').first
        await expect(tool_step).to_be_visible()
        await expect(tool_step.locator(".kv .k").first).to_have_text("arguments")
        await page.screenshot(path=str(tmp_path / "conversation.png"), full_page=True)

        # The queue updates without a reload when another visitor asks for a person.
        await page.click("text=Handoff queue")
        waiting = page.locator("#waiting tbody tr[data-conversation]")
        await expect(waiting).to_have_count(1)
        async with Visitor(console.server.ws_url) as second:
            await _waiting_visitor(second)
            await expect(waiting).to_have_count(2)
            # Oldest first.
            await expect(waiting.first).to_have_attribute("data-conversation", visitor.conversation_id)
            await page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

        # Claim the first; reply live; the visitor's socket receives it.
        await waiting.first.locator("button", has_text="Claim").click()
        await expect(page).to_have_url(f"{console.url}/console/conversations/{visitor.conversation_id}")
        await expect(page.locator("#conv-status")).to_have_text("with staff")
        await page.fill("#reply-form textarea", "Hello, this is Sam from the front desk. How can I help?")
        await page.click("#send")
        frame = await visitor.wait_for(lambda f: f.get("type") == "staff.message")
        assert frame["text"] == "Hello, this is Sam from the front desk. How can I help?"

        # The visitor answers; the open page shows it without a reload.
        await visitor.send("I need to change my address on file")
        await expect(page.locator("#transcript .turn-caller").last).to_contain_text(
            "I need to change my address on file"
        )
        await expect(page.locator("#transcript .turn-staff")).to_contain_text("Sam from the front desk")

        await page.fill("textarea[name=note]", "Address change sent to records.")
        await page.click("#close")
        await expect(page.locator("#conv-status")).to_have_text("closed")
        await visitor.wait_for(lambda f: f.get("type") == "status" and f.get("status") == "closed")
        # The security headers' policy let every page, poll and form of this walk through work.
        assert csp_violations == []


async def test_auditor_cannot_claim(console: Console, browser: Browser) -> None:
    async with Visitor(console.server.ws_url) as visitor:
        await _waiting_visitor(visitor)
        page = await _login(browser, console, AUDITOR)
        await page.click("text=Handoff queue")
        row = page.locator(f'#waiting tr[data-conversation="{visitor.conversation_id}"]')
        await expect(row).to_contain_text("Open")
        await expect(row.locator("button", has_text="Claim")).to_have_count(0)
        await row.locator("a", has_text="Open").click()
        await expect(page.locator("#transcript")).to_contain_text(ASK_PERSON)
        await expect(page.locator("#claim")).to_have_count(0)
        await expect(page.locator("#export-link")).to_be_visible()
        # Even a hand-made request is refused by the server.
        status = await page.evaluate(
            """async (id) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token});
                const r = await fetch(`/console/conversations/${id}/claim`, {method: 'POST', body});
                return r.status;
            }""",
            visitor.conversation_id,
        )
        assert status == 403
