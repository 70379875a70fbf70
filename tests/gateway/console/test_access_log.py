"""Every console read of patient data is on the access log, over a real server: the transcript
partial on the conversation's chain; the list (with its search terms) and the queue on the system
chain with the conversations shown. Polls that bring nothing new are not logged."""

from __future__ import annotations

import re

from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from tests.gateway.console.conftest import AUDITOR, STAFF, Console, converse


async def _views(db: Database, chain: str) -> list[dict]:  # type: ignore[type-arg]
    return [e.payload for e in await AuditLog(db).events(chain) if e.kind == "staff.view"]


def _poll_url(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*?hx-get="([^"]+)"', page, re.S)
    assert found, page
    return found.group(1).replace("&amp;", "&")


async def test_transcript_partial_is_a_logged_view(
    console: Console, settings: Settings, db: Database
) -> None:
    cid = await converse(
        settings, "chat", ["Is the parking free at the clinic"], handoff=("no answer", "Asks about parking.")
    )
    client, _ = console.login(AUDITOR)
    direct = client.get(f"/console/conversations/{cid}/transcript")
    assert direct.status_code == 200 and "Is the parking free at the clinic" in direct.text
    assert [(v["staff"], v["what"]) for v in await _views(db, cid)] == [(AUDITOR, "transcript")]
    # The poll of an open page with nothing new gets 204: nothing read, nothing logged.
    unchanged = client.get(_poll_url(direct.text, "transcript"))
    assert unchanged.status_code == 204
    assert len(await _views(db, cid)) == 1
    # A stale version returns the transcript again: another read, another event.
    stale = client.get(f"/console/conversations/{cid}/transcript?v=0.0.0.active")
    assert stale.status_code == 200
    assert len(await _views(db, cid)) == 2
    assert client.get("/console/conversations/nope/transcript").status_code == 404


async def test_list_and_search_are_logged_with_their_terms(
    console: Console, settings: Settings, db: Database
) -> None:
    parking = await converse(settings, "chat", ["Is the parking free at the clinic"])
    voice = await converse(settings, "voice", ["Do you have anything Tuesday"], caller_phone="+15550100111")
    client, _ = console.login(STAFF)  # lands on the list: the first view
    assert client.get("/console?q=parking&channel=chat").status_code == 200
    assert client.get("/console?date_from=31/12/2026").status_code == 400  # shows the whole list
    views = await _views(db, "system")
    assert [v["what"] for v in views] == ["list", "list", "list"]
    everything, search, bad = views
    assert search["staff"] == STAFF and search["role"] == "staff"
    assert search["filter"]["q"] == "parking" and search["filter"]["channel"] == "chat"
    assert search["conversations"] == [parking]
    assert "q" not in everything["filter"] and set(everything["conversations"]) == {parking, voice}
    assert set(bad["conversations"]) == {parking, voice}
    # Nothing of the list goes on the conversations' own chains (they record opening one).
    assert await _views(db, parking) == []


async def test_queue_views_are_logged_and_unchanged_polls_are_not(
    console: Console, settings: Settings, db: Database
) -> None:
    cid = await converse(
        settings,
        "voice",
        ["I need to move my appointment"],
        caller_phone="+15550100199",
        handoff=("caller asked for a person", "Wants to move an appointment."),
    )
    client, csrf = console.login(STAFF)
    page = client.get("/console/queue")
    assert page.status_code == 200 and "+15550100199" in page.text
    poll = _poll_url(page.text, "queue")
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    views = await _views(db, "system")  # the list the login landed on, then the queue
    assert [(v["what"], v["conversations"]) for v in views] == [("list", [cid]), ("queue", [cid])]
    # A change (the handoff is claimed) makes the next poll return rows: logged again.
    assert client.post(f"/console/conversations/{cid}/claim", data={"csrf_token": csrf}).status_code == 303
    changed = client.get(poll, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and STAFF in changed.text
    assert _poll_url(changed.text, "queue") != poll
    assert [v["what"] for v in await _views(db, "system")] == ["list", "queue", "queue"]
