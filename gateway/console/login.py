"""Log in and log out. Both outcomes, and every refused attempt, go on the `system` audit chain."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.accounts import StaffUser
from gateway.console.auth import require_csrf
from gateway.console.rendering import render
from gateway.console.session import LOGIN_COOKIE, SESSION_COOKIE, new_token, tokens_match
from gateway.deps import ConsoleDep, ServicesDep, console_logins, current_session, get_console, staff_accounts
from gateway.store.audit import SYSTEM_CHAIN

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only console paths on this site; anything else (//evil, https://...) goes to the list."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def _login_page(
    request: Request, *, next_: str, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    token = new_token()
    response = render(
        request,
        "login.html",
        {"login_token": token, "next": next_, "email": email, "error": error},
        status_code=status,
    )
    get_console(request).codec.write_login_token(response, token)
    return response


@router.get("/console/login", response_model=None)
async def login_form(request: Request, console: ConsoleDep, next: str | None = None) -> Response:
    session = console.codec.read(request.cookies.get(SESSION_COOKIE))
    if (
        session is not None
        and await console_logins(request).is_active(session.sid, session.email)
        and await staff_accounts(request).get_active(session.email) is not None
    ):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_=safe_next(next))


@router.post("/console/login", response_model=None)
async def login(
    request: Request,
    services: ServicesDep,
    console: ConsoleDep,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/console"),
) -> Response:
    audit = services.audit
    address = request.client.host if request.client else "unknown"
    verdict = await console.login_limit.check(address)
    failures = services.telemetry.metrics
    if not verdict.allowed:
        # Answered at once, before any password check (docs/security.md): 429 + Retry-After.
        failures.login_failure("rate_limited")
        if verdict.first_refusal:
            await audit.append(
                SYSTEM_CHAIN,
                "security.rejected",
                "system",
                {"reason": "login_rate_limited", "address": address},
            )
        response = _login_page(
            request,
            next_=safe_next(next),
            email=email,
            status=429,
            error=f"Too many login attempts from your address. Try again in {verdict.retry_after_s} seconds.",
        )
        response.headers["Retry-After"] = str(verdict.retry_after_s)
        return response
    codec = console.codec
    expected = codec.read_login_token(request.cookies.get(LOGIN_COOKIE))
    if expected is None or not tokens_match(expected, csrf_token):
        failures.login_failure("csrf_mismatch")
        await audit.append(SYSTEM_CHAIN, "security.rejected", "system", {"reason": "login_csrf_mismatch"})
        return _login_page(
            request,
            next_=safe_next(next),
            email=email,
            status=403,
            error="The login form expired or was not sent by this site. Please try again.",
        )
    if not email.strip() or not password:
        failures.login_failure("incomplete")
        return _login_page(
            request, next_=safe_next(next), email=email, status=400, error="Enter your e-mail and password."
        )
    result = await staff_accounts(request).authenticate(email, password)
    if result.user is None:
        failures.login_failure(result.reason)
        rejected: dict[str, object] = {
            "reason": f"login_{result.reason}",
            "email": email.strip().lower()[:255],
        }
        if result.locked_until is not None:
            rejected["locked_until"] = result.locked_until.isoformat()
        await audit.append(SYSTEM_CHAIN, "security.rejected", "system", rejected)
        # One answer for an unknown e-mail, a wrong password and a locked account (which would
        # otherwise confirm that the account exists): 401 and the same message.
        return _login_page(request, next_=safe_next(next), email=email, status=401, error=result.error)
    await audit.append(
        SYSTEM_CHAIN,
        "staff.action",
        "staff",
        {"action": "login", "staff": result.user.email, "role": result.user.role},
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    sid = await console_logins(request).start(result.user.email)
    codec.write(response, result.user.email, sid)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@router.post("/console/logout", response_model=None)
async def logout(
    request: Request, services: ServicesDep, console: ConsoleDep, user: StaffUser = Depends(require_csrf)
) -> Response:
    await services.audit.append(
        SYSTEM_CHAIN, "staff.action", "staff", {"action": "logout", "staff": user.email, "role": user.role}
    )
    await console_logins(request).revoke(current_session(request).sid)
    response = RedirectResponse("/console/login", status_code=303)
    console.codec.clear(response)
    return response
