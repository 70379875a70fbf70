"""After-call work with the EMR as the conversations' own connector (FRONTDESK_CONNECTOR=fhir, the
real FHIR server of tests/connectors/fhir): a verified visitor hands over to staff and leaves; the
gateway keeps the call's summary as a Communication about the Patient and the unfinished request
as a Task for them. FHIR holds no lead, so none is queued."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import make_settings
from tests.connectors.fhir.conftest import STATIC_TOKEN, Clinic, FhirServer
from tests.gateway.after_call.conftest import chat, settled
from tests.gateway.chat.conftest import start_server, stop_server


async def test_a_handed_over_chat_leaves_a_communication_and_a_task(
    fhir_server: FhirServer, clinic: Clinic, raw: httpx.AsyncClient, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path,
        connector="fhir",
        fhir_base_url=fhir_server.base_url,
        fhir_token=STATIC_TOKEN,
        after_call_poll_s=0.2,
        chat_abandoned_after_s=1.0,
    )
    server = await start_server(settings)
    try:
        cid = await chat(
            server,
            "I need to cancel an appointment",
            "Thomas O'Brien, born November 5 1972",
            "can I talk to a person",
        )
        rows = await settled(server, cid)
    finally:
        await stop_server(server)
    assert {k: r.status for k, r in rows.items()} == {"note": "done", "case": "done", "task": "skipped"}
    tom = f"Patient/{clinic.patients['tom']}"
    (communication,) = (await raw.get("/Communication", params={"subject": tom})).json()["entry"]
    assert communication["resource"]["id"] == rows["note"].result_id
    assert (
        "Caller: Thomas O'Brien, identity verified."
        in communication["resource"]["payload"][0]["contentString"]
    )
    (task,) = (await raw.get("/Task", params={"patient": tom})).json()["entry"]
    assert task["resource"]["id"] == rows["case"].result_id
    assert task["resource"]["description"].startswith("Unfinished request from Thomas O'Brien: handed over")
