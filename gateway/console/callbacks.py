"""The console's Callbacks page: messages and callback requests the agent took (open first, the
longest waiting on top), and the "done" action (staff and admins, with the session's CSRF token).

The page shows names, numbers and reasons of many conversations: it is on the access log (the
`system` chain, `staff.view` / `callbacks` with the conversation ids shown); marking one done is on
its conversation's chain (`callback.done`, gateway/store/callbacks.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from agents.events import EventKind
from gateway.console.accounts import StaffUser
from gateway.console.actions import record
from gateway.console.auth import can_act, require_csrf
from gateway.console.rendering import render
from gateway.deps import CurrentStaff, ServicesDep
from gateway.services import Services
from gateway.store.audit import SYSTEM_CHAIN
from gateway.store.callbacks import CallbackNotOpen, DatabaseCallbacks

router = APIRouter()


def book(services: Services) -> DatabaseCallbacks:
    """The service's callbacks (a CLI-opened core has one too)."""
    return services.callbacks or DatabaseCallbacks(services.db, services.audit)


async def _page(
    request: Request, services: Services, user: StaffUser, *, error: str | None = None, status_code: int = 200
) -> Response:
    callbacks = await book(services).listed()
    await record(
        services,
        SYSTEM_CHAIN,
        user,
        EventKind.STAFF_VIEW,
        what="callbacks",
        conversations=sorted({c.conversation_id for c in callbacks}),
    )
    waiting = [c for c in callbacks if c.status == "open"]
    done = [c for c in callbacks if c.status != "open"]
    context = {"open_callbacks": waiting, "done_callbacks": done, "nav": "callbacks", "error": error}
    return render(request, "callbacks.html", context, user=user, status_code=status_code)


@router.get("/console/callbacks", response_model=None)
async def callbacks_page(request: Request, services: ServicesDep, user: CurrentStaff) -> Response:
    return await _page(request, services, user)


@router.post("/console/callbacks/{callback_id}/done", response_model=None)
async def mark_done(
    callback_id: str,
    request: Request,
    services: ServicesDep,
    user: StaffUser = Depends(can_act),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        await book(services).mark_done(callback_id, user.email, user.role)
    except CallbackNotOpen:
        return await _page(
            request, services, user, error="That callback is done already or does not exist.", status_code=409
        )
    return RedirectResponse("/console/callbacks", status_code=303)


@router.get("/console/conversations/{conversation_id}/callbacks", response_model=None)
async def callbacks_of(
    conversation_id: str, request: Request, services: ServicesDep, user: CurrentStaff
) -> Response:
    """The conversation page's callback cards (loaded with the page); empty when none was left."""
    callbacks = await book(services).of_conversation(conversation_id)
    if callbacks:
        await record(services, conversation_id, user, EventKind.STAFF_VIEW, what="callbacks")
    return render(request, "_callbacks_of.html", {"callbacks": callbacks}, user=user)
