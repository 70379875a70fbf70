"""HubSpot connector through the official client against a local server speaking HubSpot's API."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connectors.base import (
    AddNote,
    CreateContact,
    CreateTask,
    FindContact,
    FindPersonByPhone,
    OpenTicket,
    Rejected,
    Unavailable,
)
from connectors.hubspot import HubSpotConnector
from connectors.resilience import ResiliencePolicy
from tests.fakes.hubspot_server import FakeHubSpot, RunningFake

FAST = ResiliencePolicy(timeout_s=2.0, attempts=3, backoff_initial_s=0.01, backoff_max_s=0.05, jitter_s=0.0)


@pytest.fixture
def hubspot() -> Iterator[RunningFake]:
    fake = FakeHubSpot()
    fake.add(
        "contacts",
        {"firstname": "Amara", "lastname": "Okafor", "phone": "(415) 555-0142", "email": "amara@example.org"},
    )
    fake.add("contacts", {"firstname": "Lena", "lastname": "Berg", "mobilephone": "+14155550199"})
    with RunningFake(fake) as running:
        yield running


def connector(
    running: RunningFake, policy: ResiliencePolicy = FAST, token: str | None = None
) -> HubSpotConnector:
    return HubSpotConnector(token or running.fake.token, base_url=running.url, policy=policy)


def key() -> str:
    return uuid.uuid4().hex


def bodies(running: RunningFake, path_end: str, method: str = "POST") -> list[dict]:
    return [
        json.loads(r["body"])
        for r in running.fake.requests
        if r["path"].endswith(path_end) and r["method"] == method
    ]


async def test_find_by_phone_in_any_format(hubspot: RunningFake) -> None:
    c = connector(hubspot)
    for spoken in ("415-555-0142", "+1 415 555 0142", "4155550142"):
        people = (await c.find_person_by_phone(FindPersonByPhone(phone=spoken))).people
        assert [(p.first_name, p.last_name) for p in people] == [("Amara", "Okafor")]
    mobile = (await c.find_person_by_phone(FindPersonByPhone(phone="(415) 555-0199"))).people
    assert [p.first_name for p in mobile] == ["Lena"]
    assert (await c.find_person_by_phone(FindPersonByPhone(phone="212 555 0000"))).people == []
    sent = bodies(hubspot, "/crm/v3/objects/contacts/search")[0]
    assert 1 <= len(sent["filterGroups"]) <= 5
    assert all(f["operator"] == "EQ" for g in sent["filterGroups"] for f in g["filters"])


async def test_find_contact_by_email_and_bad_input(hubspot: RunningFake) -> None:
    c = connector(hubspot)
    found = (await c.find_contact(FindContact(email="AMARA@example.org"))).contacts
    assert [x.last_name for x in found] == ["Okafor"]
    with pytest.raises(Rejected):
        await c.find_contact(FindContact())
    with pytest.raises(Rejected):
        await c.find_person_by_phone(FindPersonByPhone(phone="no digits here"))


async def test_create_contact_note_and_ticket_with_associations(hubspot: RunningFake) -> None:
    c = connector(hubspot)
    contact = await c.create_contact(
        CreateContact(first_name="Rafael", last_name="Souza", phone="+14155550123", idempotency_key=key())
    )
    note = await c.add_note(
        AddNote(contact_id=contact.id, body="Asked about a refill.", idempotency_key=key())
    )
    ticket = await c.open_ticket(
        OpenTicket(
            contact_id=contact.id,
            subject="Callback about billing",
            body="Wants a call",
            idempotency_key=key(),
        )
    )
    assert note.contact_id == contact.id and note.body == "Asked about a refill."
    assert ticket.subject == "Callback about billing"

    sent_note = bodies(hubspot, "/crm/v3/objects/notes")[0]
    assert sent_note["properties"]["hs_note_body"] == "Asked about a refill."
    assert sent_note["properties"]["hs_timestamp"]
    assert sent_note["associations"] == [
        {
            "to": {"id": contact.id},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
        }
    ]
    sent_ticket = bodies(hubspot, "/crm/v3/objects/tickets")[0]
    assert sent_ticket["properties"]["hs_pipeline"] and sent_ticket["properties"]["hs_pipeline_stage"]
    assert sent_ticket["associations"][0]["types"][0]["associationTypeId"] == 16


async def test_task_associated_to_the_contact_and_written_once_per_key(hubspot: RunningFake) -> None:
    c = connector(hubspot)
    contact_id = hubspot.fake.add("contacts", {"firstname": "Ines", "lastname": "Moreau"})
    due = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    request = CreateTask(
        contact_id=contact_id, subject="Call back", body="About her bill", due=due, idempotency_key=key()
    )
    task = await c.create_task(request)
    again = await c.create_task(request)  # a retried job: the same key finds the first task
    assert again.id == task.id and len(hubspot.fake.created("tasks")) == 1
    assert (task.contact_id, task.subject, task.status, task.due) == (
        contact_id,
        "Call back",
        "NOT_STARTED",
        due,
    )
    sent = bodies(hubspot, "/crm/v3/objects/tasks")[0]
    assert sent["properties"]["hs_task_body"] == "About her bill"
    assert sent["associations"][0] == {
        "to": {"id": contact_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
    }


async def test_contact_without_name_or_email_rejected_before_any_write(hubspot: RunningFake) -> None:
    with pytest.raises(Rejected):
        await connector(hubspot).create_contact(CreateContact(phone="+14155550100", idempotency_key=key()))
    assert bodies(hubspot, "/crm/v3/objects/contacts") == []


async def test_unauthorised_is_unavailable_without_retry(hubspot: RunningFake) -> None:
    c = connector(hubspot, token="wrong-token")
    with pytest.raises(Unavailable):
        await c.find_contact(FindContact(email="amara@example.org"))
    assert len(hubspot.fake.requests) == 1  # credentials problems are not retried


async def test_rate_limit_retried_after_retry_after(hubspot: RunningFake) -> None:
    hubspot.fake.fail_next(429, times=1, retry_after="0")
    found = (await connector(hubspot).find_contact(FindContact(email="amara@example.org"))).contacts
    assert len(found) == 1
    assert len(bodies(hubspot, "/contacts/search")) == 2


async def test_persistent_rate_limit_and_server_errors_become_unavailable(hubspot: RunningFake) -> None:
    c = connector(hubspot)
    hubspot.fake.fail_next(429, times=3, retry_after="0")
    with pytest.raises(Unavailable):
        await c.find_contact(FindContact(email="amara@example.org"))
    hubspot.fake.fail_next(500, times=3)
    with pytest.raises(Unavailable):
        await c.find_contact(FindContact(email="amara@example.org"))


async def test_long_retry_after_fails_fast(hubspot: RunningFake) -> None:
    hubspot.fake.fail_next(429, times=1, retry_after="3600")
    with pytest.raises(Unavailable):
        await connector(hubspot).find_contact(FindContact(email="amara@example.org"))
    assert len(bodies(hubspot, "/contacts/search")) == 1


async def test_timeout_mid_write_then_retry_creates_no_duplicate(hubspot: RunningFake) -> None:
    policy = ResiliencePolicy(
        timeout_s=0.4, attempts=3, backoff_initial_s=0.3, backoff_max_s=0.5, jitter_s=0.0
    )
    c = connector(hubspot, policy)
    contact_id = hubspot.fake.created("contacts")[0]["id"]
    # First request of the write (its idempotency search) answers late: the attempt times out.
    # Then the create itself is applied but answered late: timeout again; the third attempt
    # finds the note by its idempotency key.
    hubspot.fake.stall_next(1.0)
    hubspot.fake.stall_next(0.0)
    hubspot.fake.stall_next(1.0)
    note_key = key()
    note = await c.add_note(
        AddNote(contact_id=contact_id, body="Left a voicemail.", idempotency_key=note_key)
    )
    notes = hubspot.fake.created("notes")
    assert len(notes) == 1
    assert notes[0]["id"] == note.id
    # Retrying the same write again later still returns the same note.
    again = await c.add_note(
        AddNote(contact_id=contact_id, body="Left a voicemail.", idempotency_key=note_key)
    )
    assert again.id == note.id and len(hubspot.fake.created("notes")) == 1


async def test_dead_server_is_unavailable(hubspot: RunningFake) -> None:
    url = hubspot.url
    hubspot.__exit__(None, None, None)
    c = HubSpotConnector("pat-test-token", base_url=url, policy=FAST)
    with pytest.raises(Unavailable):
        await c.find_contact(FindContact(email="amara@example.org"))
