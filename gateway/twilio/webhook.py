"""Twilio's HTTP webhooks: the incoming-call webhook answering TwiML, and call status callbacks.

Both are signed by Twilio; anything unsigned or forged gets 403 and a `security.rejected` audit
event on the system chain, and nothing else happens.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from twilio.twiml.voice_response import Connect, VoiceResponse

from agents.events import EventKind
from gateway.services import Services
from gateway.store.audit import SYSTEM_CHAIN
from gateway.twilio import signatures, tokens

STREAM_PATH = "/twilio/stream"
_ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}


def twiml_response(twiml: str, status_code: int = 200) -> Response:
    return Response(twiml, status_code=status_code, media_type="application/xml")


async def signed_params(request: Request, services: Services) -> dict[str, str] | None:
    """The POST form fields when the signature matches; None (already audited) when it does not."""
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    token = services.settings.twilio_auth_token
    urls = signatures.candidate_urls(
        public_url=services.settings.public_url,
        path=request.url.path,
        query=request.url.query,
        headers=request.headers,
        request_scheme=request.url.scheme,
        websocket=False,
    )
    signature = request.headers.get("x-twilio-signature")
    if signatures.is_valid(token.get_secret_value() if token else "", urls, params, signature):
        return params
    await audit_rejection(
        services, request.url.path, request.client, "missing signature" if not signature else "bad signature"
    )
    return None


async def audit_rejection(
    services: Services, path: str, client: object, reason: str, **extra: object
) -> None:
    remote = getattr(client, "host", None)
    await services.audit.append(
        SYSTEM_CHAIN,
        EventKind.SECURITY,
        "system",
        {"path": path, "reason": reason, "remote": remote, **extra},
    )


def stream_url(request: Request, services: Services) -> str:
    """Where Twilio should open the media stream: behind a proxy, the host the caller-facing side uses."""
    forwarded_host = request.headers.get("x-forwarded-host")
    if forwarded_host:
        proto = (request.headers.get("x-forwarded-proto") or "https").split(",")[0].strip().lower()
        scheme = "ws" if proto in ("http", "ws") else "wss"
        return f"{scheme}://{forwarded_host.split(',')[0].strip()}{STREAM_PATH}"
    return services.settings.public_ws_url + STREAM_PATH


def caller_id_attestation(stir_verstat: str | None) -> str | None:
    """The STIR/SHAKEN level Twilio verified for the caller ID ("TN-Validation-Passed-A" -> "A"),
    or None: not signed, or the signature failed ("TN-Validation-Failed-A", "No-TN-Validation")."""
    prefix = "TN-Validation-Passed-"
    if stir_verstat and stir_verstat.startswith(prefix) and stir_verstat[len(prefix) :] in ("A", "B", "C"):
        return stir_verstat[len(prefix) :]
    return None


async def incoming_call(request: Request) -> Response:
    services: Services = request.app.state.services
    params = await signed_params(request, services)
    if params is None:
        return Response("forbidden", status_code=403, media_type="text/plain")
    call_sid = params.get("CallSid", "").strip()
    if not call_sid:
        return Response("CallSid is required", status_code=400, media_type="text/plain")
    conversations = services.conversations
    conversation = await conversations.find_by_external_id(call_sid)
    if conversation is None:
        attestation = caller_id_attestation(params.get("StirVerstat"))
        conversation = await conversations.open(
            "voice",
            caller_phone=params.get("From") or None,
            external_id=call_sid,
            meta={"to": params.get("To"), "direction": params.get("Direction")},
            caller_id_attestation=attestation,
            caller_id_trusted=attestation == "A"
            or not services.settings.identity_caller_id_needs_attestation,
        )
    token = await tokens.issue(services.db, conversation.id)
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url(request, services), name="frontdesk")
    stream.parameter(name="token", value=token)
    response.append(connect)
    return twiml_response(str(response))


async def call_status(request: Request) -> Response:
    services: Services = request.app.state.services
    params = await signed_params(request, services)
    if params is None:
        return Response("forbidden", status_code=403, media_type="text/plain")
    call_sid = params.get("CallSid", "")
    status = params.get("CallStatus", "")
    conversation = await services.conversations.find_by_external_id(call_sid) if call_sid else None
    if conversation is None:
        return twiml_response(str(VoiceResponse()))
    payload = {"source": "status_callback", "call_status": status}
    if params.get("CallDuration"):
        payload["call_duration_s"] = params["CallDuration"]
    await services.audit.append(conversation.id, EventKind.CALL_EVENT, "system", payload)
    if status in _ENDED and not conversation.closed:
        await conversation.close(f"call {status}")
    return twiml_response(str(VoiceResponse()))
