"""Twilio's HTTP webhooks: the incoming-call webhook answering TwiML, and call status callbacks.

Both are signed by Twilio; anything unsigned or forged gets 403 and a `security.rejected` audit
event on the system chain (aggregated per client address, gateway/rejections.py), and nothing else
happens. Signatures are checked against `FRONTDESK_PUBLIC_URL` only, and the stream URL in the
TwiML is built from it: request headers (Host, X-Forwarded-Host) choose neither. A call gets one
stream token: a replayed webhook gets the same token back while the stream has not started, and
409 once it has. A status callback that says a call ended, for a call this process does not hold,
while the database is away is kept in the turn spool and applied once it is back (Twilio does not
retry it). A new call while the database is away is answered all the same while the turn spool has
room (its conversation's row and its stream token go there, gateway/store/open_writes.py), with
one replica: with several (Redis) its stream may reach another replica, which could not check its
token, so it is refused as without a spool: staff, or "call back".
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response
from twilio.twiml.voice_response import Connect, VoiceResponse

from agents.events import EventKind
from gateway.conversation import Conversation
from gateway.deps import ServicesDep
from gateway.logging import get_logger
from gateway.services import Services
from gateway.store.audit import SYSTEM_CHAIN, AuditWriteError
from gateway.store.call_writes import call_status_row
from gateway.store.db import unreachable
from gateway.store.spool_file import SpoolFull
from gateway.twilio import draining, signatures, tokens
from gateway.twilio.edge import issued_here

log = get_logger(__name__)

STREAM_PATH = "/twilio/stream"
_ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}


def twiml_response(twiml: str, status_code: int = 200) -> Response:
    return Response(twiml, status_code=status_code, media_type="application/xml")


async def signed_params(request: Request, services: Services) -> dict[str, str] | None:
    """The request's parameters when the signature matches; None (already audited) when it does not.

    Form posts (what Twilio sends to voice and status webhooks) are signed over the URL and the
    fields. JSON posts use Twilio's newer form: the URL carries `bodySHA256`, the hash of the raw
    body, and the signature covers that URL; their parameters are the JSON object's top-level
    scalar values, as strings."""
    url = signatures.public_request_url(services.settings.public_url, request.url.path, request.url.query)
    signature = request.headers.get("x-twilio-signature")
    token = services.settings.twilio_auth_token
    secret = token.get_secret_value() if token else ""
    params: dict[str, str]
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        body = (await request.body()).decode("utf-8", "replace")
        valid = signatures.is_valid_json(secret, url, body, signature)
        params = signatures.json_params(body) if valid else {}
    else:
        form = await request.form()
        params = {key: str(value) for key, value in form.multi_items()}
        valid = signatures.is_valid(secret, url, params, signature)
    if valid:
        return params
    await audit_rejection(
        services, request.url.path, request.client, "missing signature" if not signature else "bad signature"
    )
    return None


async def audit_rejection(
    services: Services, path: str, client: object, reason: str, **extra: object
) -> None:
    """A refused request on the system chain, rate-limited and aggregated per client address."""
    await services.rejections.reject(getattr(client, "host", None), reason, path=path, **extra)


def stream_url(services: Services) -> str:
    """Where Twilio opens the media stream: always the public URL, never a host from the request."""
    return services.settings.public_ws_url + STREAM_PATH


def caller_id_attestation(stir_verstat: str | None) -> str | None:
    """The STIR/SHAKEN level Twilio verified for the caller ID ("TN-Validation-Passed-A" -> "A"),
    or None: not signed, or the signature failed ("TN-Validation-Failed-A", "No-TN-Validation")."""
    prefix = "TN-Validation-Passed-"
    if stir_verstat and stir_verstat.startswith(prefix) and stir_verstat[len(prefix) :] in ("A", "B", "C"):
        return stir_verstat[len(prefix) :]
    return None


async def incoming_call(request: Request, services: ServicesDep) -> Response:
    params = await signed_params(request, services)
    if params is None:
        return Response("forbidden", status_code=403, media_type="text/plain")
    call_sid = params.get("CallSid", "").strip()
    if not call_sid:
        return Response("CallSid is required", status_code=400, media_type="text/plain")
    if services.drain.draining:  # this replica is stopping: the call is sent elsewhere (docs/drain.md)
        tries = draining.redirects_so_far(request.query_params.get(draining.PARAM))
        return twiml_response(draining.draining_twiml(services.settings, tries))
    if services.spools_full:
        # The database has been away longer than the spools could bridge: nothing of a new call
        # could be put on record. The same answer as with the database down (below).
        log.error("incoming call refused: the spool is full")
        return twiml_response(draining.unavailable_twiml(services.settings))
    try:
        return await _answer(request, services, params, call_sid)
    except Exception as exc:
        if not unreachable(exc):
            raise
        # The database is away (longer than a restart): nothing of the call could be put on
        # record, so the agent must not take it. Staff if there is a line to them, else an
        # honest "call back", rather than Twilio's "an application error has occurred".
        log.error("incoming call refused: the database is unreachable", error_type=type(exc).__name__)
        return twiml_response(draining.unavailable_twiml(services.settings))


async def _answer(request: Request, services: Services, params: dict[str, str], call_sid: str) -> Response:
    conversations = services.conversations
    # One replica: the call's stream comes back here, where its token is known without the database.
    spool_if_away = services.bus is None
    opened = None  # a conversation opened by this request
    try:
        conversation = await conversations.find_by_external_id(call_sid)
    except Exception as exc:
        if not (spool_if_away and unreachable(exc)):
            raise
        # Not held here; whether another process answered it cannot be read: taken as new (a
        # webhook is repeated for the same call to the same gateway, which holds it).
        conversation = None
    if conversation is None:
        attestation = caller_id_attestation(params.get("StirVerstat"))
        conversation = opened = await conversations.open(
            "voice",
            caller_phone=params.get("From") or None,
            external_id=call_sid,
            meta={"to": params.get("To"), "direction": params.get("Direction")},
            caller_id_attestation=attestation,
            caller_id_trusted=attestation == "A"
            or not services.settings.identity_caller_id_needs_attestation,
            spool_if_away=spool_if_away,
        )
    if conversation.closed:
        await audit_rejection(
            services, request.url.path, request.client, "call already ended", call_sid=call_sid
        )
        return Response("this call has ended", status_code=409, media_type="text/plain")
    try:
        token = await tokens.issue(
            services.db, conversation.id, services.settings.session_secret_value(), issued_here(services)
        )
    except tokens.TokenRefused as exc:  # a replayed webhook after the stream started
        await audit_rejection(services, request.url.path, request.client, str(exc), call_sid=call_sid)
        return Response("the media stream of this call has started", status_code=409, media_type="text/plain")
    except Exception as exc:
        if opened is not None and unreachable(exc):
            await _close_unstarted(opened)  # refused below: no stream will ever start it
        raise
    services.drain.expect(conversation.id)  # a drain starting now waits for this call's stream
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url(services), name="frontdesk")
    stream.parameter(name="token", value=token)
    response.append(connect)
    return twiml_response(str(response))


async def _close_unstarted(conversation: Conversation) -> None:
    """A call opened by its webhook that gets no stream token (the database went away, and no spool
    took the token): closed at once rather than left open with nobody on it."""
    try:
        await conversation.close("not started: the database is unreachable")
    except Exception as failed:  # ended as interrupted at the next start (gateway/cluster/replicas.py)
        log.warning("closing a call that got no stream token failed", error_type=type(failed).__name__)


async def call_status(request: Request, services: ServicesDep) -> Response:
    params = await signed_params(request, services)
    if params is None:
        return Response("forbidden", status_code=403, media_type="text/plain")
    call_sid = params.get("CallSid", "")
    status = params.get("CallStatus", "")
    payload = {"source": "status_callback", "call_status": status}
    if params.get("CallDuration"):
        payload["call_duration_s"] = params["CallDuration"]
    try:
        conversation = await services.conversations.find_by_external_id(call_sid) if call_sid else None
    except Exception as exc:
        if not unreachable(exc):
            raise
        return await _status_while_away(services, call_sid, status, payload, exc)
    if conversation is None:
        return twiml_response(str(VoiceResponse()))
    await services.audit.append(conversation.id, EventKind.CALL_EVENT, "system", payload)
    if status in _ENDED and not conversation.closed:
        await conversation.close(f"call {status}")
    return twiml_response(str(VoiceResponse()))


async def _status_while_away(
    services: Services, call_sid: str, status: str, payload: dict[str, str], exc: Exception
) -> Response:
    """A status callback for a call this process does not hold, while the database is away.

    Twilio does not retry a status callback: what it says is kept here or lost. The end of the
    call goes into the turn spool (gateway/store/call_writes.py: the conversation closed as of
    now, once it is back, unless it is closed by then) and the callback itself on the system chain
    (the audit spool), since its conversation cannot be named before the database answers."""
    writes = services.conversations.writes
    if status in _ENDED:
        row = call_status_row(call_sid, status, datetime.now(UTC), services.conversations.after_call_kinds)
        try:
            await writes.spool_rows([row])
        except (RuntimeError, SpoolFull, OSError) as refused:  # no spool here, or a full one
            log.error(
                "status callback lost: the database is unreachable and the spool refused it",
                call_status=status,
                error_type=type(exc).__name__,
                refused=type(refused).__name__,
            )
            return Response("database unreachable", status_code=503, media_type="text/plain")
    try:
        await services.audit.append(
            SYSTEM_CHAIN, EventKind.CALL_EVENT, "system", {**payload, "call_sid": call_sid}
        )
    except AuditWriteError:  # the close is kept; the audit spool is full
        log.error("status callback not audited: the audit spool refused it", call_status=status)
    log.warning(
        "status callback while the database is unreachable: audited on the system chain",
        call_status=status,
        close_spooled=status in _ENDED,  # the conversation closed once the database is back
        error_type=type(exc).__name__,
    )
    return twiml_response(str(VoiceResponse()))
