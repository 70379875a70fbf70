"""Messages and callback requests: "please have someone call me back about my quote".

No identity check is needed to leave a message (it reveals nothing), so any caller may: the
planner gathers the name, the number (the calling number when the caller says so), the reason in
the caller's words and the best time, and calls the built-in `take_message`. Like a write, the
runtime reads it back and asks first ("So that's Dana Ortiz at 503 555 0112, this afternoon,
about your quote. Shall I pass that on?"); only a yes stores it, through the `CallbackBook` the
gateway implements (its `callbacks` table, on the conversation's audit chain), and only once it is
stored does the caller hear "I'll make sure someone calls you back at 503 555 0112 this afternoon
about your quote.". When the caller is verified and the connector offers `create_task`, the
message also becomes a task on their own contact in the CRM (the row keeps the task's id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from agents.api import AgentOutput
from agents.connector_calls import ConnectorCalls, ToolFailure
from agents.events import EventKind
from agents.memory import PendingAction
from agents.planner import Message
from agents.replies import ANYTHING_ELSE, OFFER_TRANSFER
from agents.turn import Turn
from connectors.base import Capability, ConnectorError, CreateTask, Task
from connectors.phones import normalize_phone


@dataclass(frozen=True)
class CallbackRequest:
    conversation_id: str
    channel: str
    name: str
    phone: str  # E.164
    reason: str  # in the caller's words
    best_time: str | None


class CallbackBook(Protocol):
    """Where messages are kept until staff call back (the gateway's database)."""

    async def take(self, request: CallbackRequest) -> str:
        """Store the request (and put it on the conversation's audit chain) and return its id;
        returns only once both are stored, raises otherwise."""
        ...

    async def link_task(self, callback_id: str, task_id: str) -> None:
        """The CRM task made for it (best effort: the message is kept either way)."""
        ...


class MessageNotTaken(Exception):
    """The message could not be stored: the caller must not be told it was."""


def phone_for(raw: str | None, caller_phone: str | None) -> str | None:
    """The number to call back, E.164: the one said, else the calling number; None when neither
    is a phone number."""
    for candidate in (raw, caller_phone):
        if candidate and candidate.strip():
            try:
                return normalize_phone(candidate)
            except ConnectorError:
                continue
    return None


def say_phone(e164: str) -> str:
    """+15035550112 -> '503 555 0112' (the voice edge says it digit by digit)."""
    digits = re.sub(r"\D", "", e164)
    if e164.startswith("+1") and len(digits) == 11:
        return f"{digits[1:4]} {digits[4:7]} {digits[7:]}"
    return e164


def about(reason: str) -> str:
    """The reason as it follows "about": "my quote" -> "your quote"; trimmed, no full stop."""
    text = " ".join(reason.split()).rstrip(".!?")
    text = re.sub(r"^(about|regarding|re|concerning)\s+", "", text, flags=re.IGNORECASE)
    swaps = {"my": "your", "me": "you", "i": "you", "i'm": "you're", "mine": "yours", "myself": "yourself"}
    words = [swaps.get(w.lower(), w) for w in text.split(" ")]
    text = " ".join(words)
    return text[:200].rsplit(" ", 1)[0] + "..." if len(text) > 200 else text


def readback(args: dict[str, Any], caller_phone: str | None) -> str:
    """The question before it is stored: every part the caller gave, said back."""
    phone = phone_for(args.get("phone"), caller_phone)
    parts = [args["name"].strip()]
    if phone:
        parts.append(f"at {say_phone(phone)}")
    if args.get("best_time"):
        parts.append(args["best_time"].strip().rstrip("."))
    return f"So that's {', '.join(parts)}, about {about(args['reason'])}. Shall I pass that on?"


def promise(phone: str, best_time: str | None, reason: str) -> str:
    """What the caller hears once it is stored."""
    when = f" {best_time.strip().rstrip('.')}" if best_time else ""
    return f"I'll make sure someone calls you back at {say_phone(phone)}{when} about {about(reason)}."


async def take_confirmed_message(
    turn: Turn, pending: PendingAction, book: CallbackBook | None, calls: ConnectorCalls
) -> list[AgentOutput]:
    """The caller said yes to the read-back: store it, then promise the callback."""
    args, state, memory = pending.arguments, turn.state, turn.memory
    phone = phone_for(args.get("phone"), state.caller_phone)
    if book is None or phone is None:
        memory.transfer_offered = "the caller wanted to leave a message that could not be taken"
        return turn.say(f"I'm sorry, I can't take messages right now. {OFFER_TRANSFER}")
    request = CallbackRequest(
        conversation_id=state.conversation_id,
        channel=state.channel,
        name=args["name"].strip(),
        phone=phone,
        reason=args["reason"].strip(),
        best_time=(args.get("best_time") or "").strip() or None,
    )
    try:
        callback_id = await book.take(request)
    except Exception:  # the book's own errors are the gateway's: any is "not stored"
        memory.transfer_offered = "a message could not be stored"
        return turn.not_on_record()
    memory.messages.append(
        Message(role="tool", tool_call_id=pending.call_id, name=pending.tool, content='{"outcome": "ok"}')
    )
    memory.scratch.clear()
    if state.verified_person_id and calls.can(Capability.CREATE_TASK):
        await _crm_task(turn, calls, book, callback_id, request)
    return turn.say(f"{promise(phone, request.best_time, request.reason)} {ANYTHING_ELSE}")


async def _crm_task(
    turn: Turn, calls: ConnectorCalls, book: CallbackBook, callback_id: str, request: CallbackRequest
) -> None:
    """The verified caller's own contact gets a follow-up task; a failure is audited, not said
    (the message is stored and staff see it in the console either way)."""
    body = f"Call back {request.name} at {request.phone}"
    body += f", {request.best_time}" if request.best_time else ""
    body += f". Reason: {request.reason}"
    task = CreateTask(
        contact_id=turn.state.verified_person_id,
        subject=f"Call back: {request.reason[:200]}",
        body=body,
        idempotency_key=f"callback-{callback_id}",
    )
    try:
        record = await calls.invoke(turn, Capability.CREATE_TASK, task, "agent")
    except ToolFailure as failure:
        await turn.emit(
            EventKind.CALLBACK_CRM_FAILED, "system", {"callback": callback_id, "kind": failure.kind}
        )
        return
    if isinstance(record, Task):
        try:
            await book.link_task(callback_id, record.id)
        except Exception:  # the link is a convenience: the task and the message both exist
            await turn.emit(
                EventKind.CALLBACK_CRM_FAILED, "system", {"callback": callback_id, "kind": "link"}
            )


class MemoryCallbackBook:
    """Keeps messages in a list; for the terminal and for tests of the agent alone (the gateway's
    is its database, `gateway.store.callbacks`)."""

    def __init__(self) -> None:
        self.taken: list[CallbackRequest] = []
        self.tasks: dict[str, str] = {}

    async def take(self, request: CallbackRequest) -> str:
        self.taken.append(request)
        return f"cb-{len(self.taken)}"

    async def link_task(self, callback_id: str, task_id: str) -> None:
        self.tasks[callback_id] = task_id
