"""The EMR failing under a booking conversation: the factory's agent (offline planner) books through
the FHIR connector, whose requests go through `FaultProxy` in front of the local FHIR server.

For each fault on the booking's transaction (`POST /`): 500s, 429 with Retry-After, a timeout
after the server committed, a connection reset before and after the server committed. Whatever
happens: the slot holds at most one appointment (exactly one when the caller heard "booked"),
every booking the caller heard about was read back (`agent.validation` ok), and a booking that
could not be made is one plain sentence plus the offer to transfer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from agents.api import ConversationState, ReplyDelta, UserTurn
from agents.events import EventKind, MemoryAuditSink
from agents.factory import build_agent
from agents.replies import OFFER_TRANSFER
from agents.runtime import AgentRuntime
from connectors.fhir import FhirConnector, StaticBearer
from connectors.resilience import ResiliencePolicy
from tests.connectors.conftest import TZ_NAME
from tests.connectors.fhir.conftest import STATIC_TOKEN, TZ, Clinic, FhirServer
from tests.fakes.fault_proxy import Fault, FaultProxy

# Short but production-shaped: 1 s per attempt, 3 attempts, Retry-After honoured up to 5 s.
POLICY = ResiliencePolicy(
    timeout_s=1.0,
    attempts=3,
    backoff_initial_s=0.05,
    jitter_s=0.0,
    max_retry_after_s=5.0,
    breaker_threshold=50,
)


@pytest.fixture(scope="module")
def proxy(fhir_server: FhirServer) -> Iterator[FaultProxy]:
    with FaultProxy(fhir_server.base_url) as p:
        yield p


@pytest.fixture
async def emr(proxy: FaultProxy, clinic: Clinic) -> AsyncIterator[FhirConnector]:
    proxy.clear()
    conn = FhirConnector(proxy.url, auth=StaticBearer(STATIC_TOKEN), timezone=TZ, policy=POLICY)
    yield conn
    await conn.aclose()
    proxy.clear()


class Booking:
    """Thomas O'Brien books Dr. Okafor at 10 AM on the first seeded day, with the offline agent."""

    def __init__(self, emr: FhirConnector, clinic: Clinic) -> None:
        self.audit = MemoryAuditSink()
        self.agent: AgentRuntime = build_agent(
            connector=emr, audit=self.audit, timezone=TZ_NAME, business_name="Bayview Clinic"
        )
        self.state = ConversationState(conversation_id="fhir-faults", channel="voice")
        self.clinic = clinic
        self.day = clinic.days[0]
        self.slot_id = clinic.slot("okafor", self.day, 10)

    async def say(self, text: str) -> str:
        turn = UserTurn(text=text, channel="voice")
        return " ".join(
            [o.text async for o in self.agent.respond(self.state, turn) if isinstance(o, ReplyDelta)]
        )

    async def up_to_the_yes(self) -> None:
        [o async for o in self.agent.greet(self.state)]
        await self.say(f"I'd like an appointment with Dr. Okafor on {self.day:%B} {self.day.day} at 10 am")
        reply = await self.say("Thomas O'Brien, born November 5th 1972")
        assert "Shall I go ahead" in reply, reply

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [p for _, k, _, p in self.audit.events if k == kind]


async def _stored(fhir_server: FhirServer, slot_id: str) -> tuple[str, list[str]]:
    """The slot's status and the booked appointments on it, read straight from the server."""
    headers = {"Authorization": f"Bearer {STATIC_TOKEN}"}
    async with httpx.AsyncClient(base_url=fhir_server.base_url, headers=headers, timeout=10) as raw:
        slot = (await raw.get(f"/Slot/{slot_id}")).json()
        bundle = (await raw.get(f"/Appointment?slot=Slot/{slot_id}")).json()
    booked = [e["resource"]["id"] for e in bundle.get("entry", []) if e["resource"]["status"] != "cancelled"]
    return slot["status"], booked


def _assert_booked_once(booking: Booking, reply: str, stored: tuple[str, list[str]]) -> None:
    status, booked = stored
    assert "booked" in reply.lower(), reply
    assert status == "busy" and len(booked) == 1, stored
    [validation] = booking.events(EventKind.VALIDATION)  # read back before the caller heard it
    assert validation["ok"] is True, validation


def _assert_not_booked_and_offered(booking: Booking, reply: str, stored: tuple[str, list[str]]) -> None:
    assert stored == ("free", []), stored
    assert reply.endswith(OFFER_TRANSFER), reply
    said = reply.removesuffix(OFFER_TRANSFER).strip()
    assert said and said.count(".") == 1 and "HTTP" not in said and "500" not in said, said
    assert booking.state.data["agent"]["transfer_offered"], booking.state.data["agent"]
    assert not booking.events(EventKind.VALIDATION)  # nothing written, nothing claimed


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", status=500, times=None, method="POST", path="/"),
        Fault("reset_before", times=None, method="POST", path="/"),
        Fault(
            "status", status=429, retry_after="30", times=1, method="POST", path="/"
        ),  # longer than we wait
    ],
    ids=["500-always", "reset-always", "429-retry-after-too-long"],
)
async def test_a_booking_the_emr_refuses_is_a_plain_sentence_and_an_offer_to_transfer(
    fault: Fault, proxy: FaultProxy, emr: FhirConnector, clinic: Clinic, fhir_server: FhirServer
) -> None:
    booking = Booking(emr, clinic)
    await booking.up_to_the_yes()
    proxy.add(fault)
    started = time.monotonic()
    reply = await booking.say("yes please")
    took = time.monotonic() - started
    _assert_not_booked_and_offered(booking, reply, await _stored(fhir_server, booking.slot_id))
    assert took < POLICY.attempts * POLICY.timeout_s + 2.0, took
    assert proxy.faulted[fault.action] >= 1
    print(f"\nEMR {fault.action} {fault.status}: {took:.2f} s, {reply!r}")


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", status=500, times=1, method="POST", path="/"),
        Fault("status", status=429, retry_after="1", times=1, method="POST", path="/"),
        Fault("delay_after", delay_s=2.5, times=1, method="POST", path="/"),  # committed, the answer too late
        Fault("reset_after", times=1, method="POST", path="/"),  # committed, the answer lost
        Fault("reset_before", times=1, method="POST", path="/"),
        Fault("status", status=503, times=2, method="GET", path="/Slot*"),  # the read before the write
    ],
    ids=[
        "500-once",
        "429-retry-after-1",
        "timeout-after-commit",
        "reset-after-commit",
        "reset-once",
        "503-read",
    ],
)
async def test_a_passing_fault_books_exactly_once_and_reads_it_back(
    fault: Fault, proxy: FaultProxy, emr: FhirConnector, clinic: Clinic, fhir_server: FhirServer
) -> None:
    booking = Booking(emr, clinic)
    await booking.up_to_the_yes()
    proxy.add(fault)
    started = time.monotonic()
    reply = await booking.say("yes please")
    took = time.monotonic() - started
    assert proxy.faulted[fault.action] >= 1, proxy.hits
    if fault.action in ("delay_after",):
        fhir_server.wait_idle()
    _assert_booked_once(booking, reply, await _stored(fhir_server, booking.slot_id))
    if fault.retry_after == "1":
        assert took >= 1.0, took  # Retry-After honoured
    print(
        f"\nEMR {fault.action} {fault.status if fault.action == 'status' else ''}: {took:.2f} s, booked once"
    )


async def test_a_write_that_lands_after_the_caller_was_told_it_failed_is_flagged_not_repeated(
    proxy: FaultProxy, clinic: Clinic, fhir_server: FhirServer
) -> None:
    """Every attempt's transaction reaches the server only after the connector gave up on it (the
    proxy holds each 1.5 s, the timeout is 0.5 s): the caller hears the plain sentence and the
    offer; then the first attempt commits, the later ones clash on the slot's version. One
    appointment, carrying the audited intent's key, and whoever takes over is told to look first."""
    policy = ResiliencePolicy(
        timeout_s=0.5, attempts=2, backoff_initial_s=0.05, jitter_s=0.0, breaker_threshold=50
    )
    emr = FhirConnector(proxy.url, auth=StaticBearer(STATIC_TOKEN), timezone=TZ, policy=policy)
    proxy.clear()
    try:
        booking = Booking(emr, clinic)
        await booking.up_to_the_yes()
        proxy.add(Fault("delay_before", delay_s=1.5, times=None, method="POST", path="/"))
        reply = await booking.say("yes please")
        assert reply.endswith(OFFER_TRANSFER) and "booked" not in reply.lower(), reply
        deadline = time.monotonic() + 15
        while not proxy.idle():  # the held transactions reach the server
            assert time.monotonic() < deadline, "the proxy still holds requests"
            await asyncio.sleep(0.05)
        fhir_server.wait_idle()
        status, booked = await _stored(fhir_server, booking.slot_id)
        assert status == "busy" and len(booked) == 1, (status, booked)  # landed late, once
        [intent] = booking.events(EventKind.WRITE_INTENT)
        key = intent["request"]["idempotency_key"]
        headers = {"Authorization": f"Bearer {STATIC_TOKEN}"}
        async with httpx.AsyncClient(base_url=fhir_server.base_url, headers=headers, timeout=10) as raw:
            stored = (await raw.get(f"/Appointment/{booked[0]}")).json()
        assert {"system": "urn:frontdesk:idempotency", "value": key} in stored["identifier"]
        # The caller takes the transfer: staff are told the booking may exist, under which key.
        await booking.say("yes")
        [handoff] = booking.events(EventKind.HANDOFF)
        assert "may still have been made" in handoff["summary"] and key in handoff["summary"], handoff
    finally:
        await emr.aclose()
        proxy.clear()
