"""The alert for a patient record under attack, in headless Chromium against a real server: wrong
dates of birth for one patient over two chats lock the record, and a staff member's console shows
the alert on its next page, leading to the last conversation of the attack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright, expect

from gateway.settings import Settings
from tests.conftest import make_settings
from tests.gateway.console.conftest import PASSWORD, STAFF, Console
from tests.gateway.console.visitor import Visitor

pytestmark = [pytest.mark.browser]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, identity_lockout_after=2, identity_backoff_after=10)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def test_staff_see_a_record_under_attack(console: Console, browser: Browser, tmp_path: Path) -> None:
    page = await (await browser.new_context(viewport={"width": 1360, "height": 900})).new_page()
    page.set_default_timeout(20_000)
    await page.goto(f"{console.url}/console/login")
    await page.fill("input[name=email]", STAFF)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{console.url}/console")
    await expect(page.locator("#identity-alerts")).to_be_attached()
    await expect(page.locator(".identity-alert")).to_have_count(0)  # nothing under attack yet

    for dob in ("January 1 1990", "February 2 1990"):
        async with Visitor(console.server.ws_url) as visitor:
            await visitor.say("What are my upcoming appointments?")
            await visitor.say(f"Emily Davis, born {dob}")
            last = visitor.conversation_id

    await page.click("text=Handoff queue")
    alert = page.locator(".identity-alert")
    await expect(alert).to_contain_text("Identity checks under attack")
    await expect(alert).to_contain_text("1 patient record had repeated failed identity checks")
    record = alert.locator("tr.kind-patient")
    await expect(record).to_contain_text("locked")
    await page.screenshot(path=str(tmp_path / "identity-alert.png"), full_page=True)
    await record.locator("a").click()
    await expect(page).to_have_url(f"{console.url}/console/conversations/{last}")
    await expect(page.locator("#transcript")).to_contain_text("Emily Davis, born February 2 1990")
