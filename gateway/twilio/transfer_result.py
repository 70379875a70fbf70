"""`POST /twilio/transfer-result?conversation=<id>`: how a transfer's `<Dial>` went (its `action`).

Twilio requests it when the dialled leg ends, signed like every webhook (403 and a
`security.rejected` event otherwise). `DialCallStatus` completed or answered: staff took the call
and it is over, so the answer hangs up. no-answer, busy, failed or canceled: nobody took it, and
the caller must not be left with a dead line; the answer connects the call back to the assistant:
`<Connect><Stream>` with a fresh stream token and a `follows` parameter naming the conversation
that was transferred. The stream opens a new conversation linked to it (meta `follows`, its own
audit chain; the first one closed when its stream stopped), whose opening is
`agents.staff_hours.offer_after_no_answer`: nobody could take the call, would they like to leave a
message. The outcome goes on the transferred conversation's chain (`call.event`
`transfer_answered` / `transfer_not_answered`, and `handoff.unanswered` with `why` the dial status
when its waiting handoff is resolved so). A repeated request gets the same follow-up and token
until its stream has started, then 409.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection, select, update
from twilio.twiml.voice_response import Connect, VoiceResponse

from agents.api import AgentOutput, ReplyDelta
from agents.events import EventKind
from agents.staff_hours import offer_after_no_answer
from gateway.conversation import Conversation
from gateway.deps import ServicesDep
from gateway.reply import Reply
from gateway.services import Services
from gateway.statuses import HandoffStatus
from gateway.store.models import ConversationRow, HandoffRow
from gateway.twilio import tokens
from gateway.twilio.edge import issued_here
from gateway.twilio.webhook import audit_rejection, signed_params, stream_url, twiml_response

ANSWERED = {"completed", "answered"}
NOT_ANSWERED = {"no-answer", "busy", "failed", "canceled"}
FOLLOWS = "follows"  # the stream parameter (and meta key) naming the transferred conversation
_CALL_OVER = {"completed", "busy", "failed", "no-answer", "canceled"}  # the caller's own leg
_HANDOFFS = HandoffRow.__table__


def _text(body: str, status_code: int) -> Response:
    return Response(body, status_code=status_code, media_type="text/plain")


def _call_sid_of(row: ConversationRow) -> str | None:
    """The Twilio call a conversation belongs to (a follow-up keeps it in its meta)."""
    meta = row.meta or {}
    return str(meta.get("call_sid") or row.external_id or "") or None


async def transfer_result(request: Request, services: ServicesDep) -> Response:
    params = await signed_params(request, services)
    if params is None:
        return _text("forbidden", 403)
    conversation_id = request.query_params.get("conversation", "")
    dial_status = params.get("DialCallStatus", "").strip()
    call_sid = params.get("CallSid", "").strip()
    if not conversation_id or not call_sid or dial_status not in ANSWERED | NOT_ANSWERED:
        return _text("conversation, CallSid and a known DialCallStatus are required", 400)
    async with services.db.session() as s:
        row = await s.get(ConversationRow, conversation_id)
    if row is None or _call_sid_of(row) != call_sid:
        await audit_rejection(
            services, request.url.path, request.client, "transfer result for another call", call_sid=call_sid
        )
        return _text("no such transferred call", 404)
    outcome: dict[str, Any] = {"dial_call_status": dial_status, "call_status": params.get("CallStatus")}
    if params.get("DialCallDuration"):
        outcome["dial_call_duration_s"] = params["DialCallDuration"]
    if dial_status in ANSWERED:
        await services.audit.append(
            row.id, EventKind.CALL_EVENT, "system", {"event": "transfer_answered", **outcome}
        )
        hang_up = VoiceResponse()
        hang_up.hangup()
        return twiml_response(str(hang_up))
    await services.audit.append(
        row.id, EventKind.CALL_EVENT, "system", {"event": "transfer_not_answered", **outcome}
    )
    await _resolve_handoff(services, row.id, dial_status)
    if params.get("CallStatus") in _CALL_OVER:  # the caller hung up while it rang: nobody to talk to
        return twiml_response(str(VoiceResponse()))
    return await _back_to_the_assistant(request, services, row, call_sid)


async def _resolve_handoff(services: Services, conversation_id: str, dial_status: str) -> None:
    """The transferred conversation's waiting handoff is over: nobody picked up (a conditional
    update: a member of staff claiming it in the console meanwhile wins)."""
    note = f"Nobody answered the transferred call ({dial_status}): the assistant offered to take a message."

    def resolve(conn: Connection) -> list[int]:
        waiting = conn.execute(
            select(_HANDOFFS.c.id).where(
                _HANDOFFS.c.conversation_id == conversation_id, _HANDOFFS.c.status == HandoffStatus.WAITING
            )
        ).scalars()
        resolved = []
        for handoff_id in list(waiting):
            done = conn.execute(
                update(_HANDOFFS)
                .where(_HANDOFFS.c.id == handoff_id, _HANDOFFS.c.status == HandoffStatus.WAITING)
                .values(status=HandoffStatus.RESOLVED, resolution_note=note, resolved_at=datetime.now(UTC))
            )
            if done.rowcount:
                resolved.append(int(handoff_id))
        return resolved

    for handoff_id in await services.db.run_write(resolve):
        await services.audit.append(
            conversation_id,
            EventKind.HANDOFF_UNANSWERED,
            "system",
            {"handoff": handoff_id, "why": dial_status},
        )


async def _back_to_the_assistant(
    request: Request, services: Services, row: ConversationRow, call_sid: str
) -> Response:
    """TwiML connecting the call to a new stream, whose conversation follows `row`."""
    conversations = services.conversations
    external_id = f"{FOLLOWS}:{row.id}"  # one follow-up per transferred conversation, also when repeated
    follow_up = await conversations.find_by_external_id(external_id)
    if follow_up is None:
        state = row.state or {}
        follow_up = await conversations.open(
            "voice",
            caller_phone=row.caller_phone,
            external_id=external_id,
            meta={FOLLOWS: row.id, "call_sid": call_sid, "to": (row.meta or {}).get("to")},
            caller_id_attestation=state.get("caller_id_attestation"),
            caller_id_trusted=bool(state.get("caller_id_trusted", True)),
        )
    if follow_up.closed:
        await audit_rejection(
            services, request.url.path, request.client, "call already ended", call_sid=call_sid
        )
        return _text("this call has ended", 409)
    try:
        token = await tokens.issue(
            services.db, follow_up.id, services.settings.session_secret_value(), issued_here(services)
        )
    except tokens.TokenRefused as exc:  # a repeated request after the stream started
        await audit_rejection(services, request.url.path, request.client, str(exc), call_sid=call_sid)
        return _text("the media stream of this call has started", 409)
    services.drain.expect(follow_up.id)
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url(services), name="frontdesk")
    stream.parameter(name="token", value=token)
    stream.parameter(name=FOLLOWS, value=row.id)
    response.append(connect)
    return twiml_response(str(response))


async def follows(services: Services, conversation: Conversation, claimed: str | None) -> str | None:
    """The conversation `conversation` follows, when its stream says so (`claimed`, the stream's
    `follows` parameter) and its record agrees; None for an ordinary call."""
    if not claimed:
        return None
    if conversation.external_id == f"{FOLLOWS}:{claimed}":
        # Opened as this follow-up (`_back_to_the_assistant`): known without a read, which a
        # stream starting while the database is away could not make.
        return claimed
    async with services.db.session() as s:
        meta = await s.scalar(select(ConversationRow.meta).where(ConversationRow.id == conversation.id))
    return claimed if (meta or {}).get(FOLLOWS) == claimed else None


def nobody_answered(conversation: Conversation, notice: str | None) -> Reply:
    """The follow-up's opening: the recording notice (a new recording begins), then the offer."""
    return conversation.agent_says(_after(notice, offer_after_no_answer(conversation.state)))


async def _after(
    notice: str | None, outputs: AsyncGenerator[AgentOutput, None]
) -> AsyncGenerator[AgentOutput, None]:
    if notice:
        yield ReplyDelta(notice.strip() + " ")
    async for out in outputs:
        yield out
