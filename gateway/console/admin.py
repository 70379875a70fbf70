"""Account management for admins: list, add, deactivate/reactivate, set a display name, reset a
password (ends that account's sessions), turn two-factor off for a lost phone. All audited on the
system chain."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.account import audit_account
from gateway.console.accounts import ROLES, AccountError, StaffUser, normalise_email
from gateway.console.auth import is_admin, require_csrf
from gateway.console.rendering import render
from gateway.console.two_factor import TwoFactor
from gateway.deps import ServicesDep, staff_accounts
from gateway.store.audit import SYSTEM_CHAIN

router = APIRouter()


async def _page(
    request: Request,
    user: StaffUser,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    accounts = await staff_accounts(request).list()
    context = {"accounts": accounts, "roles": ROLES, "nav": "staff", "error": error, "notice": notice}
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
    name: str = Form(""),
    user: StaffUser = Depends(is_admin),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        added = await staff_accounts(request).add(email, role, password, name)
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


@router.post("/console/staff/name", response_model=None)
async def set_name(
    request: Request,
    email: str = Form(""),
    name: str = Form(""),
    user: StaffUser = Depends(is_admin),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    try:
        value = await staff_accounts(request).set_name(email, name)
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    await audit_account(request, user, "display_name_set", account=email.strip().lower(), name=value)
    return RedirectResponse("/console/staff", status_code=303)


@router.post("/console/staff/password", response_model=None)
async def reset_password(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    user: StaffUser = Depends(is_admin),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    """Another account's new password (its sessions end; a lockout ends too). Your own: /console/account."""
    if email.strip().lower() == user.email:
        return await _page(
            request, user, error="change your own password on your account page", status_code=400
        )
    try:
        await staff_accounts(request).set_password(email, password)
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    await audit_account(request, user, "password_reset", account=email.strip().lower())
    return await _page(
        request, user, notice=f"New password set for {email.strip().lower()}; their sessions ended."
    )


@router.post("/console/staff/two-factor-off", response_model=None)
async def reset_two_factor(
    request: Request,
    services: ServicesDep,
    email: str = Form(""),
    user: StaffUser = Depends(is_admin),
    _csrf: StaffUser = Depends(require_csrf),
) -> Response:
    """For a lost phone: two-factor off (and its recovery codes gone); they set it up again."""
    try:
        account = normalise_email(email)
        await TwoFactor(services.db).turn_off(account)
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    await audit_account(request, user, "two_factor_reset", account=account)
    return RedirectResponse("/console/staff", status_code=303)
