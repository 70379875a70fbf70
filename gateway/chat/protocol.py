"""The chat wire protocol: JSON text frames over `WS /chat/ws`, one pydantic model per message.

Every frame carries `v` (protocol version) and `type`. Server events that belong to a conversation
carry `seq`, gap-free and increasing per conversation; they are stored in the outbox so a client
that reconnects with its session token and last seen `seq` receives exactly what it missed.
`welcome` and `error` belong to one connection, not to the conversation, and are never replayed.
The full description for widget authors is docs/chat-protocol.md.
"""

from __future__ import annotations

import json
from typing import Annotated, Final, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from gateway.json_nesting import nested_too_deeply
from gateway.statuses import ConversationStatus

PROTOCOL_VERSION: Final = 1

# The conversation's status as published to widgets (docs/chat-protocol.md).
ChatStatus = Literal["bot", "waiting", "staff_joined", "closed"]
_CHAT_STATUS: dict[ConversationStatus, ChatStatus] = {
    ConversationStatus.ACTIVE: "bot",
    ConversationStatus.WAITING: "waiting",
    ConversationStatus.WITH_STAFF: "staff_joined",
    ConversationStatus.CLOSED: "closed",
}
STATUS_DETAIL: dict[ConversationStatus, str] = {
    ConversationStatus.ACTIVE: "You are chatting with our assistant.",
    ConversationStatus.WAITING: "Waiting for a person to join.",
    ConversationStatus.WITH_STAFF: "A person has joined the conversation.",
    ConversationStatus.CLOSED: "This conversation has ended.",
}


def chat_status(status: ConversationStatus) -> ChatStatus:
    """How the chat protocol's `status` field names a conversation status."""
    return _CHAT_STATUS[status]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    v: Literal[1] = PROTOCOL_VERSION


# --- client -> server -------------------------------------------------------------------------


class Hello(_Frame):
    """Opens a connection: a new conversation (no token) or a resume (token + last seq seen)."""

    type: Literal["hello"]
    token: str | None = Field(
        default=None, max_length=1024, validation_alias=AliasChoices("token", "session_token")
    )
    last_seq: int = Field(default=0, ge=0)


class VisitorMessage(_Frame):
    type: Literal["message"]
    text: str = Field(min_length=1)
    # Chosen by the client so a message re-sent after a reconnect is not processed twice.
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


class Typing(_Frame):
    type: Literal["typing"]
    active: bool = True


ClientFrame = Annotated[Hello | VisitorMessage | Typing, Field(discriminator="type")]
_client_adapter: TypeAdapter[Hello | VisitorMessage | Typing] = TypeAdapter(ClientFrame)


class BadFrame(ValueError):
    """A client frame that is not JSON or not a valid message; `code` goes into the error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_client_frame(raw: str) -> Hello | VisitorMessage | Typing:
    if nested_too_deeply(raw):  # before json.loads recurses into the interpreter's limit
        raise BadFrame("bad_json", "frame is nested too deeply")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadFrame("bad_json", f"frame is not valid JSON: {exc.msg}") from None
    except RecursionError:  # `[` x 3000: the parser's own recursion limit, not ours to crash on
        raise BadFrame("bad_json", "frame is nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4300 digits, bad surrogates, ...
        raise BadFrame("bad_json", f"frame is not valid JSON: {str(exc)[:80]}") from None
    if not isinstance(data, dict):
        raise BadFrame("bad_message", "frame must be a JSON object")
    version = data.get("v", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION:
        raise BadFrame(
            "unsupported_version", f"protocol version {version!r} is not supported; use {PROTOCOL_VERSION}"
        )
    try:
        return _client_adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "frame"
        raise BadFrame("bad_message", f"invalid message ({where}: {first['msg']})") from None


# --- server -> client -------------------------------------------------------------------------


class Welcome(_Frame):
    """Sent once per connection after `hello`. `seq` is the position the client is synced to:
    the replayed events that follow start at `seq + 1`."""

    type: Literal["welcome"] = "welcome"
    seq: int
    conversation_id: str
    token: str
    session_token: str = ""  # the same token under its long name, for clients that expect it
    resumed: bool
    status: ChatStatus

    @model_validator(mode="after")
    def _alias_token(self) -> Welcome:
        self.session_token = self.token
        return self


class BotDelta(_Frame):
    type: Literal["bot.delta"] = "bot.delta"
    seq: int
    reply_id: str
    text: str


class BotFinal(_Frame):
    """The whole reply; closes `reply_id`. `in_reply_to` is the visitor message's client_id."""

    type: Literal["bot.final"] = "bot.final"
    seq: int
    reply_id: str
    text: str
    in_reply_to: str | None = None


class StatusEvent(_Frame):
    type: Literal["status"] = "status"
    seq: int
    status: ChatStatus
    detail: str | None = None


class VisitorEcho(_Frame):
    """The visitor's own message as stored: the acknowledgement, and the transcript on replay."""

    type: Literal["visitor.message"] = "visitor.message"
    seq: int
    text: str
    client_id: str | None = None


class StaffMessage(_Frame):
    type: Literal["staff.message"] = "staff.message"
    seq: int
    text: str
    staff_name: str


class ErrorFrame(_Frame):
    """A refusal. `seq` is always null: errors belong to the connection, not the conversation."""

    type: Literal["error"] = "error"
    seq: None = None
    code: str
    message: str
    retry_after_s: float | None = None


SequencedEvent = BotDelta | BotFinal | StatusEvent | VisitorEcho | StaffMessage


def dump(frame: BaseModel) -> str:
    return frame.model_dump_json(exclude_none=False)
