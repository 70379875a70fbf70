"""Audit before disclosure on a call: a real gateway, the real speech models, and a database that
refuses to store the audit event of the appointment lookup (a trigger that raises). The caller
is verified, asks for their appointment, and hears an apology and a transfer offer, never the
appointment; their yes transfers the call."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateway.clients.call_simulator import CallSimulator, dtmf_turn, text_turns
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import ConversationRow, HandoffRow
from tests.gateway.audit_outage import AuditOutage
from tests.gateway.twilio.conftest import AUTH_TOKEN

pytestmark = pytest.mark.slow

JAMES_PHONE = "+15035550104"  # James Wilson, born 1965-01-30: one seeded visit, with Dr. Marcus Chen


async def _conversation(settings, call_sid: str):
    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            row = (
                await s.execute(select(ConversationRow).where(ConversationRow.external_id == call_sid))
            ).scalar_one()
            handoffs = list(
                (await s.execute(select(HandoffRow).where(HandoffRow.conversation_id == row.id))).scalars()
            )
        log = AuditLog(db)
        return row, handoffs, await log.events(row.id), (await log.verify()).ok
    finally:
        await db.close()


def test_an_appointment_not_on_record_is_never_spoken(
    voice_settings, live_server_factory, caller_tts, twilio_rest
):
    server = live_server_factory(voice_settings)
    outage = AuditOutage(voice_settings.database_url)

    async def call():
        ask, yes = await text_turns(["When is my next appointment?", "Yes, please."], caller_tts)
        await outage.start("agent.tool_call", "list_appointments")
        try:
            simulator = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=JAMES_PHONE)
            # The caller stays on the line through the transfer notice, until Twilio is asked to
            # transfer (or 30 s pass and the assertion below fails).
            transferred = asyncio.Event()

            async def on_transfer() -> None:
                await asyncio.to_thread(twilio_rest.received.wait, 30)
                transferred.set()

            waiting = asyncio.create_task(on_transfer())
            report = await simulator.run([ask, dtmf_turn("01301965#"), yes], hold=transferred)
            await waiting
            return report
        finally:
            await outage.end()
            await outage.close()

    report = asyncio.run(call())
    bot = [t.bot or "" for t in report.turns]
    spoken = " ".join(t["text"] for t in report.transcript["turns"] if t["speaker"] == "bot")
    assert "date of birth" in bot[0].lower(), bot
    assert report.turns[1].transcribed == "01/30/1965"
    assert bot[1] == (
        "I'm sorry, something went wrong on our side. Would you like me to transfer you to a member of our team?"
    ), bot
    assert "Chen" not in spoken and "2:30" not in spoken, spoken
    [update] = twilio_rest.snapshot()  # the yes transferred the call
    assert update.call_sid == report.call_sid
    _row, handoffs, events, chain_ok = asyncio.run(_conversation(voice_settings, report.call_sid))
    kinds = [e.kind for e in events]
    assert "agent.identity_verified" in kinds and [h.status for h in handoffs] == ["waiting"]
    assert "list_appointments" not in [e.payload.get("tool") for e in events if e.kind == "agent.tool_call"]
    assert chain_ok
