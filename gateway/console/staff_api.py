"""Staff posting into a chat conversation over HTTP: part of the console, next to its reply form.

The same action as that form (`gateway.console.actions.reply`, one rule for staff replies): the
conversation must be claimed by the poster (or the poster is an admin), the message goes to the
visitor through the chat hub, and it is recorded as `staff.action` on the conversation's audit
chain. Authentication is the console's: `gateway.deps.get_staff_user` (session cookie) plus its CSRF
check, and only roles that may act (staff, admin). Auditors read; they do not talk to visitors.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from gateway.console import actions
from gateway.console.accounts import StaffUser
from gateway.console.auth import require_csrf
from gateway.deps import ServicesDep

router = APIRouter()


class StaffMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=actions.MAX_TEXT)


class StaffMessageOut(BaseModel):
    conversation_id: str
    seq: int
    status: str


async def staff_who_may_act(user: StaffUser = Depends(require_csrf)) -> StaffUser:
    if not user.can_act:
        raise HTTPException(status_code=403, detail=f"the {user.role} role may not post to visitors")
    return user


# The console's session cookie is scoped to /console, so browsers and cookie-jar clients reach the
# API there; the /api path serves clients that send the cookie themselves.
@router.post("/console/api/conversations/{conversation_id}/staff-messages", status_code=201)
@router.post("/api/conversations/{conversation_id}/staff-messages", status_code=201)
async def post_staff_message(
    conversation_id: str,
    body: StaffMessageIn,
    services: ServicesDep,
    user: StaffUser = Depends(staff_who_may_act),
) -> StaffMessageOut:
    try:
        posted = await actions.reply(services, conversation_id, user, body.text)
    except actions.ActionError as exc:  # 404 unknown, 409 not claimed by you / closed, 400 bad text
        raise HTTPException(status_code=exc.status, detail=str(exc)) from None
    return StaffMessageOut(conversation_id=conversation_id, seq=posted.seq or 0, status=posted.status or "")
