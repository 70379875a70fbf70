"""Each capability against the local Salesforce: what is found, what is written (fields, owner,
headers), idempotency by the external id field, and concurrent identical writes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.base import (
    AddNote,
    CreateContact,
    CreateTask,
    FindContact,
    FindPersonByPhone,
    OpenTicket,
    Rejected,
)
from tests.connectors.salesforce.conftest import MakeConnector, key
from tests.fakes.salesforce_server import RunningSalesforce

QUEUE = "00G000000000001AAA"
AMARA_OWNER = "005000000000002AAA"
EXT = "Frontdesk_Idempotency_Key__c"


def person_id(running: RunningSalesforce, sobject: str, last_name: str) -> str:
    return next(str(r["Id"]) for r in running.fake.records(sobject) if r["LastName"] == last_name)


def patches(running: RunningSalesforce, sobject: str) -> list[dict[str, Any]]:
    return running.fake.data_requests("PATCH", f"/sobjects/{sobject}/{EXT}/")


async def test_find_person_by_phone_in_any_format_across_contacts_and_leads(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    c = connect()
    for spoken in ("415-555-0142", "+1 415 555 0142", "4155550142", "(415) 555-0142"):
        people = (await c.find_person_by_phone(FindPersonByPhone(phone=spoken))).people
        # The converted lead with the same number is left out: its person is the contact.
        assert [(p.first_name, p.last_name, str(p.date_of_birth)) for p in people] == [
            ("Amara", "Okafor", "1984-03-14")
        ]
        assert people[0].phone == "+14155550142" and people[0].id.startswith("003")
    lead = (await c.find_person_by_phone(FindPersonByPhone(phone="415.555.0199"))).people
    assert [(p.first_name, p.id[:3], p.date_of_birth) for p in lead] == [("Lena", "00Q", None)]
    assert (await c.find_person_by_phone(FindPersonByPhone(phone="212 555 0000"))).people == []
    sosl = salesforce.fake.data_requests("GET", "/search")[0]["query"]["q"]
    assert "IN PHONE FIELDS" in sosl and "Contact(" in sosl and "Lead(" in sosl
    assert '"\\+14155550142"' in sosl and '"\\(415\\) 555\\-0142"' in sosl  # E.164 and national, escaped


async def test_find_contact_by_email_or_phone(salesforce: RunningSalesforce, connect: MakeConnector) -> None:
    c = connect()
    found = (await c.find_contact(FindContact(email="AMARA@example.org"))).contacts
    assert [(x.first_name, x.phone) for x in found] == [("Amara", "+14155550142")]
    by_phone = (await c.find_contact(FindContact(phone="+14155550199"))).contacts
    assert [x.last_name for x in by_phone] == ["Berg"]
    # A quote in the address stays inside the SOQL string: no match, no error, nothing else read.
    sneaky = "x' OR LastName != 'y"
    assert (await c.find_contact(FindContact(email=sneaky))).contacts == []
    assert "\\'" in salesforce.fake.data_requests("GET", "/query")[-1]["query"]["q"]


async def test_lookups_without_a_usable_number_are_rejected_before_any_request(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    c = connect()
    with pytest.raises(Rejected):
        await c.find_contact(FindContact())
    with pytest.raises(Rejected):
        await c.find_person_by_phone(FindPersonByPhone(phone="no digits here"))
    assert salesforce.fake.data_requests() == []


async def test_create_contact_makes_a_lead_with_the_key_in_the_external_id_field(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    write_key = key()
    contact = await connect().create_contact(
        CreateContact(first_name="Rafael", last_name="Souza", phone="415 555 0123", idempotency_key=write_key)
    )
    assert contact.id.startswith("00Q") and contact.phone == "+14155550123"
    lead = salesforce.fake.store["Lead"][contact.id]
    assert lead[EXT] == write_key
    assert (lead["FirstName"], lead["LastName"], lead["Phone"], lead["LeadSource"]) == (
        "Rafael",
        "Souza",
        "+14155550123",
        "Phone Inquiry",
    )
    assert lead["Company"]  # required on a Lead
    [upsert] = patches(salesforce, "Lead")
    assert upsert["path"].endswith(f"/sobjects/Lead/{EXT}/{write_key}")
    assert EXT not in json.loads(upsert["body"])  # the key is in the URL, not the body


async def test_a_caller_giving_only_a_first_name_gets_a_lead_and_nobody_gets_nothing(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    c = connect()
    only_first = await c.create_contact(CreateContact(first_name="Zoe", idempotency_key=key()))
    assert salesforce.fake.store["Lead"][only_first.id]["LastName"] == "(not given)"
    with pytest.raises(Rejected):
        await c.create_contact(CreateContact(phone="+14155550100", idempotency_key=key()))
    with pytest.raises(Rejected):
        await c.create_contact(CreateContact(first_name="Al", phone="12", idempotency_key=key()))
    assert len(patches(salesforce, "Lead")) == 1


async def test_a_duplicate_rule_match_returns_the_person_on_file_and_creates_nothing(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    leads_before = len(salesforce.fake.records("Lead"))
    contact = await connect().create_contact(
        CreateContact(first_name="Amara", last_name="O.", email="amara@example.org", idempotency_key=key())
    )
    assert contact.id == person_id(salesforce, "Contact", "Okafor")
    assert contact.last_name == "O."  # what the caller said; nothing read from the matched record
    assert len(salesforce.fake.records("Lead")) == leads_before


async def test_add_note_is_a_completed_task_on_the_person(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    amara = person_id(salesforce, "Contact", "Okafor")
    note = await connect().add_note(
        AddNote(contact_id=amara, body="Asked about parking.\nWill call back.", idempotency_key=key())
    )
    task = salesforce.fake.store["Task"][note.id]
    assert note.contact_id == amara and note.body.startswith("Asked")
    assert (task["WhoId"], task["Status"], task["Subject"]) == (
        amara,
        "Completed",
        "Call note: Asked about parking.",
    )
    assert task["Description"] == "Asked about parking.\nWill call back."
    with pytest.raises(Rejected):
        await connect().add_note(AddNote(contact_id="../../Account", body="x", idempotency_key=key()))
    assert len(patches(salesforce, "Task")) == 1


async def test_open_ticket_opens_a_case_for_a_contact_or_a_lead(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    c = connect()
    amara = person_id(salesforce, "Contact", "Okafor")
    ticket = await c.open_ticket(
        OpenTicket(contact_id=amara, subject="Billing question", body="Charged twice", idempotency_key=key())
    )
    case = salesforce.fake.store["Case"][ticket.id]
    assert ticket.id.startswith("500") and ticket.status == "New"
    assert (case["ContactId"], case["Origin"], case["Description"]) == (amara, "Phone", "Charged twice")
    assert patches(salesforce, "Case")[-1]["headers"]["sforce-auto-assign"] == "TRUE"

    lena = person_id(salesforce, "Lead", "Berg")
    for_lead = await c.open_ticket(
        OpenTicket(contact_id=lena, subject="Wants a quote", idempotency_key=key())
    )
    lead_case = salesforce.fake.store["Case"][for_lead.id]
    assert "ContactId" not in lead_case
    assert (lead_case["SuppliedName"], lead_case["SuppliedPhone"]) == ("Lena Berg", "+1 415 555 0199")

    anonymous = await c.open_ticket(OpenTicket(subject="Lost and found", idempotency_key=key()))
    assert salesforce.fake.store["Case"][anonymous.id]["Subject"] == "Lost and found"


async def test_a_configured_case_owner_turns_assignment_rules_off(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    ticket = await connect(case_owner_id=QUEUE).open_ticket(
        OpenTicket(subject="Callback", idempotency_key=key())
    )
    assert salesforce.fake.store["Case"][ticket.id]["OwnerId"] == QUEUE
    assert patches(salesforce, "Case")[-1]["headers"]["sforce-auto-assign"] == "FALSE"


async def test_create_task_is_routed_to_the_configured_queue_or_the_person_owner(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    amara = person_id(salesforce, "Contact", "Okafor")
    due = datetime(2026, 12, 8, 15, 30, tzinfo=ZoneInfo("America/New_York"))
    routed = await connect(task_owner_id=QUEUE).create_task(
        CreateTask(
            contact_id=amara,
            subject="Call back about refill",
            body="Pharmacy",
            due=due,
            idempotency_key=key(),
        )
    )
    task = salesforce.fake.store["Task"][routed.id]
    assert (task["OwnerId"], task["WhoId"], task["Status"], task["ActivityDate"]) == (
        QUEUE,
        amara,
        "Not Started",
        "2026-12-08",
    )
    assert task["IsReminderSet"] is True and task["ReminderDateTime"] == due.isoformat()
    assert routed.due == due and routed.status == "Not Started"

    to_owner = await connect().create_task(
        CreateTask(contact_id=amara, subject="Follow up", idempotency_key=key())
    )
    assert salesforce.fake.store["Task"][to_owner.id]["OwnerId"] == AMARA_OWNER
    nobody = await connect().create_task(CreateTask(subject="Check voicemail", idempotency_key=key()))
    assert "OwnerId" not in salesforce.fake.store["Task"][nobody.id]  # the integration user's


async def test_a_repeated_write_returns_the_first_record_and_keeps_staff_edits(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    c = connect()
    request = CreateTask(subject="Call back", idempotency_key=key())
    first = await c.create_task(request)
    salesforce.fake.store["Task"][first.id]["Status"] = "In Progress"  # staff picked it up
    again = await c.create_task(request)
    assert again.id == first.id
    assert len(salesforce.fake.records("Task")) == 1
    assert salesforce.fake.store["Task"][first.id]["Status"] == "In Progress"
    assert len(patches(salesforce, "Task")) == 1  # the repeat found the key and wrote nothing


@pytest.mark.parametrize("capability", ["create_task", "open_ticket"])
async def test_twenty_concurrent_identical_writes_make_one_record(
    capability: str, salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    c = connect()
    write_key = key()
    amara = person_id(salesforce, "Contact", "Okafor")
    if capability == "create_task":
        request: Any = CreateTask(contact_id=amara, subject="Call back", idempotency_key=write_key)
        sobject = "Task"
    else:
        request = OpenTicket(contact_id=amara, subject="Billing", idempotency_key=write_key)
        sobject = "Case"
    results = await asyncio.gather(*(getattr(c, capability)(request) for _ in range(20)))
    assert len({r.id for r in results}) == 1
    assert [r["Id"] for r in salesforce.fake.records(sobject)] == [results[0].id]
    assert salesforce.fake.tokens_issued == 1  # twenty calls waited for one session


async def test_a_key_that_is_no_plain_token_is_stored_as_its_hash(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    odd_key = "after-call:conv/42:note?x=1"
    request = CreateTask(subject="Call back", idempotency_key=odd_key)
    first = await connect().create_task(request)
    stored = hashlib.sha256(odd_key.encode()).hexdigest()
    assert salesforce.fake.store["Task"][first.id][EXT] == stored
    assert patches(salesforce, "Task")[0]["path"].endswith(f"/{EXT}/{stored}")
    assert (await connect().create_task(request)).id == first.id
