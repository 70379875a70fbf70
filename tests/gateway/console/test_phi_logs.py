"""No patient data in the text logs (docs/security.md).

Logging is configured exactly as `frontdesk serve` configures it (JSON, here at DEBUG, the most
verbose level an operator can choose), with the one handler writing into a buffer instead of
stderr. Then, over real served gateways: a verified chat conversation that books with the demo
practice, one that books through the FHIR connector against the local FHIR server (its patient
search is `Patient?family=...&birthdate=...`), and console searches for the patients' names, dates
of birth and phone numbers. The whole captured output must not contain any of them.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

from tests.conftest import LiveServer, make_settings, prepare_database
from tests.connectors.conftest import TZ_NAME
from tests.connectors.fhir.conftest import STATIC_TOKEN, Clinic, FhirServer, clinic, fhir_server  # noqa: F401
from tests.gateway.chat.conftest import Chat
from tests.gateway.console.conftest import STAFF, Console
from tests.logs import captured_logs  # noqa: F401

# What must never reach the logs, per patient: names, date of birth in the ways people and systems
# write it, phone number in the ways it is stored and typed.
SARAH = [
    "Sarah",
    "Johnson",
    "1985-03-14",
    "03/14/1985",
    "3/14/1985",
    "14.03.1985",
    "19850314",
    "March 14",
    "Mar 14",
    "+15035550101",
    "5035550101",
    "503-555-0101",
    "503 555 0101",
    "555-0101",
    "5550101",
]
THOMAS = [
    "Thomas",
    "O'Brien",
    "O%27Brien",
    "O\\u0027Brien",
    "Brien",
    "1972-11-05",
    "11/05/1972",
    "11/5/1972",
    "05.11.1972",
    "19721105",
    "November 5",
    "Nov 5",
    "+14155550177",
    "4155550177",
    "415-555-0177",
    "555-0177",
    "5550177",
]


async def _chat(server: LiveServer, script: list[str]) -> list[str]:
    chat = await Chat.open(server)
    try:
        await chat.hello()
        await chat.greeting()
        return [(await chat.say(text, f"m{n}"))[-1]["text"] for n, text in enumerate(script)]
    finally:
        await chat.close()


def _leaks(text: str, needles: list[str]) -> dict[str, list[str]]:
    """Each needle found (case-insensitive), with the log lines it is in."""
    found: dict[str, list[str]] = {}
    for needle in needles:
        lines = [line for line in text.splitlines() if needle.lower() in line.lower()]
        if lines:
            found[needle] = lines[:3]
    return found


async def test_no_patient_data_in_logs(
    captured_logs: io.StringIO,  # noqa: F811
    console: Console,
    fhir_server: FhirServer,  # noqa: F811
    clinic: Clinic,  # noqa: F811
    tmp_path: Path,
) -> None:
    # 1. Demo practice, over the chat WebSocket: identity verified, appointment booked.
    demo = await _chat(
        console.server,
        [
            "Hi, I need to make an appointment",
            "Sarah Johnson, born March 14 1985",
            "with Dr. Chen next Wednesday afternoon",
            "the first one",
            "yes",
            "thanks, my number is 503-555-0101 if you need it",
        ],
    )
    assert "booked" in demo[4].lower(), demo

    # 2. The FHIR connector (a second gateway, same logging): the agent searches Patient by name and
    # birth date on the FHIR server, books, and reads the booking back.
    fhir_settings = make_settings(
        tmp_path / "fhir",
        connector="fhir",
        fhir_base_url=fhir_server.base_url,
        fhir_token=STATIC_TOKEN,
        timezone=TZ_NAME,
    )
    await prepare_database(fhir_settings)
    fhir_gateway = LiveServer(fhir_settings)
    await asyncio.to_thread(fhir_gateway.start)
    try:
        day = clinic.days[0]
        replies = await _chat(
            fhir_gateway,
            [
                f"I'd like an appointment with Dr. Okafor on {day:%B} {day.day} at 10 am",
                "Thomas O'Brien, born November 5th 1972",
                "yes please",
                "my phone is 415-555-0177",
            ],
        )
    finally:
        await asyncio.to_thread(fhir_gateway.stop)
    assert "booked" in replies[2].lower(), replies

    # 3. Console searches for both patients, and the conversation list paged with a search.
    client, _ = console.login(STAFF)
    for q in ("Sarah Johnson 1985-03-14", "+15035550101", "Thomas O'Brien 11/05/1972", "415-555-0177"):
        page = client.get("/console", params={"q": q})
        assert page.status_code == 200, page.text
    found = client.get("/console", params={"q": "Johnson"}).text  # the search finds her chat
    assert re.search(r'href="/console/conversations/[0-9a-f]+"', found), found
    # Not logged in: redirected to the login page with the search in `next`.
    assert console.client().get("/console", params={"q": "Sarah Johnson"}).status_code == 303

    text = captured_logs.getvalue()
    # The capture is real: uvicorn's access log went through it, with the query string removed.
    assert "GET /console?[redacted] HTTP/1.1" in text, text[-3000:]
    assert "WebSocket /chat/ws" in text
    assert _leaks(text, SARAH) == {}
    assert _leaks(text, THOMAS) == {}
