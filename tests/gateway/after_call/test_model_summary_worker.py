"""The model-written summary on the worker's real path: a booked conversation through the gateway's
core, its note written in HubSpot by the after-call worker with the model client pointed at the
local OpenAI-compatible server. A faithful model summary is what the note says; one that invents
an appointment is refused, the deterministic summary is written, and the audit event names what
the model made up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from agents.api import UserTurn
from gateway.after_call.model_summary import WEEKDAYS
from gateway.after_call.setup import build_after_call
from gateway.services import Services
from gateway.settings import Settings
from tests.conftest import make_settings, prepare_database
from tests.fakes.hubspot_server import FakeHubSpot, RunningFake
from tests.fakes.openai_server import FakeOpenAIServer, Say
from tests.gateway.after_call.conftest import VERIFY

# A weekday the record cannot hold: not today or tomorrow (the conversation) nor Wednesday (the booking).
_NOW = datetime.now(ZoneInfo(Settings.model_fields["timezone"].default))
_TAKEN = {_NOW.weekday(), (_NOW + timedelta(days=1)).weekday(), 2}
OTHER_DAY = next(d for n, d in enumerate(WEEKDAYS) if n not in _TAKEN)
BOOKING = [
    "Hi, I need to make an appointment",
    VERIFY,
    "with Dr. Chen next Wednesday afternoon",
    "the first one",
    "yes",
]


@pytest.fixture(scope="module")
def hubspot() -> Iterator[RunningFake]:
    fake = FakeHubSpot()
    fake.add("contacts", {"firstname": "Charlotte", "lastname": "Clark", "phone": "(503) 555-0117"})
    with RunningFake(fake) as running:
        yield running


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


async def booked_conversation(services: Services) -> str:
    """A chat through the core (offline planner), closed with its note queued."""
    services.conversations.after_call_kinds = ("note",)
    conversation = await services.conversations.open("chat")
    async for _ in conversation.greet():
        pass
    for text in BOOKING:
        async for _ in conversation.user_turn(UserTurn(text=text, channel="chat")):
            pass
    await conversation.close("visitor said goodbye")
    return conversation.id


def with_model(settings: Settings, hubspot: RunningFake, model: FakeOpenAIServer) -> Settings:
    return settings.model_copy(
        update={
            "after_call_crm": "hubspot",
            "hubspot_access_token": SecretStr(hubspot.fake.token),
            "hubspot_base_url": hubspot.url,
            "llm_base_url": model.base_url,
            "llm_max_retries": 0,
        }
    )


@pytest.mark.parametrize(
    ("said", "source", "rejected"),
    [
        ("Charlotte Clark booked an appointment with Dr. Marcus Chen.", "model", None),
        (
            f"Charlotte Clark booked with Dr. Chen, and with Dr. Smith on {OTHER_DAY.capitalize()} at 7:10 AM.",
            "deterministic",
            ["7:10 AM", OTHER_DAY, "Dr. Smith"],
        ),
    ],
)
async def test_the_note_carries_the_model_summary_only_when_it_holds(
    tmp_path: Path,
    hubspot: RunningFake,
    model: FakeOpenAIServer,
    said: str,
    source: str,
    rejected: list[str] | None,
) -> None:
    settings = make_settings(tmp_path)  # the conversation: offline planner, demo practice
    await prepare_database(settings)
    services = await Services.start(settings)
    try:
        cid = await booked_conversation(services)
        model.reset()
        model.push(Say(said))
        after_call = await build_after_call(
            with_model(settings, hubspot, model), services.db, services.audit, services.connector
        )
        assert after_call is not None and after_call.model is not None
        try:
            assert await after_call.worker.run_once() == 1
        finally:
            await after_call.close()
        events = [e for e in await services.audit.events(cid) if e.kind == "after_call.done"]
    finally:
        await services.stop()
    key = f"after-call:{cid}:note"
    (note,) = [
        n for n in hubspot.fake.created("notes") if n["properties"]["frontdesk_idempotency_key"] == key
    ]
    body = note["properties"]["hs_note_body"]
    (done,) = [e.payload for e in events]
    assert done["summary_source"] == source and done["summary"] == body
    assert done.get("model_summary_rejected") == rejected
    if source == "model":
        assert body == said
    else:
        assert "Done: booked an appointment with Dr. Marcus Chen on" in body and "Smith" not in body
