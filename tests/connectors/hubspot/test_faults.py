"""The CRM failing under writes: the HubSpot connector (the official client) through `FaultProxy` in
front of the local HubSpot-shaped server. A create whose answer is lost (connection reset after the
server applied it, or answered after our timeout) is retried under its idempotency key and creates
one object; 500s and an over-long Retry-After end as `Unavailable` with nothing created; a 429 with
a short Retry-After is waited for."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from connectors.base import AddNote, CreateContact, Unavailable
from connectors.hubspot import HubSpotConnector
from connectors.resilience import ResiliencePolicy
from tests.fakes.fault_proxy import Fault, FaultProxy
from tests.fakes.hubspot_server import FakeHubSpot, RunningFake

POLICY = ResiliencePolicy(
    timeout_s=0.8, attempts=3, backoff_initial_s=0.05, backoff_max_s=0.1, jitter_s=0.0, max_retry_after_s=5.0
)
NOTES = "/crm/v3/objects/notes"
CONTACTS = "/crm/v3/objects/contacts"


@pytest.fixture
def crm() -> Iterator[tuple[RunningFake, FaultProxy]]:
    fake = FakeHubSpot()
    fake.add("contacts", {"firstname": "Amara", "lastname": "Okafor", "phone": "(415) 555-0142"})
    with RunningFake(fake) as running, FaultProxy(running.url) as proxy:
        yield running, proxy


def _connector(running: RunningFake, proxy: FaultProxy) -> HubSpotConnector:
    return HubSpotConnector(running.fake.token, base_url=proxy.url, policy=POLICY)


@pytest.mark.parametrize(
    "fault",
    [
        Fault("reset_after", method="POST", path=NOTES),
        Fault("delay_after", method="POST", path=NOTES, delay_s=1.5),
        Fault("reset_before", method="POST", path=NOTES),
        Fault("status", method="POST", path=NOTES, status=500),
        Fault("status", method="POST", path=NOTES, status=429, retry_after="1"),
    ],
    ids=["reset-after-commit", "timeout-after-commit", "reset-before", "500-once", "429-retry-after-1"],
)
async def test_a_lost_or_refused_create_is_retried_into_one_note(
    fault: Fault, crm: tuple[RunningFake, FaultProxy]
) -> None:
    running, proxy = crm
    contact_id = running.fake.created("contacts")[0]["id"]
    proxy.add(fault)
    started = time.monotonic()
    note = await _connector(running, proxy).add_note(
        AddNote(contact_id=contact_id, body="Asked about parking.", idempotency_key=uuid.uuid4().hex)
    )
    took = time.monotonic() - started
    assert proxy.faulted[fault.action] == 1
    notes = running.fake.created("notes")
    assert [n["id"] for n in notes] == [note.id]  # exactly one, and it is the one we were told of
    if fault.retry_after == "1":
        assert took >= 1.0
    print(f"\nCRM {fault.action} {fault.status if fault.action == 'status' else ''}: {took:.2f} s, one note")


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", method="POST", path=CONTACTS, status=500, times=None),
        Fault("reset_before", method="POST", path=CONTACTS, times=None),
        Fault("status", method="POST", path=CONTACTS, status=429, retry_after="30"),
    ],
    ids=["500-always", "reset-always", "429-retry-after-too-long"],
)
async def test_a_create_the_crm_keeps_refusing_is_unavailable_and_creates_nothing(
    fault: Fault, crm: tuple[RunningFake, FaultProxy]
) -> None:
    running, proxy = crm
    before = len(running.fake.created("contacts"))
    proxy.add(fault)
    started = time.monotonic()
    with pytest.raises(Unavailable) as failure:
        await _connector(running, proxy).create_contact(
            CreateContact(first_name="Nia", last_name="Brooks", idempotency_key=uuid.uuid4().hex)
        )
    took = time.monotonic() - started
    assert len(running.fake.created("contacts")) == before
    assert took < POLICY.attempts * POLICY.timeout_s + 1.0
    assert "HTTP" not in failure.value.message  # what the caller hears is plain
    print(f"\nCRM {fault.action} {fault.status}: Unavailable in {took:.2f} s, nothing created")
