"""The widget in headless Chromium: the demo page at `/` embeds it, a visitor opens it, sends a
message with the keyboard and sees the bot's streamed answer; a reload resumes the transcript."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None, reason="Debian chromium not installed (make system-deps)"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def test_demo_page_widget_sends_a_message_and_shows_the_answer(chat_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 800})  # a phone-sized screen
    page.goto(chat_server.url + "/")
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_be_visible()
    launcher.click()
    widget = page.locator("frontdesk-chat")
    log = widget.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    bot = log.locator(".msg.bot .text")
    expect(bot.first).to_contain_text("Riverside Family Clinic", timeout=15_000)

    box = widget.get_by_label("Your message")
    expect(box).to_be_focused()
    box.fill("Which doctors do you have?")
    box.press("Enter")
    expect(log.locator(".msg.visitor:not(.pending) .text")).to_have_text(
        ["Which doctors do you have?"], timeout=15_000
    )
    expect(bot.nth(1)).to_contain_text("Dr. Priya Patel", timeout=15_000)
    expect(widget).to_have_attribute("data-status", "bot")

    # The panel fills a phone screen.
    panel = widget.locator(".panel")
    assert panel.bounding_box()["width"] == pytest.approx(390, abs=1)

    # A reload resumes the same conversation from sessionStorage and rebuilds the transcript.
    page.reload()
    page.get_by_role("button", name="Open chat").click()
    expect(log.locator(".msg.bot .text")).to_have_count(2, timeout=15_000)
    expect(log.locator(".msg.visitor .text")).to_have_text(["Which doctors do you have?"])

    # Escape closes the panel and gives focus back to the launcher.
    widget.get_by_label("Your message").press("Escape")
    expect(panel).to_be_hidden()
    expect(page.get_by_role("button", name="Open chat")).to_be_focused()
    page.close()


def test_the_embedding_page_sets_the_title_and_the_colours(chat_server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    """docs/chat-protocol.md "Embedding the widget": `title` names the panel, and the page's own
    CSS sets the widget's custom properties through its shadow root."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(chat_server.url + "/")  # the demo page: <frontdesk-chat title="Riverside Family Clinic">
    page.add_style_tag(
        content="frontdesk-chat { --fd-accent: rgb(10, 120, 60); --fd-bg: rgb(250, 240, 230); }"
    )
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_have_css("background-color", "rgb(10, 120, 60)")
    launcher.click()
    widget = page.locator("frontdesk-chat")
    expect(widget.get_by_role("dialog", name="Riverside Family Clinic")).to_be_visible()
    expect(widget.locator("#fd-title")).to_contain_text("Riverside Family Clinic")
    expect(widget.locator(".panel")).to_have_css("background-color", "rgb(250, 240, 230)")
    page.close()


def test_widget_script_is_served_self_contained(chat_server: LiveServer) -> None:
    import httpx

    resp = httpx.get(chat_server.url + "/widget.js")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/javascript")
    assert 'customElements.define("frontdesk-chat"' in resp.text
    code = "\n".join(
        line for line in resp.text.splitlines() if not line.lstrip().startswith(("/*", "*", "//"))
    )
    assert "https://" not in code and "cdn" not in code.lower()  # fetches nothing else
    assert "import " not in resp.text  # no modules to fetch: one file
