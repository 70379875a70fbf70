"""`GET /twilio/calls/{CallSid}/turns`: what the gateway heard and said on a call, with timings.

For the call simulator and the latency bench: a caller only hears audio, so to print what was
transcribed they ask the gateway. The request is signed like a Twilio webhook (X-Twilio-Signature
over the URL), so only holders of the Twilio auth token, who can already read the call's
recordings at Twilio, can read it; anything else gets 403 and a `security.rejected` event.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from agents.events import EventKind
from gateway.deps import ServicesDep
from gateway.store.transcripts import conversation_of_call, load_conversation
from gateway.twilio.webhook import signed_params


async def call_turns(call_sid: str, request: Request, services: ServicesDep) -> Response:
    if await signed_params(request, services) is None:
        return Response("forbidden", status_code=403, media_type="text/plain")
    conversation_id = await conversation_of_call(services.db, call_sid)
    detail = None if conversation_id is None else await load_conversation(services.db, conversation_id)
    if detail is None:
        return JSONResponse({"error": f"no call {call_sid}"}, status_code=404)
    turn_list = [
        {
            "seq": t.seq,
            "speaker": t.speaker,
            "text": t.text,
            "heard_text": t.heard_text,
            "interrupted": t.interrupted,
            "meta": t.meta,
        }
        for t in detail.turns
    ]
    recording_list = [
        {"path": r.path, "duration_s": r.duration_s, "channels": r.channels} for r in detail.recordings
    ]
    events = await services.audit.events(detail.row.id)
    call_events = [e.payload for e in events if e.kind == EventKind.CALL_EVENT]
    return JSONResponse(
        {
            "conversation_id": detail.row.id,
            "status": detail.row.status,
            "turns": turn_list,
            "timings": [p for p in call_events if p.get("event") == "turn_timing"],
            "call_events": [p for p in call_events if p.get("event") != "turn_timing"],
            "recordings": recording_list,
        }
    )
