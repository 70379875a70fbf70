"""POST handlers of the console's forms. Each needs a role that may act (not auditors) and the
session's CSRF token; success redirects back (303), a refused action re-renders the page with why."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console import actions
from gateway.console.accounts import StaffUser
from gateway.console.auth import can_act, require_csrf
from gateway.console.views import render_conversation

router = APIRouter()


def _back(conversation_id: str) -> RedirectResponse:
    return RedirectResponse(f"/console/conversations/{conversation_id}", status_code=303)


async def _refused(
    request: Request, user: StaffUser, conversation_id: str, exc: actions.ActionError
) -> Response:
    if exc.status == 404:
        return Response(str(exc), status_code=404, media_type="text/plain")
    return await render_conversation(request, user, conversation_id, error=str(exc), status_code=exc.status)


@router.post("/console/conversations/{conversation_id}/claim", response_model=None)
async def claim(
    conversation_id: str,
    request: Request,
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        await actions.claim(request.app.state.services, conversation_id, user)
    except actions.ActionError as exc:
        return await _refused(request, user, conversation_id, exc)
    return _back(conversation_id)


@router.post("/console/conversations/{conversation_id}/reply", response_model=None)
async def reply(
    conversation_id: str,
    request: Request,
    text: str = Form(""),
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        await actions.reply(request.app.state.services, conversation_id, user, text)
    except actions.ActionError as exc:
        return await _refused(request, user, conversation_id, exc)
    return _back(conversation_id)


@router.post("/console/conversations/{conversation_id}/close", response_model=None)
async def close(
    conversation_id: str,
    request: Request,
    note: str = Form(""),
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        await actions.close(request.app.state.services, conversation_id, user, note)
    except actions.ActionError as exc:
        return await _refused(request, user, conversation_id, exc)
    return _back(conversation_id)


@router.post("/console/conversations/{conversation_id}/notes", response_model=None)
async def add_note(
    conversation_id: str,
    request: Request,
    text: str = Form(""),
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        await actions.add_note(request.app.state.services, conversation_id, user, text)
    except actions.ActionError as exc:
        return await _refused(request, user, conversation_id, exc)
    return _back(conversation_id)
