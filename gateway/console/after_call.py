"""The conversation page's after-call card: what the gateway wrote in the CRM once the
conversation ended (note, case, lead, task), each done, skipped (and why), pending (attempts, the
last error, when it is tried next) or failed with its reason; and "Try again" for failed ones
(staff and admins, with the session's CSRF token, on the conversation's chain as `staff.action`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from agents.events import EventKind
from gateway.after_call.queue import jobs_of, retry_failed
from gateway.console.accounts import StaffUser
from gateway.console.actions import record
from gateway.console.auth import can_act, require_csrf
from gateway.console.rendering import render
from gateway.deps import CurrentStaff, ServicesDep

router = APIRouter()


@router.get("/console/conversations/{conversation_id}/after-call", response_model=None)
async def after_call_of(
    conversation_id: str, request: Request, services: ServicesDep, user: CurrentStaff
) -> Response:
    """Loaded with the conversation page; empty when the conversation has no after-call work."""
    jobs = await jobs_of(services.db, conversation_id)
    if jobs:  # reasons may quote what the CRM said about the caller's record: a read, logged
        await record(services, conversation_id, user, EventKind.STAFF_VIEW, what="after_call")
    context = {"jobs": jobs, "conversation_id": conversation_id}
    return render(request, "_after_call.html", context, user=user)


@router.post("/console/conversations/{conversation_id}/after-call/retry", response_model=None)
async def retry(
    conversation_id: str,
    services: ServicesDep,
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    kinds = await retry_failed(services.db, conversation_id, f"tried again at the request of {user.email}")
    if kinds:
        await record(
            services, conversation_id, user, EventKind.STAFF_ACTION, action="after_call.retry", kinds=kinds
        )
        if services.after_call is not None:
            services.after_call.worker.wake()
    return RedirectResponse(f"/console/conversations/{conversation_id}", status_code=303)
