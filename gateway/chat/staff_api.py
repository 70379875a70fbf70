"""Staff posting into a chat conversation over HTTP (the console UI calls the hub directly).

Authentication is the console's: `get_staff_user` (session cookie) plus its CSRF check, and only
roles that may act (staff, admin). Auditors read; they do not talk to visitors.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.chat.hub import ChatRefused
from gateway.console.accounts import StaffUser
from gateway.console.auth import require_csrf

router = APIRouter()


class StaffMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


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
    request: Request,
    user: StaffUser = Depends(staff_who_may_act),
) -> StaffMessageOut:
    hub = request.app.state.services.chat.hub
    try:
        seq = await hub.post_staff_message(conversation_id, user.email, body.text)
    except ChatRefused as exc:
        status = {"unknown_conversation": 404, "conversation_closed": 409}.get(exc.code, 422)
        raise HTTPException(status_code=status, detail={"code": exc.code, "message": exc.message}) from None
    return StaffMessageOut(
        conversation_id=conversation_id, seq=seq, status=hub.status_of(conversation_id) or ""
    )
