"""Log in and log out. Both outcomes, and every refused attempt, go on the `system` audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.accounts import StaffUser
from gateway.console.auth import require_csrf
from gateway.console.rendering import render
from gateway.console.session import LOGIN_COOKIE, PENDING_COOKIE, SESSION_COOKIE, new_token, tokens_match
from gateway.console.state import ConsoleState
from gateway.deps import (
    ConsoleDep,
    ServicesDep,
    console_logins,
    current_session,
    get_console,
    get_settings,
    staff_accounts,
)
from gateway.services import Services
from gateway.store.audit import SYSTEM_CHAIN

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only console paths on this site; anything else (//evil, https://...) goes to the list."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def form_page(request: Request, template: str, context: dict[str, object], *, status: int = 200) -> Response:
    """A login step's form (password, or code) with a fresh form token in its short-lived cookie."""
    token = new_token()
    response = render(request, template, context | {"login_token": token}, status_code=status)
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
    return form_page(request, "login.html", {"next": safe_next(next), "email": ""})


@dataclass(frozen=True)
class Refusal:
    """A login step refused before any check: over the address's limit, or a bad form token."""

    status: int
    error: str
    retry_after_s: int | None = None


async def gate(
    request: Request, services: Services, console: ConsoleState, csrf_token: str
) -> Refusal | None:
    """The checks every login step (password, then code) passes first: the per-address limit
    (answered at once, before any check: 429 + Retry-After) and the login form's CSRF token."""
    audit = services.audit
    address = request.client.host if request.client else "unknown"
    verdict = await console.login_limit.check(address)
    failures = services.telemetry.metrics
    if not verdict.allowed:
        failures.login_failure("rate_limited")
        if verdict.first_refusal:
            await audit.append(
                SYSTEM_CHAIN,
                "security.rejected",
                "system",
                {"reason": "login_rate_limited", "address": address},
            )
        return Refusal(
            429,
            f"Too many login attempts from your address. Try again in {verdict.retry_after_s} seconds.",
            verdict.retry_after_s,
        )
    expected = console.codec.read_login_token(request.cookies.get(LOGIN_COOKIE))
    if expected is None or not tokens_match(expected, csrf_token):
        failures.login_failure("csrf_mismatch")
        await audit.append(SYSTEM_CHAIN, "security.rejected", "system", {"reason": "login_csrf_mismatch"})
        return Refusal(403, "The login form expired or was not sent by this site. Please try again.")
    return None


def refused_page(request: Request, refusal: Refusal, template: str, context: dict[str, object]) -> Response:
    response = form_page(request, template, context | {"error": refusal.error}, status=refusal.status)
    if refusal.retry_after_s is not None:
        response.headers["Retry-After"] = str(refusal.retry_after_s)
    return response


async def begin_session(
    request: Request, services: Services, console: ConsoleState, user: StaffUser, next_: str, **how: str
) -> Response:
    """The login succeeded: on the audit chain, a server-side session, its cookie."""
    await services.audit.append(
        SYSTEM_CHAIN,
        "staff.action",
        "staff",
        {"action": "login", "staff": user.email, "role": user.role, **how},
    )
    response = RedirectResponse(safe_next(next_), status_code=303)
    sid = await console_logins(request).start(user.email)
    console.codec.write(response, user.email, sid)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    response.delete_cookie(PENDING_COOKIE, path="/console")
    return response


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
    context: dict[str, object] = {"next": safe_next(next), "email": email}
    refusal = await gate(request, services, console, csrf_token)
    if refusal is not None:
        return refused_page(request, refusal, "login.html", context)
    failures = services.telemetry.metrics
    if not email.strip() or not password:
        failures.login_failure("incomplete")
        return form_page(
            request, "login.html", context | {"error": "Enter your e-mail and password."}, status=400
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
        await services.audit.append(SYSTEM_CHAIN, "security.rejected", "system", rejected)
        # One answer for an unknown e-mail, a wrong password and a locked account (which would
        # otherwise confirm that the account exists): 401 and the same message.
        return form_page(request, "login.html", context | {"error": result.error}, status=401)
    if result.user.two_factor and get_settings(request).console_totp != "off":
        response = RedirectResponse(f"/console/login/code?{urlencode({'next': safe_next(next)})}", 303)
        console.codec.write_pending(response, result.user.email)
        return response
    return await begin_session(request, services, console, result.user, next)


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
