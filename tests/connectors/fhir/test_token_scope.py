"""Where the FHIR bearer token may go and what it may do: `next` links only on the base URL's
server, and SMART scopes of exactly what the connector uses (the local server enforces them)."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.base import (
    BookAppointment,
    CancelAppointment,
    ConnectorError,
    FindPersonByNameDob,
    ListAppointments,
    ListFreeSlots,
    ListProviders,
    Rejected,
    RescheduleAppointment,
)
from connectors.fhir import FhirConnector, SmartBackendAuth, StaticBearer, build_fhir_connector
from connectors.fhir.auth import SCOPES_USED
from connectors.fhir.client import FhirClient
from tests.connectors.conftest import idempotency_key
from tests.connectors.fhir.conftest import FAST, TZ, Clinic, FhirServer
from tests.fakes.scripted_http import Reply, ScriptedHttpServer

TOKEN = "the-bearer-token"


def _bundle(entries: int, next_url: str | None) -> dict:
    body: dict = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "Practitioner", "id": f"p{n}", "active": True}}
            for n in range(entries)
        ],
    }
    if next_url is not None:
        body["link"] = [{"relation": "next", "url": next_url}]
    return body


async def test_next_links_on_the_same_server_are_followed() -> None:
    async with ScriptedHttpServer() as emr:
        emr.script(
            Reply(body=_bundle(2, f"{emr.url}/fhir/Practitioner?page=2")),
            Reply(body=_bundle(1, "Practitioner?page=3")),  # relative to the base URL
            Reply(body=_bundle(1, None)),
        )
        client = FhirClient(f"{emr.url}/fhir", StaticBearer(TOKEN))
        try:
            found = await client.search("Practitioner", [("_count", "2")])
        finally:
            await client.aclose()
    assert len(found) == 4
    assert [r.path for r in emr.received] == [
        "/fhir/Practitioner?_count=2",
        "/fhir/Practitioner?page=2",
        "/fhir/Practitioner?page=3",
    ]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in emr.received)


@pytest.mark.parametrize("elsewhere", ["other-port", "https", "host"])
async def test_next_link_to_another_server_is_not_followed(elsewhere: str) -> None:
    async with ScriptedHttpServer() as emr, ScriptedHttpServer() as stranger:
        link = {
            "other-port": f"{stranger.url}/fhir/Practitioner?page=2",
            "https": f"{emr.url.replace('http://', 'https://')}/fhir/Practitioner?page=2",
            "host": f"{stranger.url.replace('127.0.0.1', 'localhost')}/fhir/Practitioner?page=2",
        }[elsewhere]
        emr.script(Reply(body=_bundle(2, link)))
        client = FhirClient(f"{emr.url}/fhir", StaticBearer(TOKEN))
        try:
            with pytest.raises(Rejected) as info:
                await client.search("Practitioner", [])
        finally:
            await client.aclose()
        assert stranger.received == []  # the token never left
    assert len(emr.received) == 1
    assert "next link to another server" in (info.value.detail or "")


def test_scopes_used_grant_no_delete_and_no_wildcard() -> None:
    granted: dict[str, str] = {}
    for scope in SCOPES_USED.split():
        context, _, rest = scope.partition("/")
        resource, _, letters = rest.partition(".")
        assert context == "system" and resource != "*", scope
        assert set(letters) <= set("crus"), scope  # no d(elete)
        granted[resource] = letters
    assert granted == {
        "Patient": "rs",
        "Practitioner": "rs",
        "Schedule": "rs",
        "Slot": "rsu",
        "Appointment": "crus",
    }


def _smart(server: FhirServer, scope: str) -> SmartBackendAuth:
    return SmartBackendAuth(
        client_id=server.rsa.client_id,
        private_key_pem=server.rsa.private_pem,
        key_id=server.rsa.kid,
        token_url=server.token_url,
        scope=scope,
    )


async def test_everything_the_connector_does_works_with_only_the_scopes_used(
    fhir_server: FhirServer, clinic: Clinic
) -> None:
    conn = FhirConnector(
        fhir_server.base_url, auth=_smart(fhir_server, SCOPES_USED), timezone=TZ, policy=FAST
    )
    try:
        providers = await conn.list_providers(ListProviders())
        assert len(providers.providers) == 2
        people = await conn.find_person_by_name_dob(
            FindPersonByNameDob(first_name="Thomas", last_name="O'Brien", date_of_birth=date(1972, 11, 5))
        )
        assert [p.id for p in people.people] == [clinic.patients["tom"]]
        day = clinic.days[0]
        slots = await conn.list_free_slots(ListFreeSlots(start_date=day, end_date=day))
        first, second = slots.slots[0], slots.slots[1]
        booked = await conn.book_appointment(
            BookAppointment(
                person_id=clinic.patients["tom"],
                slot_id=first.id,
                reason="check",
                idempotency_key=idempotency_key(),
            )
        )
        moved = await conn.reschedule_appointment(
            RescheduleAppointment(
                appointment_id=booked.id, new_slot_id=second.id, idempotency_key=idempotency_key()
            )
        )
        listed = await conn.list_appointments(ListAppointments(person_id=clinic.patients["tom"]))
        assert moved.id in {a.id for a in listed.appointments}
        cancelled = await conn.cancel_appointment(
            CancelAppointment(appointment_id=moved.id, idempotency_key=idempotency_key())
        )
        assert cancelled.status == "cancelled"
    finally:
        await conn.aclose()


async def test_the_local_server_enforces_scopes(fhir_server: FhirServer, clinic: Clinic) -> None:
    # Without `u` on Slot, booking (which marks the slot busy in the same transaction) is refused:
    # so the test above proves the connector needs no more than SCOPES_USED.
    narrower = SCOPES_USED.replace("system/Slot.rsu", "system/Slot.rs")
    conn = FhirConnector(fhir_server.base_url, auth=_smart(fhir_server, narrower), timezone=TZ, policy=FAST)
    try:
        day = clinic.days[0]
        slot = (await conn.list_free_slots(ListFreeSlots(start_date=day, end_date=day))).slots[0]
        with pytest.raises(ConnectorError) as info:
            await conn.book_appointment(
                BookAppointment(
                    person_id=clinic.patients["tom"],
                    slot_id=slot.id,
                    reason="x",
                    idempotency_key=idempotency_key(),
                )
            )
        assert "scope does not allow u on Slot" in str(info.value.detail)
    finally:
        await conn.aclose()


def test_settings_default_asks_for_the_scopes_used(fhir_server: FhirServer, tmp_path) -> None:
    from gateway.settings import Settings

    key = tmp_path / "key.pem"
    key.write_bytes(fhir_server.rsa.private_pem)
    settings = Settings(
        connector="fhir",
        fhir_base_url=fhir_server.base_url,
        fhir_client_id=fhir_server.rsa.client_id,
        fhir_private_key_path=key,
        fhir_key_id=fhir_server.rsa.kid,
    )
    assert settings.fhir_scope is None
    conn = build_fhir_connector(settings)
    assert isinstance(conn.client._auth, SmartBackendAuth)
    assert conn.client._auth.scope == SCOPES_USED
