"""Transfer a live call to a person: TwiML for the destination, applied through Twilio's REST API.

`calls(sid).update(twiml=...)` replaces what the call is doing; Twilio then ends the media stream
(a `stop` arrives) and dials the staff number or puts the caller in the queue. The official SDK
does the HTTP; `twilio_api_base_url` only redirects its requests (tests use a local server that
speaks Twilio's REST format), so the production code path is the same.
"""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

from agents.events import EventKind
from gateway.settings import Settings
from gateway.store.audit import AuditLog

TWILIO_API = "https://api.twilio.com"


class TransferError(Exception):
    """The call could not be transferred (not configured, or Twilio refused)."""


def transfer_twiml(settings: Settings) -> str:
    """`<Dial><Number>` to the staff number, or `<Enqueue>` when a queue is configured."""
    response = VoiceResponse()
    if settings.transfer_queue:
        response.enqueue(settings.transfer_queue)
    elif settings.transfer_number:
        dial = Dial(timeout=settings.transfer_timeout_s)
        dial.number(settings.transfer_number)
        response.append(dial)
    else:
        raise TransferError("no FRONTDESK_TRANSFER_NUMBER or FRONTDESK_TRANSFER_QUEUE configured")
    return str(response)


class _RebasedHttpClient(AsyncTwilioHttpClient):
    """The SDK's own async HTTP client, sending to another base URL when one is configured."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url.rstrip("/") if base_url else None

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._base_url and url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        return await super().request(method, url, *args, **kwargs)


class CallControl:
    """Changes live calls through Twilio's REST API."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def redirect(self, call_sid: str, twiml: str) -> str:
        """Replace the call's TwiML; returns the call status Twilio reports."""
        settings = self._settings
        if not settings.twilio_account_sid or settings.twilio_auth_token is None:
            raise TransferError("FRONTDESK_TWILIO_ACCOUNT_SID / FRONTDESK_TWILIO_AUTH_TOKEN not set")
        token = settings.twilio_auth_token.get_secret_value()
        http = _RebasedHttpClient(settings.twilio_api_base_url, timeout=settings.transfer_rest_timeout_s)
        try:
            client = Client(settings.twilio_account_sid, token, http_client=http)
            call = await client.calls(call_sid).update_async(twiml=twiml)
        except (TwilioException, OSError, TimeoutError) as exc:
            raise TransferError(f"Twilio refused the transfer: {exc}") from exc
        finally:
            await http.close()
        return str(call.status)


async def hand_over(settings: Settings, audit: AuditLog, chain: str, call_sid: str, notice: str) -> bool:
    """Redirect the call to staff and audit the outcome (`transfer` with Twilio's call status, or
    `transfer_failed` with the reason); True when Twilio took the new TwiML."""
    try:
        twiml = transfer_twiml(settings)
        status = await CallControl(settings).redirect(call_sid, twiml)
    except TransferError as exc:
        await audit.append(
            chain, EventKind.CALL_EVENT, "system", {"event": "transfer_failed", "error": str(exc)}
        )
        return False
    payload = {"event": "transfer", "twiml": twiml, "call_status": status, "notice": notice}
    await audit.append(chain, EventKind.CALL_EVENT, "system", payload)
    return True
