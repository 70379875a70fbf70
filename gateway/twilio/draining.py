"""What a draining replica answers a new call with (docs/drain.md).

A clinic wants no caller to hear a busy tone or a dead line because one replica is being
restarted. So a new call is not declined: the TwiML pauses a second and `<Redirect>`s the call to
the public voice URL again, where the load balancer (which has taken this replica out by its
/readyz) sends it to a replica that serves. A count in the URL bounds the loop: when every replica
is going down (or there is only one), after `REDIRECTS` tries the caller is put through to staff
(FRONTDESK_TRANSFER_NUMBER / _QUEUE), or, with no one to put them through to, told plainly to call
back in a minute, and the call ends.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, VoiceResponse

from gateway.settings import Settings
from gateway.twilio.words import TRANSFER_NOTICE

REDIRECTS = 2  # tries at another replica before falling back (each after a 1 s pause)
PARAM = "drain_redirect"
CALL_BACK = (
    "Thank you for calling. We're sorry, we can't take your call right now because our phone"
    " system is restarting. Please call us back in a minute."
)


def redirects_so_far(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return REDIRECTS  # a mangled count: stop redirecting


UNAVAILABLE = (
    "Thank you for calling. We're sorry, we can't take your call right now because of a technical"
    " problem on our side. Please call us back in a few minutes."
)


def draining_twiml(settings: Settings, redirects: int) -> str:
    """Try another replica, then staff, then an honest "call back"."""
    if redirects < REDIRECTS:
        response = VoiceResponse()
        response.pause(length=1)
        response.redirect(f"{settings.public_url}/twilio/voice?{PARAM}={redirects + 1}", method="POST")
        return str(response)
    return _to_staff_or(settings, CALL_BACK)


def unavailable_twiml(settings: Settings) -> str:
    """This gateway cannot take calls (its database is away): staff, or an honest "call back"."""
    return _to_staff_or(settings, UNAVAILABLE)


def _to_staff_or(settings: Settings, apology: str) -> str:
    response = VoiceResponse()
    if settings.transfer_queue:  # as a transfer does (gateway/twilio/transfer.py), with its notice
        response.say(TRANSFER_NOTICE)
        response.enqueue(settings.transfer_queue)
        return str(response)
    if settings.transfer_number:
        response.say(TRANSFER_NOTICE)
        dial = Dial(timeout=settings.transfer_timeout_s)
        dial.number(settings.transfer_number)
        response.append(dial)
        return str(response)
    response.say(apology)
    response.hangup()
    return str(response)
