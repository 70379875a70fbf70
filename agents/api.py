"""What the gateway sees of the agent: turns in, a stream of outputs back.

The gateway's channel-agnostic `Conversation` calls `ConversationAgent.greet` once and
`respond` for each user turn, forwarding `ReplyDelta` text to the channel as it arrives (the voice
edge synthesizes sentence by sentence). `Handoff` and `EndConversation` tell the channel what to do
next. State the agent needs across turns lives in `ConversationState`, which the gateway persists
as JSON between turns.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from agents.expectation import Expectation

Channel = Literal["voice", "chat", "terminal"]


@dataclass
class UserTurn:
    text: str
    channel: Channel
    confidence: float | None = None  # STT confidence for voice
    dtmf: str | None = None  # digits typed on the keypad, if this turn came from DTMF
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReplyDelta:
    """A piece of the bot's reply text (whole sentences when possible)."""

    text: str


@dataclass
class Handoff:
    reason: str
    summary: str


@dataclass
class EndConversation:
    reason: str = "completed"


AgentOutput = ReplyDelta | Handoff | EndConversation


class ConversationState(BaseModel):
    """Typed per-conversation state; serialisable so the gateway can persist it between turns.

    The agent runtime may extend `data` with its own typed sub-objects; the gateway never reads
    beyond the fields listed here.
    """

    conversation_id: str
    channel: Channel
    caller_phone: str | None = None  # from the phone network (ANI), unverified
    # STIR/SHAKEN attestation of caller_phone ("A": the carrier vouches for the number); and
    # whether caller ID may stand for the name in an identity check (the gateway's setting).
    caller_id_attestation: str | None = None
    caller_id_trusted: bool = True
    client_address: str | None = None  # chat: the visitor's IP address when the chat began
    verified_person_id: str | None = None
    verified_name: str | None = None  # of the verified person, as on file: staff see it in the console
    handed_off: bool = False
    ended: bool = False
    data: dict[str, Any] = Field(default_factory=dict)


class ConversationAgent(Protocol):
    # Generators, not just iterators: the gateway closes a reply the caller talked over.
    def greet(self, state: ConversationState) -> AsyncGenerator[AgentOutput, None]: ...

    def respond(self, state: ConversationState, turn: UserTurn) -> AsyncGenerator[AgentOutput, None]: ...

    def expectation(self, state: ConversationState) -> Expectation:
        """What the agent expects the caller to say next (see `agents.expectation`)."""
        ...

    def stock_phrases(self) -> list[str]:
        """Words this agent says on most calls (the greeting, how its replies open): a voice
        channel synthesizes them ahead of the first call."""
        ...
