"""The voice edge's process-wide part (`gateway.services.Edge`).

Calls share nothing process-wide but the speech models, which the core owns; what the phone
channel adds is the words its calls say most besides the agent's (the recording notice, the
transfer sentences, the apology), so that they are synthesized once at start, not while a
caller waits for the first one; and the stream tokens this process handed out (`IssuedHere`,
gateway/twilio/tokens.py), so that a call's stream starting while the database is away can still
spend its token here.
"""

from __future__ import annotations

from gateway.services import Services
from gateway.settings import Settings
from gateway.twilio.tokens import IssuedHere
from gateway.twilio.words import PHONE_PHRASES


class VoiceEdge:
    def __init__(self, settings: Settings, tokens: IssuedHere) -> None:
        self.settings = settings
        self.tokens = tokens

    @classmethod
    def start(cls, services: Services) -> VoiceEdge:
        tokens = IssuedHere(services.settings.twilio_token_ttl_s, services.conversations.writes)
        return cls(services.settings, tokens)

    def stock_phrases(self) -> list[str]:
        s = self.settings
        notice = s.twilio_recording_notice.strip() if s.twilio_record_calls else ""
        return [*([notice] if notice else []), *PHONE_PHRASES]

    async def stop(self) -> None:
        """Nothing to store: each call stores its own before it ends."""


def issued_here(services: Services) -> IssuedHere | None:
    """The stream tokens this process handed out; None where it serves no calls (a test's app)."""
    edge = services.edge(VoiceEdge)
    return None if edge is None else edge.tokens
