"""Failures from the real local server: OperationOutcomes, injected 503s, stalls, a dead server."""

from __future__ import annotations

import io
import socket

import httpx
import pytest
from fhir.resources.R4B.patient import Patient

from connectors.base import BookAppointment, Conflict, ListProviders, NotFound, Rejected, Unavailable
from connectors.fhir import FhirConnector, StaticBearer
from connectors.fhir.client import FhirClient
from connectors.resilience import ResiliencePolicy
from tests.connectors.conftest import assert_circuit_opens, idempotency_key
from tests.connectors.fhir.conftest import STATIC_TOKEN, TZ, Clinic, FhirServer
from tests.logs import captured_logs, json_lines  # noqa: F401  (fixture)


def connector_with(server_url: str, **policy: float) -> FhirConnector:
    defaults = {
        "timeout_s": 5.0,
        "attempts": 2,
        "backoff_initial_s": 0.05,
        "jitter_s": 0.0,
        "breaker_threshold": 50,
    }
    return FhirConnector(
        server_url,
        auth=StaticBearer(STATIC_TOKEN),
        timezone=TZ,
        policy=ResiliencePolicy(**(defaults | policy)),
    )


async def slot_state(raw: httpx.AsyncClient, slot_id: str) -> tuple[str, list[dict]]:
    slot = (await raw.get(f"/Slot/{slot_id}")).json()
    bundle = (await raw.get(f"/Appointment?slot=Slot/{slot_id}")).json()
    return slot["status"], [e["resource"] for e in bundle.get("entry", [])]


async def test_operation_outcomes_map_to_typed_failures(fhir_server: FhirServer, clinic: Clinic) -> None:
    client = FhirClient(fhir_server.base_url, StaticBearer(STATIC_TOKEN))
    try:
        with pytest.raises(Rejected) as bad_search:
            await client.search("Slot", [("start", "ge-not-a-date")])
        assert "Invalid format for date" in (bad_search.value.detail or "")
        with pytest.raises(NotFound):
            await client.read(Patient, "does-not-exist")
        with pytest.raises(Rejected) as invalid:
            # No participants and no times: the server's validator answers with an OperationOutcome.
            entry = {"resource": {"resourceType": "Appointment", "status": "booked"}}
            await client.transaction([entry | {"request": {"method": "POST", "url": "Appointment"}}])
        assert "participant" in (invalid.value.detail or "")
        current = await client.read(Patient, clinic.patients["tom"])
        stale = current.resource.model_dump(mode="json", exclude_none=True)
        await client.transaction(
            [{"resource": stale, "request": {"method": "PUT", "url": f"Patient/{stale['id']}"}}]
        )
        with pytest.raises(Conflict) as clash:
            put = {"method": "PUT", "url": f"Patient/{stale['id']}", "ifMatch": current.if_match}
            await client.transaction([{"resource": stale, "request": put}])
        assert "Precondition Failed" in (clash.value.detail or "")
    finally:
        await client.aclose()


async def test_a_passing_503_is_retried_a_lasting_one_is_unavailable(
    fhir_server: FhirServer, clinic: Clinic
) -> None:
    conn = connector_with(fhir_server.base_url, attempts=2)
    try:
        fhir_server.control("stall", method="GET", path="/Practitioner", then=503, count=1)
        assert len((await conn.list_providers(ListProviders())).providers) == 2
        fhir_server.control("stall", method="GET", path="/Practitioner", then=503, count=2)
        with pytest.raises(Unavailable):
            await conn.list_providers(ListProviders())
    finally:
        await conn.aclose()
    fhir_server.wait_idle()


async def test_timeout_mid_write_leaves_nothing_half_done(
    fhir_server: FhirServer, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    """The transaction request stalls past our timeout and is then dropped: the caller hears
    'unavailable', the EMR holds neither an appointment nor a busy slot, and a retry with the
    same key books exactly once."""
    slot_id, key = clinic.slot("patel", clinic.days[1], 11, 30), idempotency_key()
    req = BookAppointment(person_id=clinic.patients["tom"], slot_id=slot_id, idempotency_key=key)
    fhir_server.control("stall", method="POST", path="/", ms=1500, then="drop")
    impatient = connector_with(fhir_server.base_url, timeout_s=0.3, attempts=1)
    try:
        with pytest.raises(Unavailable):
            await impatient.book_appointment(req)
    finally:
        await impatient.aclose()
    fhir_server.wait_idle()
    assert await slot_state(raw, slot_id) == ("free", [])

    patient = connector_with(fhir_server.base_url)
    try:
        booked = await patient.book_appointment(req)
    finally:
        await patient.aclose()
    status, stored = await slot_state(raw, slot_id)
    assert status == "busy" and [a["id"] for a in stored] == [booked.id]


async def test_retry_after_a_late_commit_books_once(
    fhir_server: FhirServer, clinic: Clinic, raw: httpx.AsyncClient
) -> None:
    """The first attempt times out but the server still commits it later; the retry meanwhile
    books under the same key. If-Match lets only one of them through."""
    slot_id, key = clinic.slot("okafor", clinic.days[1], 10), idempotency_key()
    fhir_server.control("stall", method="POST", path="/", ms=1000, then="process")
    # Enough attempts to outlast the stall even on a loaded machine: whichever attempt comes
    # after the late commit finds it by its key.
    conn = connector_with(fhir_server.base_url, timeout_s=0.5, attempts=6)
    try:
        booked = await conn.book_appointment(
            BookAppointment(person_id=clinic.patients["maria"], slot_id=slot_id, idempotency_key=key)
        )
    finally:
        await conn.aclose()
    fhir_server.wait_idle()
    status, stored = await slot_state(raw, slot_id)
    assert status == "busy" and [a["id"] for a in stored] == [booked.id]
    assert {"system": "urn:frontdesk:idempotency", "value": key} in stored[0]["identifier"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_server_down_is_unavailable_and_opens_the_circuit() -> None:
    conn = connector_with(f"http://127.0.0.1:{_free_port()}", attempts=1, breaker_threshold=2)
    try:
        await assert_circuit_opens(lambda: conn.list_providers(ListProviders()), failures=2)
    finally:
        await conn.aclose()


def test_an_invalid_search_entry_is_skipped_not_fatal() -> None:
    from connectors.fhir.client import _entry_resource

    good = _entry_resource({"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1980-02-03"}})
    assert isinstance(good, Patient) and good.id == "p1"
    assert (
        _entry_resource({"resource": {"resourceType": "Patient", "id": "p2", "birthDate": "03/02/1980"}})
        is None
    )
    assert _entry_resource({"resource": {"resourceType": "NoSuchType"}}) is None
    assert _entry_resource({"search": {"mode": "outcome"}}) is None


def test_a_skipped_entry_is_logged_by_type_and_id_not_its_content(
    captured_logs: io.StringIO,  # noqa: F811
) -> None:
    from connectors.fhir.client import _entry_resource

    bad = {"resourceType": "Patient", "id": "p2", "birthDate": "03/02/1980", "name": [{"family": "Okafor"}]}
    assert _entry_resource({"resource": bad}) is None
    [line] = [line for line in json_lines(captured_logs) if line["logger"] == "connectors.fhir.client"]
    assert line["event"] == "skipping an invalid resource in a search result"
    assert (line["level"], line["resource_type"], line["resource_id"]) == ("warning", "Patient", "p2")
    assert "1980" not in captured_logs.getvalue() and "Okafor" not in captured_logs.getvalue()
