"""The widget in headless Chromium when nobody takes a handoff: the header says what wait to expect
(not "Waiting for a person to join…" for ever), and once the claim timeout has passed the assistant
offers to take a message and the header shows the assistant again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import make_settings, running_server

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian chromium not installed"),
]


def test_the_widget_shows_an_honest_wait_then_offers_a_message(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    settings = make_settings(tmp_path, handoff_claim_timeout_s=2.0, business_hours="Mon-Sun 00:00-24:00")
    with running_server(settings) as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto(server.url + "/")
        page.get_by_role("button", name="Open chat").click()
        widget = page.locator("frontdesk-chat")
        log = widget.get_by_role("log")
        expect(log.locator(".msg.bot .text").first).to_contain_text("Riverside Family Clinic", timeout=15_000)
        box = widget.get_by_label("Your message")
        box.fill("Can I talk to a real person?")
        box.press("Enter")

        status = widget.locator("header .status")
        expect(widget).to_have_attribute("data-status", "waiting", timeout=15_000)
        expect(status).to_have_text("A person usually answers within 1 minute.")

        offer = log.locator(".msg.bot .text", has_text="nobody from our team is free")
        expect(offer).to_be_visible(timeout=15_000)
        expect(widget).to_have_attribute("data-status", "bot")
        expect(status).to_have_text("Assistant")
        box.fill("yes")
        box.press("Enter")
        expect(log.locator(".msg.bot .text").last).to_have_text("Sure. What is it about?", timeout=15_000)
        browser.close()
