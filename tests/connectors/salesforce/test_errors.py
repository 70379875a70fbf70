"""Salesforce's error answers and a slow org, each mapped to the typed failure the agent explains:
limits (REQUEST_LIMIT_EXCEEDED and our own reserve from Sforce-Limit-Info), validation and
required fields, duplicates, lock contention, outages and timeouts."""

from __future__ import annotations

import time

import pytest

from connectors.base import (
    AddNote,
    Conflict,
    CreateContact,
    CreateTask,
    FindContact,
    NotFound,
    OpenTicket,
    Rejected,
    Unavailable,
)
from connectors.resilience import ResiliencePolicy
from connectors.salesforce import SalesforceConnector, StaticToken
from connectors.salesforce.limits import ApiAllowance, parse_limit_info
from tests.connectors.salesforce.conftest import FAST, MakeConnector, key
from tests.fakes.salesforce_server import RunningSalesforce

AMARA = FindContact(email="amara@example.org")


def amara_id(running: RunningSalesforce) -> str:
    return str(running.fake.records("Contact")[0]["Id"])


async def test_request_limit_exceeded_is_unavailable_without_retry(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.api_used = salesforce.fake.api_limit
    with pytest.raises(Unavailable) as limited:
        await connect().find_contact(AMARA)
    assert "REQUEST_LIMIT_EXCEEDED" in (limited.value.detail or "")
    assert len(salesforce.fake.data_requests()) == 1


async def test_the_connector_keeps_a_reserve_of_the_daily_allowance(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    now = [0.0]
    allowance = ApiAllowance(reserve=0.1, recheck_s=60.0, clock=lambda: now[0])
    c = connect(allowance=allowance)
    salesforce.fake.api_limit = 1000
    salesforce.fake.api_used = 895
    await c.find_contact(AMARA)  # two queries: usage 897/1000 seen, 10.3 % left
    assert allowance.last == parse_limit_info("api-usage=897/1000")
    salesforce.fake.api_used = 905
    await c.find_contact(FindContact(phone="+14155550142"))  # 906/1000: under the reserve now
    sent = len(salesforce.fake.data_requests())
    with pytest.raises(Unavailable) as held:
        await c.find_contact(AMARA)
    assert "reserve" in (held.value.detail or "")
    assert len(salesforce.fake.data_requests()) == sent  # not even asked
    now[0] += 61  # one call re-checks; the usage is still high, so the next one is held again
    await c.find_contact(FindContact(phone="+14155550142"))
    with pytest.raises(Unavailable):
        await c.find_contact(AMARA)
    salesforce.fake.api_used = 10  # the rolling 24 hours moved on
    now[0] += 61
    await c.find_contact(FindContact(phone="+14155550142"))
    assert len((await c.find_contact(AMARA)).contacts) == 1


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", []),
        ("REQUIRED_FIELD_MISSING", ["Subject"]),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Status"]),
    ],
)
async def test_a_refused_write_is_rejected_with_salesforce_words_in_the_detail_only(
    code: str, fields: list[str], salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(400, code, "Follow-ups need a due date", fields=fields, method="PATCH")
    with pytest.raises(Rejected) as refused:
        await connect().create_task(CreateTask(subject="Call back", idempotency_key=key()))
    assert code in (refused.value.detail or "") and "Follow-ups need" in (refused.value.detail or "")
    assert "Follow-ups" not in refused.value.message
    assert salesforce.fake.records("Task") == []
    assert len(salesforce.fake.data_requests("PATCH")) == 1  # refused data is not sent again


async def test_a_field_the_org_lacks_is_rejected(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    with pytest.raises(Rejected) as refused:
        await connect(external_id_field="Other_Key__c").add_note(
            AddNote(contact_id=amara_id(salesforce), body="hello", idempotency_key=key())
        )
    assert "external ID field" in (refused.value.detail or "")


async def test_a_blocked_duplicate_case_is_a_conflict(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(400, "DUPLICATES_DETECTED", "Use one of these records?", method="PATCH")
    with pytest.raises(Conflict):
        await connect().open_ticket(OpenTicket(subject="Billing", idempotency_key=key()))
    assert salesforce.fake.records("Case") == []


async def test_a_lead_duplicate_without_a_person_match_is_a_conflict(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(400, "DUPLICATES_DETECTED", "Use one of these records?", method="PATCH")
    with pytest.raises(Conflict):
        await connect().create_contact(
            CreateContact(first_name="Ike", last_name="Ude", idempotency_key=key())
        )


async def test_a_unique_value_race_is_retried_as_an_update(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(400, "DUPLICATE_VALUE", "duplicate value found", method="PATCH")
    task = await connect().create_task(CreateTask(subject="Call back", idempotency_key=key()))
    assert [r["Id"] for r in salesforce.fake.records("Task")] == [task.id]
    assert len(salesforce.fake.data_requests("PATCH")) == 2


async def test_lock_contention_is_retried(salesforce: RunningSalesforce, connect: MakeConnector) -> None:
    salesforce.fake.fail_next(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", method="PATCH")
    note = await connect().add_note(
        AddNote(contact_id=amara_id(salesforce), body="hi", idempotency_key=key())
    )
    assert [r["Id"] for r in salesforce.fake.records("Task")] == [note.id]


async def test_an_org_that_keeps_failing_is_unavailable(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(503, "SERVER_UNAVAILABLE", "down for maintenance", times=3)
    with pytest.raises(Unavailable):
        await connect().find_contact(AMARA)
    assert len(salesforce.fake.data_requests()) == 3  # the policy's three attempts


async def test_an_unknown_person_is_not_found(salesforce: RunningSalesforce, connect: MakeConnector) -> None:
    with pytest.raises(NotFound):
        await connect().open_ticket(
            OpenTicket(contact_id="00Q8d9999999999AAA", subject="Quote", idempotency_key=key())
        )
    with pytest.raises(NotFound):
        await connect().create_task(
            CreateTask(contact_id="0038d9999999999AAA", subject="x", idempotency_key=key())
        )
    assert salesforce.fake.records("Case") == [] and salesforce.fake.records("Task") == []


async def test_a_stalled_org_is_unavailable_within_the_policy_bound(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    policy = ResiliencePolicy(
        timeout_s=0.3, attempts=2, backoff_initial_s=0.05, backoff_max_s=0.05, jitter_s=0.0
    )
    c = connect(policy=policy)
    await c.find_contact(AMARA)  # the session is open: only the stalls count below
    salesforce.fake.stall_next(0.8, path_contains="/search")
    salesforce.fake.stall_next(0.8, path_contains="/search")
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await c.find_contact(FindContact(phone="+14155550142"))
    took = time.monotonic() - started
    assert took < policy.attempts * policy.timeout_s + 0.6  # two timeouts and a backoff, not the stalls


async def test_a_write_answered_too_late_is_found_by_its_key_on_the_retry(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    policy = ResiliencePolicy(
        timeout_s=0.4, attempts=3, backoff_initial_s=0.05, backoff_max_s=0.05, jitter_s=0.0
    )
    c = connect(policy=policy)
    salesforce.fake.stall_next(0.8, method="PATCH")  # the Case is created; the answer is lost
    ticket = await c.open_ticket(OpenTicket(subject="Billing", idempotency_key=key()))
    assert [r["Id"] for r in salesforce.fake.records("Case")] == [ticket.id]
    assert len(salesforce.fake.data_requests("PATCH")) == 1  # the retry read it by its key


async def test_a_dead_org_is_unavailable(own_salesforce: RunningSalesforce) -> None:
    c = SalesforceConnector(StaticToken("00D!token", own_salesforce.url), policy=FAST)
    own_salesforce.__exit__(None, None, None)
    with pytest.raises(Unavailable):
        await c.find_contact(AMARA)
    await c.aclose()


async def test_an_org_without_api_access_is_unavailable_without_retry(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(
        403, "API_DISABLED_FOR_ORG", "API is not enabled for this Organization or Partner"
    )
    with pytest.raises(Unavailable) as refused:
        await connect().find_contact(AMARA)
    assert "API_DISABLED_FOR_ORG" in (refused.value.detail or "")
    assert len(salesforce.fake.data_requests()) == 1
