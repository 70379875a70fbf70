"""POST handlers of the console's forms. Each needs a role that may act (not auditors) and the
session's CSRF token; success redirects back (303), a refused action re-renders the page with why."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console import actions
from gateway.console.accounts import StaffUser
from gateway.console.auth import can_act, require_csrf
from gateway.console.views import render_conversation
from gateway.deps import ServicesDep

router = APIRouter()


async def _act(
    request: Request, user: StaffUser, conversation_id: str, action: Awaitable[object]
) -> Response:
    """Run one staff action: back to the conversation (303), or the page again with the reason."""
    try:
        await action
    except actions.ActionError as exc:
        if exc.status == 404:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return await render_conversation(
            request, user, conversation_id, error=str(exc), status_code=exc.status
        )
    return RedirectResponse(f"/console/conversations/{conversation_id}", status_code=303)


@router.post("/console/conversations/{conversation_id}/claim", response_model=None)
async def claim(
    conversation_id: str,
    request: Request,
    services: ServicesDep,
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    return await _act(request, user, conversation_id, actions.claim(services, conversation_id, user))


@router.post("/console/conversations/{conversation_id}/reply", response_model=None)
async def reply(
    conversation_id: str,
    request: Request,
    services: ServicesDep,
    text: str = Form(""),
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    return await _act(request, user, conversation_id, actions.reply(services, conversation_id, user, text))


@router.post("/console/conversations/{conversation_id}/close", response_model=None)
async def close(
    conversation_id: str,
    request: Request,
    services: ServicesDep,
    note: str = Form(""),
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    return await _act(request, user, conversation_id, actions.close(services, conversation_id, user, note))


@router.post("/console/conversations/{conversation_id}/notes", response_model=None)
async def add_note(
    conversation_id: str,
    request: Request,
    services: ServicesDep,
    text: str = Form(""),
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    return await _act(
        request,
        user,
        conversation_id,
        actions.add_note(services, conversation_id, user, text),
    )
