"""What the gateway keeps in the EMR after a call (docs/connectors.md, "After-call work"): the
call's summary as a `Communication` (completed, about the Patient) and a request someone must
follow up as a `Task` (requested, for the Patient). Both carry the runtime's idempotency key as an
identifier, so a retry finds what the first attempt wrote. These are not tools of the agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.fhir.mapping import key_token

RECORD_KEY_SYSTEM = "urn:frontdesk:idempotency:record"  # identifier of a Communication or Task we wrote


def _identifier(key: str) -> list[dict[str, str]]:
    return [{"system": RECORD_KEY_SYSTEM, "value": key_token(key)}]


def key_search(key: str) -> list[tuple[str, str]]:
    return [("identifier", f"{RECORD_KEY_SYSTEM}|{key_token(key)}")]


def communication_resource(patient_id: str, body: str, key: str, sent: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "identifier": _identifier(key),
        "status": "completed",
        "category": [{"text": "Call summary"}],
        "subject": {"reference": f"Patient/{patient_id}"},
        "sent": sent.isoformat(),
        "payload": [{"contentString": body}],
    }


def task_resource(
    patient_id: str | None, subject: str, body: str | None, key: str, authored: datetime, due: datetime | None
) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "identifier": _identifier(key),
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "description": subject,
        "authoredOn": authored.isoformat(),
    }
    if patient_id:
        task["for"] = {"reference": f"Patient/{patient_id}"}
    if body:
        task["note"] = [{"text": body}]
    if due is not None:
        task["restriction"] = {"period": {"end": due.isoformat()}}
    return task
