"""The staff member's own account (`/console/account`): display name, password, two-factor.

Changing the password needs the current one (checked in the argon2 pool, behind the same
per-address limit as logins) and ends every other session of the account. Turning two-factor off
needs the password too. Every change is on the `system` audit chain as `staff.action`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.accounts import AccountError, StaffUser, check_password
from gateway.console.auth import require_csrf
from gateway.console.rendering import render
from gateway.console.secret_box import SecretsKeyError, box_for
from gateway.console.two_factor import TwoFactor, required_for
from gateway.deps import (
    ConsoleDep,
    CurrentStaff,
    current_session,
    get_console,
    get_services,
    get_settings,
    staff_accounts,
)
from gateway.store.audit import SYSTEM_CHAIN

router = APIRouter()
PATH = "/console/account"
Csrf = Depends(require_csrf)


async def audit_account(request: Request, user: StaffUser, action: str, **payload: Any) -> None:
    """An account change, on the system chain (the admin's staff page uses it too)."""
    await get_services(request).audit.append(
        SYSTEM_CHAIN,
        "staff.action",
        "staff",
        {"action": action, "staff": user.email, "role": user.role, **payload},
    )


def _two_factor(request: Request) -> TwoFactor:
    box = box_for(get_settings(request))
    return TwoFactor(get_services(request).db, get_console(request).login_turns, box)


async def _page(request: Request, user: StaffUser, *, status_code: int = 200, **context: Any) -> Response:
    settings = get_settings(request)
    fresh = await staff_accounts(request).get_active(user.email) or user  # after a change
    base = {
        "account": fresh,
        "totp_mode": settings.console_totp,
        "totp_required": required_for(settings, fresh),
        "codes_left": await _two_factor(request).recovery_codes_left(fresh.email) if fresh.two_factor else 0,
        "nav": "account",
    }
    return render(request, "account.html", base | context, user=fresh, status_code=status_code)


def _done() -> Response:
    return RedirectResponse(PATH, status_code=303)


@router.get(PATH, response_model=None)
async def account_page(request: Request, user: CurrentStaff) -> Response:
    return await _page(request, user)


@router.post(f"{PATH}/name", response_model=None)
async def set_own_name(request: Request, name: str = Form(""), user: StaffUser = Csrf) -> Response:
    try:
        value = await staff_accounts(request).set_name(user.email, name)
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    await audit_account(request, user, "display_name_set", account=user.email, name=value)
    return _done()


@router.post(f"{PATH}/password", response_model=None)
async def change_password(
    request: Request,
    console: ConsoleDep,
    current: str = Form(""),
    new: str = Form(""),
    repeat: str = Form(""),
    user: StaffUser = Csrf,
) -> Response:
    address = request.client.host if request.client else "unknown"
    verdict = await console.login_limit.check(address)
    if not verdict.allowed:
        error = f"Too many attempts from your address. Try again in {verdict.retry_after_s} seconds."
        response = await _page(request, user, error=error, status_code=429)
        response.headers["Retry-After"] = str(verdict.retry_after_s)
        return response
    accounts = staff_accounts(request)
    try:
        check_password(new)
        if new != repeat:
            raise AccountError("the new password and its repetition differ")
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    if not await accounts.password_matches(user.email, current):
        await get_services(request).audit.append(
            SYSTEM_CHAIN,
            "security.rejected",
            "staff",
            {"reason": "password_change_bad_current", "staff": user.email},
        )
        return await _page(request, user, error="Your current password is not right.", status_code=400)
    await accounts.set_password(user.email, new, keep_session=current_session(request).sid)
    await audit_account(request, user, "password_changed", account=user.email)
    return await _page(request, user, notice="Password changed. Your other sessions have ended.")


@router.post(f"{PATH}/two-factor/start", response_model=None)
async def start_two_factor(request: Request, user: StaffUser = Csrf) -> Response:
    if get_settings(request).console_totp == "off":
        return await _page(request, user, error="Two-factor is turned off for this console.", status_code=400)
    try:
        enrolment = await _two_factor(request).start(user.email, get_settings(request).business_name)
    except AccountError as exc:
        return await _page(request, user, error=str(exc), status_code=400)
    except SecretsKeyError as exc:  # the server's configuration, not the person's doing
        return await _page(request, user, error=f"Two-factor cannot be set up now: {exc}.", status_code=503)
    return await _page(request, user, enrolment=enrolment)


@router.post(f"{PATH}/two-factor/confirm", response_model=None)
async def confirm_two_factor(request: Request, code: str = Form(""), user: StaffUser = Csrf) -> Response:
    two_factor = _two_factor(request)
    try:
        codes = await two_factor.confirm(user.email, code)
    except AccountError as exc:
        enrolment = None
        if not user.two_factor:  # show the same secret again with the error
            try:
                enrolment = await two_factor.start(user.email, get_settings(request).business_name)
            except (AccountError, SecretsKeyError):
                pass  # the error is shown without the secret
        return await _page(request, user, error=str(exc), enrolment=enrolment, status_code=400)
    except SecretsKeyError as exc:
        return await _page(request, user, error=f"Two-factor cannot be set up now: {exc}.", status_code=503)
    await audit_account(request, user, "two_factor_on", account=user.email)
    return await _page(request, user, recovery_codes=codes, notice="Two-factor is on.")


@router.post(f"{PATH}/two-factor/off", response_model=None)
async def turn_off_two_factor(request: Request, password: str = Form(""), user: StaffUser = Csrf) -> Response:
    if required_for(get_settings(request), user):
        return await _page(request, user, error="Two-factor is required for admins.", status_code=400)
    if not await staff_accounts(request).password_matches(user.email, password):
        return await _page(request, user, error="Your password is not right.", status_code=400)
    await _two_factor(request).turn_off(user.email)
    await audit_account(request, user, "two_factor_off", account=user.email)
    return _done()
