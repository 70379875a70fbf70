"""Transfer a live call to a person: the notice, then TwiML for the destination applied through
Twilio's REST API, and what the caller hears when that fails (`CallTransfer`).

`calls(sid).update(twiml=...)` replaces what the call is doing; Twilio then ends the media stream
(a `stop` arrives) and dials the staff number or puts the caller in the queue. The official SDK
does the HTTP; `twilio_api_base_url` only redirects its requests (tests use a local server that
speaks Twilio's REST format), so the production code path is the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

from agents.events import EventKind
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.twilio.playback import Utterance
from gateway.twilio.speaker import Speaker
from gateway.twilio.words import TRANSFER_FAILED, TRANSFER_NOTICE

TWILIO_API = "https://api.twilio.com"


class TransferError(Exception):
    """The call could not be transferred (not configured, or Twilio refused)."""


TRANSFER_RESULT_PATH = "/twilio/transfer-result"


def transfer_result_url(settings: Settings, conversation_id: str) -> str:
    """Where Twilio tells how the `<Dial>` went (`transfer_result.py`): the public URL, signed like
    every webhook, naming the conversation whose call was transferred."""
    query = urlencode({"conversation": conversation_id})
    return f"{settings.public_url.rstrip('/')}{TRANSFER_RESULT_PATH}?{query}"


def transfer_twiml(settings: Settings, conversation_id: str | None = None) -> str:
    """`<Dial><Number>` to the staff number, or `<Enqueue>` when a queue is configured. With a
    conversation, the `<Dial>` has an `action`: when nobody picks up, the caller comes back to the
    assistant (a queue keeps the caller until someone dequeues them: no action there)."""
    response = VoiceResponse()
    if settings.transfer_queue:
        response.enqueue(settings.transfer_queue)
    elif settings.transfer_number:
        action = {}
        if conversation_id is not None:
            action = {"action": transfer_result_url(settings, conversation_id), "method": "POST"}
        dial = Dial(timeout=settings.transfer_timeout_s, **action)
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
        twiml = transfer_twiml(settings, chain)
        status = await CallControl(settings).redirect(call_sid, twiml)
    except TransferError as exc:
        await audit.append(
            chain, EventKind.CALL_EVENT, "system", {"event": "transfer_failed", "error": str(exc)}
        )
        return False
    payload = {"event": "transfer", "twiml": twiml, "call_status": status, "notice": notice}
    await audit.append(chain, EventKind.CALL_EVENT, "system", payload)
    return True


HangUp = Callable[[], Awaitable[None]]  # closes the media stream (Twilio then ends the call)


class CallTransfer:
    """Handing one live call to staff: say the notice, redirect the call, and if that fails say so
    and hang up. `close` finishes a redirect the caller was promised before the call's books close."""

    def __init__(
        self,
        settings: Settings,
        audit: AuditLog,
        chain: str,
        call_sid: str | None,
        speaker: Speaker,
        hang_up: HangUp,
        *,
        played_timeout_s: float,
    ) -> None:
        self._settings = settings
        self._audit = audit
        self._chain = chain
        self._call_sid = call_sid  # None: no phone call behind the stream (a browser's test call)
        self._speaker = speaker
        self._hang_up = hang_up
        self._played_timeout_s = played_timeout_s
        self.started = False  # from the first step on, the caller's turns are not answered
        self._notice: Utterance | None = None  # the transfer notice, once spoken
        self._redirect: asyncio.Task[bool] | None = None  # the REST call handing the call over
        self._closing = False

    async def run(self) -> None:
        """Speak a notice, then hand the live call to staff through Twilio's REST API."""
        self.started = True
        playback = self._speaker.playback
        self._notice = playback.begin()
        await self._speaker.say(TRANSFER_NOTICE, utterance=self._notice)
        await playback.wait_played(self._played_timeout_s)
        # Shielded: Twilio may stop the stream while the request is out (the redirect takes the
        # call, or the caller hangs up); close() then lets it finish instead of cancelling it.
        if await asyncio.shield(self._start_redirect()) or self._closing:
            return
        await self._speaker.say(TRANSFER_FAILED)
        await playback.wait_played(self._played_timeout_s)
        await self._hang_up()

    async def close(self) -> None:
        """The stream is ending: a stop that came with or right after the notice's last mark
        finishes the transfer (the SDK's own timeout bounds it) before the books are closed."""
        self._closing = True
        if self._redirect is not None or self._due():
            await asyncio.wait([self._start_redirect()], timeout=self._settings.transfer_rest_timeout_s + 1)

    def _start_redirect(self) -> asyncio.Task[bool]:
        if self._redirect is None:
            # Twilio then ends the media stream with `stop`; the stream loop closes the conversation.
            handing_over = (
                hand_over(self._settings, self._audit, self._chain, self._call_sid, TRANSFER_NOTICE)
                if self._call_sid is not None
                else self._nothing_to_redirect()
            )
            self._redirect = asyncio.create_task(handing_over, name="redirect")
        return self._redirect

    async def _nothing_to_redirect(self) -> bool:
        """A call from the browser has no phone call Twilio could hand over: said and audited."""
        error = "no phone call to redirect (a call from the browser)"
        await self._audit.append(
            self._chain, EventKind.CALL_EVENT, "system", {"event": "transfer_failed", "error": error}
        )
        return False

    def _due(self) -> bool:
        """The caller has heard the whole transfer notice: the redirect it announced must happen."""
        notice = self._notice
        return (
            notice is not None
            and notice.ended
            and not notice.interrupted
            and not self._speaker.playback.speaking
        )
