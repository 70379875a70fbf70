"""After-call work end to end: a live gateway booking in the demo practice with HubSpot as its CRM
(FRONTDESK_AFTER_CALL_CRM=hubspot, the local HubSpot server), visitors chatting over the real
WebSocket: a booked chat leaves a note on the caller's contact, a chat handed to staff and left a
ticket, and a CRM that answers 503 gets the note later, written once."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, make_settings, running_server
from tests.fakes.hubspot_server import FakeHubSpot, RunningFake
from tests.gateway.after_call.conftest import (
    STAFF,
    VERIFY,
    add_staff,
    booked_chat,
    chat,
    crm_task_of_message,
    events,
    jobs,
    message_from_unknown_visitor,
    put_back,
    settled,
)
from tests.gateway.console.conftest import log_in

CHARLOTTE = {"firstname": "Charlotte", "lastname": "Clark", "phone": "(503) 555-0117"}


@pytest.fixture(scope="module")
def hubspot() -> Iterator[RunningFake]:
    fake = FakeHubSpot()
    fake.add("contacts", CHARLOTTE)
    with RunningFake(fake) as running:
        yield running


@pytest.fixture(scope="module")
def gateway(hubspot: RunningFake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("after-call"),
        after_call_crm="hubspot",
        hubspot_access_token=hubspot.fake.token,
        hubspot_base_url=hubspot.url,
        after_call_poll_s=0.2,
        after_call_retry_base_s=0.3,
        chat_abandoned_after_s=1.0,  # the handed-over visitor who leaves is closed quickly
    )
    with running_server(settings) as server:
        yield server


def written(hubspot: RunningFake, object_type: str, conversation_id: str, kind: str) -> list[dict[str, Any]]:
    key = f"after-call:{conversation_id}:{kind}"
    return [
        o
        for o in hubspot.fake.created(object_type)
        if o["properties"].get("frontdesk_idempotency_key") == key
    ]


def charlotte_id(hubspot: RunningFake) -> str:
    return next(
        c["id"] for c in hubspot.fake.created("contacts") if c["properties"].get("firstname") == "Charlotte"
    )


async def test_a_booked_chat_leaves_a_note_on_the_callers_contact(
    gateway: LiveServer, hubspot: RunningFake
) -> None:
    cid, rows = await booked_chat(gateway)
    assert rows["case"].last_error == "nothing was left unfinished"
    notes = written(hubspot, "notes", cid, "note")
    assert len(notes) == 1 and rows["note"].result_id == notes[0]["id"]
    body = notes[0]["properties"]["hs_note_body"]
    assert "Caller: Charlotte Clark, identity verified." in body
    assert "Done: booked an appointment with Dr. Marcus Chen on" in body
    assert notes[0]["associations"][0]["to"]["id"] == charlotte_id(hubspot)
    assert written(hubspot, "tickets", cid, "case") == []
    done = [e.payload for e in await events(gateway, cid) if e.kind == "after_call.done"]
    assert [(p["kind"], p["result_id"], p["summary_source"]) for p in done] == [
        ("note", notes[0]["id"], "deterministic")
    ]


async def test_a_chat_handed_to_staff_and_left_opens_a_ticket(
    gateway: LiveServer, hubspot: RunningFake
) -> None:
    cid = await chat(
        gateway, "I need to cancel an appointment", VERIFY, "I'd like to speak to a person please"
    )
    rows = await settled(gateway, cid)  # the visitor left: the abandoned-chat sweep closes it
    assert (rows["case"].status, rows["note"].status) == ("done", "done"), rows["note"].last_error
    tickets = written(hubspot, "tickets", cid, "case")
    assert len(tickets) == 1
    props = tickets[0]["properties"]
    assert props["subject"].startswith("Unfinished request from Charlotte Clark: handed over")
    assert "Left open:" in props["content"] and "Handed over to staff" in props["content"]
    assert tickets[0]["associations"][0]["to"]["id"] == charlotte_id(hubspot)


async def test_crm_down_the_work_is_retried_later_and_written_once(
    gateway: LiveServer, hubspot: RunningFake
) -> None:
    # Every request of the first attempt fails (the connector's own three tries of its first call).
    hubspot.fake.fail_next(503, times=3)
    cid = await chat(gateway, "when is my next appointment?", VERIFY, "thanks, goodbye")
    rows = await settled(gateway, cid)
    assert rows["note"].status == "done" and rows["note"].attempts == 2
    assert rows["note"].last_error is None
    retries = [e.payload for e in await events(gateway, cid) if e.kind == "after_call.retry"]
    assert retries and retries[0]["kind"] == "note" and "unavailable" in retries[0]["error"]
    assert len(written(hubspot, "notes", cid, "note")) == 1
    # A resumed job (the row put back to pending, as after a crash past the write) writes nothing new.
    await put_back(gateway, rows["note"].id)
    again = await settled(gateway, cid)
    assert again["note"].status == "done" and again["note"].result_id == rows["note"].result_id
    assert len(written(hubspot, "notes", cid, "note")) == 1
    assert json.loads(json.dumps(retries[0]))["retry_in_s"] == 0.3


async def test_a_message_from_an_unknown_visitor_becomes_a_lead_and_a_task(
    gateway: LiveServer, hubspot: RunningFake
) -> None:
    cid, rows = await message_from_unknown_visitor(gateway)
    (lead,) = written(hubspot, "contacts", cid, "lead")
    assert (lead["properties"]["firstname"], lead["properties"]["lastname"]) == ("Dana", "Ortiz")
    assert lead["properties"]["phone"] == "+15035550112"
    (task,) = [t for t in hubspot.fake.created("tasks") if t["id"] == rows["task"].result_id]
    assert task["properties"]["hs_task_subject"] == "Call back Dana Ortiz on +15035550112"
    assert task["properties"]["hs_task_body"] == "my quote\nBest time to call: this afternoon"
    assert task["associations"][0]["to"]["id"] == lead["id"]
    (note,) = written(hubspot, "notes", cid, "note")
    assert note["associations"][0]["to"]["id"] == lead["id"]
    assert "Caller: Dana Ortiz (not verified)." in note["properties"]["hs_note_body"]
    linked = await crm_task_of_message(gateway, cid)
    assert linked == task["id"]  # the console's Callbacks list shows the CRM task


async def test_console_shows_a_failed_case_with_its_reason_and_tries_again(
    gateway: LiveServer, hubspot: RunningFake
) -> None:
    await add_staff(gateway)
    hubspot.fake.fail_next(400)  # the case's first request: HubSpot refuses it, trying again won't help
    cid = await chat(gateway, "I'd like to speak to a person please")
    rows = await settled(gateway, cid)
    assert rows["case"].status == "failed" and rows["case"].attempts == 1
    assert rows["case"].last_error is not None and rows["case"].last_error.startswith("rejected: ")
    failed = [e.payload for e in await events(gateway, cid) if e.kind == "after_call.failed"]
    assert [p["kind"] for p in failed] == ["case"]

    with httpx.Client(base_url=gateway.url, follow_redirects=False, timeout=30) as staff:
        csrf = await asyncio.to_thread(log_in, staff, STAFF)
        page = await asyncio.to_thread(staff.get, f"/console/conversations/{cid}")
        assert f'hx-get="/console/conversations/{cid}/after-call"' in page.text
        card = (await asyncio.to_thread(staff.get, f"/console/conversations/{cid}/after-call")).text
        assert re.search(r'data-kind="case">.*?failed.*?<strong>failed:</strong> rejected: ', card, re.S), (
            card
        )
        assert re.search(r'data-kind="note">.*?skipped.*?not verified', card, re.S), card
        assert 'id="after-call-retry"' in card
        refused = await asyncio.to_thread(
            partial(
                staff.post, f"/console/conversations/{cid}/after-call/retry", data={"csrf_token": "wrong"}
            )
        )
        assert refused.status_code == 403 and (await jobs(gateway, cid))["case"].status == "failed"
        again = await asyncio.to_thread(
            partial(staff.post, f"/console/conversations/{cid}/after-call/retry", data={"csrf_token": csrf})
        )
        assert again.status_code == 303
        rows = await settled(gateway, cid)
        assert rows["case"].status == "done" and len(written(hubspot, "tickets", cid, "case")) == 1
        card = (await asyncio.to_thread(staff.get, f"/console/conversations/{cid}/after-call")).text
        assert re.search(
            r'data-kind="case">.*?done.*?hubspot record <code>' + rows["case"].result_id, card, re.S
        )
        assert 'id="after-call-retry"' not in card
    views = [e.payload for e in await events(gateway, cid, "staff.view")]
    assert [v["what"] for v in views if v["what"] == "after_call"] == ["after_call"] * 2  # the two card reads
    actions = [e.payload for e in await events(gateway, cid, "staff.action")]
    assert actions[-1]["action"] == "after_call.retry" and actions[-1]["kinds"] == ["case"]
