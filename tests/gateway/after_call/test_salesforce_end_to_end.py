"""After-call work end to end with Salesforce as the CRM (FRONTDESK_AFTER_CALL_CRM=salesforce, the
local Salesforce REST server): a booked chat -> a completed Task (the call note) on the caller's
Contact, a chat handed to staff and left -> a Case, a message from an unknown visitor -> a Lead and
a follow-up Task on it, a CRM answering 503 -> the note later, written once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.salesforce.mapping import external_key
from tests.conftest import LiveServer, make_settings, running_server
from tests.fakes.salesforce_server import FakeSalesforce, RunningSalesforce
from tests.gateway.after_call.conftest import (
    VERIFY,
    booked_chat,
    chat,
    crm_task_of_message,
    events,
    message_from_unknown_visitor,
    put_back,
    settled,
)

KEY_FIELD = "Frontdesk_Idempotency_Key__c"


@pytest.fixture(scope="module")
def salesforce() -> Iterator[RunningSalesforce]:
    fake = FakeSalesforce(public_key_pem=b"")  # a plain access token: no JWT flow here
    fake.add("Contact", {"FirstName": "Charlotte", "LastName": "Clark", "Phone": "(503) 555-0117"})
    with RunningSalesforce(fake) as running:
        yield running


@pytest.fixture(scope="module")
def gateway(salesforce: RunningSalesforce, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    token = secrets.token_urlsafe(16)
    salesforce.fake.tokens.add(token)
    settings = make_settings(
        tmp_path_factory.mktemp("after-call-sf"),
        after_call_crm="salesforce",
        salesforce_access_token=token,
        salesforce_instance_url=salesforce.url,
        after_call_poll_s=0.2,
        after_call_retry_base_s=0.3,
        chat_abandoned_after_s=1.0,
    )
    with running_server(settings) as server:
        yield server


def written(
    salesforce: RunningSalesforce, sobject: str, conversation_id: str, kind: str
) -> list[dict[str, Any]]:
    key = external_key(f"after-call:{conversation_id}:{kind}")  # as the connector stores it
    return [r for r in salesforce.fake.records(sobject) if r.get(KEY_FIELD) == key]


def charlotte_id(salesforce: RunningSalesforce) -> str:
    return next(str(c["Id"]) for c in salesforce.fake.records("Contact") if c.get("FirstName") == "Charlotte")


async def test_a_booked_chat_leaves_a_call_note_on_the_contact(
    gateway: LiveServer, salesforce: RunningSalesforce
) -> None:
    cid, rows = await booked_chat(gateway)
    (note,) = written(salesforce, "Task", cid, "note")
    assert (note["Status"], note["WhoId"]) == ("Completed", charlotte_id(salesforce))
    assert "Done: booked an appointment with Dr. Marcus Chen on" in note["Description"]
    assert rows["note"].result_id == note["Id"]
    assert written(salesforce, "Case", cid, "case") == []


async def test_a_chat_handed_to_staff_and_left_opens_a_case(
    gateway: LiveServer, salesforce: RunningSalesforce
) -> None:
    cid = await chat(
        gateway, "I need to cancel an appointment", VERIFY, "I'd like to speak to a person please"
    )
    rows = await settled(gateway, cid)
    assert (rows["case"].status, rows["note"].status) == ("done", "done"), rows["case"].last_error
    (case,) = written(salesforce, "Case", cid, "case")
    assert case["Subject"].startswith("Unfinished request from Charlotte Clark: handed over")
    assert case["ContactId"] == charlotte_id(salesforce) and "Left open:" in case["Description"]


async def test_a_message_from_an_unknown_visitor_becomes_a_lead_and_a_task(
    gateway: LiveServer, salesforce: RunningSalesforce
) -> None:
    cid, rows = await message_from_unknown_visitor(gateway)
    (lead,) = written(salesforce, "Lead", cid, "lead")
    assert (lead["FirstName"], lead["LastName"], lead["Phone"]) == ("Dana", "Ortiz", "+15035550112")
    (task,) = [t for t in salesforce.fake.records("Task") if t["Id"] == rows["task"].result_id]
    assert (task["Subject"], task["WhoId"], task["Status"]) == (
        "Call back Dana Ortiz on +15035550112",
        lead["Id"],
        "Not Started",
    )
    assert await crm_task_of_message(gateway, cid) == task["Id"]


async def test_crm_down_the_note_is_retried_later_and_written_once(
    gateway: LiveServer, salesforce: RunningSalesforce
) -> None:
    salesforce.fake.fail_next(503, "SERVER_UNAVAILABLE", times=3)
    cid = await chat(gateway, "when is my next appointment?", VERIFY, "thanks, goodbye")
    rows = await settled(gateway, cid)
    assert (rows["note"].status, rows["note"].attempts) == ("done", 2)
    retries = [e.payload for e in await events(gateway, cid) if e.kind == "after_call.retry"]
    assert [r["kind"] for r in retries] == ["note"] and "unavailable" in retries[0]["error"]
    assert len(written(salesforce, "Task", cid, "note")) == 1
    await put_back(gateway, rows["note"].id)
    again = await settled(gateway, cid)
    assert again["note"].result_id == rows["note"].result_id
    assert len(written(salesforce, "Task", cid, "note")) == 1
