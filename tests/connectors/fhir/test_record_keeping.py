"""What the gateway keeps in the EMR after a call, against the real FHIR server: the summary as a
Communication about the Patient, follow-ups as Tasks for the Patient, each written once per
idempotency key; none of it offered to the agent as a tool."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import pytest

from agents.tools import ToolRegistry
from connectors.base import AddNote, Capability, CreateTask, NotFound, OpenTicket
from connectors.fhir import FhirConnector
from tests.connectors.fhir.conftest import TZ, Clinic


def key() -> str:
    return f"after-call:{uuid.uuid4().hex}:note"


async def _all(raw: httpx.AsyncClient, resource_type: str, patient_ref: str) -> list[dict]:
    param = "subject" if resource_type == "Communication" else "patient"
    bundle = (await raw.get(f"/{resource_type}", params={param: patient_ref})).json()
    return [e["resource"] for e in bundle.get("entry", [])]


async def test_summary_is_a_communication_about_the_patient_written_once(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    maria = clinic.patients["maria"]
    request = AddNote(
        contact_id=maria, body="Phone call ...\nDone: booked an appointment.", idempotency_key=key()
    )
    note = await connector.add_note(request)
    again = await connector.add_note(request)  # a retried job
    assert again.id == note.id and note.contact_id == maria
    (stored,) = await _all(raw, "Communication", f"Patient/{maria}")
    assert stored["id"] == note.id and stored["status"] == "completed"
    assert stored["payload"] == [{"contentString": "Phone call ...\nDone: booked an appointment."}]
    assert stored["identifier"][0]["system"] == "urn:frontdesk:idempotency:record"


async def test_case_and_callback_are_tasks_for_the_patient(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    tom = clinic.patients["tom"]
    ticket = await connector.open_ticket(
        OpenTicket(
            contact_id=tom, subject="Unfinished request", body="Left open: a refill", idempotency_key=key()
        )
    )
    due = datetime(2027, 1, 4, 9, 0, tzinfo=TZ)
    task = await connector.create_task(
        CreateTask(
            contact_id=tom, subject="Call back Thomas", body="About a refill", due=due, idempotency_key=key()
        )
    )
    assert (ticket.status, task.status, task.due) == ("requested", "requested", due)
    stored = {t["id"]: t for t in await _all(raw, "Task", f"Patient/{tom}")}
    assert set(stored) == {ticket.id, task.id}
    assert stored[ticket.id]["description"] == "Unfinished request"
    assert stored[ticket.id]["note"] == [{"text": "Left open: a refill"}]
    assert (stored[task.id]["intent"], stored[task.id]["for"]["reference"]) == ("order", f"Patient/{tom}")
    assert datetime.fromisoformat(stored[task.id]["restriction"]["period"]["end"]) == due


async def test_unknown_patient_is_not_found_and_nothing_is_written(
    connector: FhirConnector, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    with pytest.raises(NotFound):
        await connector.add_note(AddNote(contact_id="no-such-patient", body="x", idempotency_key=key()))
    bundle = (await raw.get("/Communication")).json()
    assert bundle.get("entry", []) == []


def test_record_keeping_is_not_offered_to_the_agent(connector: FhirConnector) -> None:
    assert {Capability.ADD_NOTE, Capability.OPEN_TICKET, Capability.CREATE_TASK} <= connector.record_keeping
    assert not connector.record_keeping & connector.capabilities
    assert not {"add_note", "open_ticket", "create_task"} & set(
        ToolRegistry.from_capabilities(connector.capabilities).names
    )
