"""What staff do from the console: claim a handoff, reply live to a chat visitor, close with a
resolution note, add a note. Each action is checked, applied and recorded on the conversation's
audit chain as `staff.action` (plus the domain event, e.g. `handoff.claimed`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from agents.events import EventKind
from gateway.chat.hub import ChatHub, ChatRefused
from gateway.chat.service import ChatService
from gateway.console.accounts import StaffUser
from gateway.conversation import Conversation
from gateway.services import Services
from gateway.statuses import OPEN_HANDOFF, ConversationStatus, HandoffStatus
from gateway.store.models import HandoffRow

MAX_TEXT = 4000
_REFUSAL_STATUS = {"unknown_conversation": 404, "empty_message": 400}


class ActionError(Exception):
    """The action cannot be done; `status` is the HTTP status, the message says why."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def clean_text(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise ActionError(f"{what} is empty", 400)
    if len(value) > MAX_TEXT:
        raise ActionError(f"{what} is too long ({len(value)} characters; at most {MAX_TEXT})", 400)
    return value


async def record(
    services: Services, conversation_id: str, user: StaffUser, kind: str, **payload: Any
) -> None:
    """One staff access-log event (`staff.view`, `staff.export`, `staff.action`)."""
    await services.audit.append(
        conversation_id, kind, "staff", {"staff": user.email, "role": user.role, **payload}
    )


async def _conversation(services: Services, conversation_id: str) -> Conversation:
    conversation = await services.conversations.get(conversation_id)
    if conversation is None:
        raise ActionError(f"no conversation {conversation_id}", 404)
    return conversation


async def _open_handoff(services: Services, conversation_id: str) -> HandoffRow | None:
    async with services.db.session() as s:
        return await s.scalar(
            select(HandoffRow)
            .where(HandoffRow.conversation_id == conversation_id, HandoffRow.status.in_(OPEN_HANDOFF))
            .order_by(HandoffRow.created_at, HandoffRow.id)
        )


async def claim(services: Services, conversation_id: str, user: StaffUser) -> None:
    conversation = await _conversation(services, conversation_id)
    handoff = await _open_handoff(services, conversation_id)
    if handoff is None:
        raise ActionError("this conversation is not waiting for a person")
    if handoff.status == HandoffStatus.CLAIMED:
        raise ActionError(f"already claimed by {handoff.claimed_by}")
    async with services.db.session() as s, s.begin():
        # Conditional update: of two people clicking at once, exactly one wins.
        result = await s.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff.id, HandoffRow.status == HandoffStatus.WAITING)
            .values(status=HandoffStatus.CLAIMED, claimed_by=user.email, claimed_at=datetime.now(UTC))
        )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ActionError("someone else claimed it a moment ago")
    if not conversation.closed:
        await conversation.set_status(ConversationStatus.WITH_STAFF)
    await services.audit.append(
        conversation_id, EventKind.HANDOFF_CLAIMED, "staff", {"staff": user.email, "handoff": handoff.id}
    )
    await record(services, conversation_id, user, EventKind.STAFF_ACTION, action="claim", handoff=handoff.id)


async def _require_claimed_by(services: Services, conversation_id: str, user: StaffUser) -> HandoffRow:
    handoff = await _open_handoff(services, conversation_id)
    if handoff is None or handoff.status != HandoffStatus.CLAIMED:
        raise ActionError("claim this conversation first")
    if handoff.claimed_by != user.email and user.role != "admin":
        raise ActionError(f"claimed by {handoff.claimed_by}; only they can reply or close it")
    return handoff


@dataclass(frozen=True)
class PostedReply:
    """Where a staff reply landed on the chat edge (both None when this process runs no chat edge)."""

    seq: int | None
    status: str | None  # the conversation's chat status afterwards (`with_staff` ...)


async def reply(services: Services, conversation_id: str, user: StaffUser, text: str | None) -> PostedReply:
    """Post a staff message into a live chat: the console form and the staff API both come here."""
    message = clean_text(text, "the message")
    conversation = await _conversation(services, conversation_id)
    if conversation.channel != "chat":
        raise ActionError("only chat visitors get live replies; for calls add a note")
    if conversation.closed:
        raise ActionError("this conversation is closed")
    await _require_claimed_by(services, conversation_id, user)
    posted = PostedReply(None, None)
    hub = _chat_hub(services)
    if hub is not None:
        try:
            seq = await hub.post_staff_message(
                conversation_id, user.email, message, staff_name=visitor_facing_name(services, user)
            )
        except ChatRefused as exc:  # closed or unknown on the chat edge (the message says which)
            raise ActionError(exc.message, _REFUSAL_STATUS.get(exc.code, 409)) from None
        posted = PostedReply(seq, hub.status_of(conversation_id))
    else:  # no chat edge in this process: store the staff turn; the widget reads it on reconnect
        await conversation.staff_message(user.email, message)
    await record(services, conversation_id, user, EventKind.STAFF_ACTION, action="reply", chars=len(message))
    return posted


async def close(services: Services, conversation_id: str, user: StaffUser, note: str | None) -> None:
    resolution = clean_text(note, "the resolution note")
    conversation = await _conversation(services, conversation_id)
    handoff = await _require_claimed_by(services, conversation_id, user)
    async with services.db.session() as s, s.begin():
        await s.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff.id)
            .values(status=HandoffStatus.RESOLVED, resolution_note=resolution, resolved_at=datetime.now(UTC))
        )
    await services.audit.append(
        conversation_id,
        EventKind.HANDOFF_RESOLVED,
        "staff",
        {"staff": user.email, "handoff": handoff.id, "resolution_note": resolution},
    )
    hub = _chat_hub(services)
    if conversation.channel == "chat" and hub is not None:
        await hub.close_conversation(conversation_id, reason="resolved by staff")
    elif not conversation.closed:
        await conversation.close("resolved by staff")
    await record(services, conversation_id, user, EventKind.STAFF_ACTION, action="close", note=resolution)


async def add_note(services: Services, conversation_id: str, user: StaffUser, text: str | None) -> None:
    note = clean_text(text, "the note")
    await _conversation(services, conversation_id)
    await record(services, conversation_id, user, EventKind.STAFF_ACTION, action="note", text=note)


def visitor_facing_name(services: Services, user: StaffUser) -> str | None:
    """ "Maria from Riverside Family Clinic" on a reply; without a display name, None: the hub
    names the staff member from their e-mail address."""
    return f"{user.name} from {services.settings.business_name}" if user.name else None


def _chat_hub(services: Services) -> ChatHub | None:
    """The chat edge's hub when this process runs it (it pushes staff messages to the widget)."""
    chat = services.edge(ChatService)
    return None if chat is None else chat.hub
