"""Account management for admins: list, add, deactivate/reactivate (audited on the system chain)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.accounts import ROLES, AccountError, StaffUser
from gateway.console.auth import is_admin, require_csrf
from gateway.console.rendering import render
from gateway.deps import ServicesDep, staff_accounts
from gateway.store.audit import SYSTEM_CHAIN

router = APIRouter()


async def _page(
    request: Request, user: StaffUser, *, error: str | None = None, status_code: int = 200
) -> Response:
    accounts = await staff_accounts(request).list()
    context = {"accounts": accounts, "roles": ROLES, "nav": "staff", "error": error}
    return render(request, "staff.html", context, user=user, status_code=status_code)


@router.get("/console/staff", response_model=None)
async def staff_page(request: Request, user: StaffUser = Depends(is_admin)) -> Response:
    return await _page(request, user)


@router.post("/console/staff", response_model=None)
async def add_account(
    request: Request,
    services: ServicesDep,
    email: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    user: StaffUser = Depends(is_admin),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        added = await staff_accounts(request).add(email, role, password)
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    await services.audit.append(
        SYSTEM_CHAIN,
        "staff.action",
        "staff",
        {"action": "account_added", "staff": user.email, "account": added.email, "account_role": added.role},
    )
    return RedirectResponse("/console/staff", status_code=303)


@router.post("/console/staff/active", response_model=None)
async def set_active(
    request: Request,
    services: ServicesDep,
    email: str = Form(""),
    active: str = Form(""),
    user: StaffUser = Depends(is_admin),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    if active not in ("0", "1"):
        return await _page(request, user, error="active must be 0 or 1", status_code=400)
    if email.strip().lower() == user.email:
        return await _page(request, user, error="you cannot deactivate your own account", status_code=400)
    try:
        await staff_accounts(request).set_active(email, active == "1")
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    await services.audit.append(
        SYSTEM_CHAIN,
        "staff.action",
        "staff",
        {
            "action": "account_activated" if active == "1" else "account_deactivated",
            "staff": user.email,
            "account": email.strip().lower(),
        },
    )
    return RedirectResponse("/console/staff", status_code=303)
