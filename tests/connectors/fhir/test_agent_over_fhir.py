"""The offline agent books and cancels through the FHIR connector, end to end against the local
FHIR server: the same tools, policy and read-back as with the demo practice."""

from __future__ import annotations

from agents.api import ConversationState, ReplyDelta, UserTurn
from agents.events import EventKind, MemoryAuditSink
from agents.factory import build_agent
from connectors.base import ListAppointments
from connectors.fhir import FhirConnector
from tests.connectors.conftest import TZ_NAME
from tests.connectors.fhir.conftest import Clinic


async def _say(agent, state: ConversationState, text: str) -> str:  # type: ignore[no-untyped-def]
    out = [
        o.text
        async for o in agent.respond(state, UserTurn(text=text, channel="chat"))
        if isinstance(o, ReplyDelta)
    ]
    return " ".join(out)


async def test_book_then_cancel_through_fhir(connector: FhirConnector, clinic: Clinic) -> None:
    audit = MemoryAuditSink()
    agent = build_agent(connector=connector, audit=audit, timezone=TZ_NAME, business_name="Bayview Clinic")
    state = ConversationState(conversation_id="fhir-e2e", channel="chat")
    [o async for o in agent.greet(state)]
    day = clinic.days[0]
    when = f"{day:%B} {day.day}"

    await _say(agent, state, f"I'd like an appointment with Dr. Okafor on {when} at 10 am")
    reply = await _say(agent, state, "Thomas O'Brien, born November 5th 1972")
    assert "10 AM" in reply and "Shall I go ahead" in reply, reply
    done = await _say(agent, state, "yes please")
    assert "booked" in done.lower(), done

    booked = await connector.list_appointments(ListAppointments(person_id=clinic.patients["tom"]))
    [appointment] = [a for a in booked.appointments if a.status == "booked"]
    assert appointment.provider_id == clinic.practitioners["okafor"]
    assert appointment.start.astimezone(appointment.start.tzinfo).hour == 10
    assert appointment.start.date() == day

    await _say(agent, state, "actually, please cancel that appointment")
    cancelled = await _say(agent, state, "yes")
    assert "cancelled" in cancelled.lower(), cancelled
    after = await connector.list_appointments(ListAppointments(person_id=clinic.patients["tom"]))
    assert all(a.status != "booked" for a in after.appointments)
    kinds = [kind for _, kind, _, _ in audit.events]
    assert EventKind.IDENTITY_VERIFIED in kinds and EventKind.VALIDATION in kinds
