"""The second login step for accounts with two-factor on: a code from the authenticator app or a
recovery code, after the right password (gateway/console/two_factor.py).

It passes the same gate as the password (the per-address limit, the form token); wrong codes
count towards the same lockout as wrong passwords. Every outcome is on the `system` chain.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.login import begin_session, form_page, gate, refused_page, safe_next
from gateway.console.secret_box import SecretsKeyError, box_for
from gateway.console.session import PENDING_COOKIE
from gateway.console.two_factor import WRONG_CODE, TwoFactor
from gateway.deps import ConsoleDep, ServicesDep, staff_accounts
from gateway.logging import get_logger
from gateway.store.audit import SYSTEM_CHAIN

router = APIRouter()
log = get_logger(__name__)
_TEMPLATE = "login_code.html"


def _back_to_login(next_: str) -> Response:
    """No password step behind this (or it is over 5 minutes old): start again."""
    return RedirectResponse(f"/console/login?{urlencode({'next': safe_next(next_)})}", status_code=303)


@router.get("/console/login/code", response_model=None)
async def code_form(request: Request, console: ConsoleDep, next: str | None = None) -> Response:
    if console.codec.read_pending(request.cookies.get(PENDING_COOKIE)) is None:
        return _back_to_login(safe_next(next))
    return form_page(request, _TEMPLATE, {"next": safe_next(next)})


@router.post("/console/login/code", response_model=None)
async def code_step(
    request: Request,
    services: ServicesDep,
    console: ConsoleDep,
    code: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/console"),
) -> Response:
    context: dict[str, object] = {"next": safe_next(next)}
    refusal = await gate(request, services, console, csrf_token)
    if refusal is not None:
        return refused_page(request, refusal, _TEMPLATE, context)
    email = console.codec.read_pending(request.cookies.get(PENDING_COOKIE))
    if email is None:
        return _back_to_login(next)
    if not code.strip():
        return form_page(request, _TEMPLATE, context | {"error": "Enter the code."}, status=400)
    two_factor = TwoFactor(services.db, console.login_turns, box_for(services.settings))
    try:
        verdict = await two_factor.check(email, code)
    except SecretsKeyError as exc:  # FRONTDESK_SECRETS_KEY missing or changed: not the person's fault
        log.error("console.two_factor_key", error=str(exc))
        await services.audit.append(
            SYSTEM_CHAIN, "security.rejected", "system", {"reason": "login_secrets_key", "email": email}
        )
        error = "Two-factor codes cannot be checked now (the server's key). Tell your administrator."
        return form_page(request, _TEMPLATE, context | {"error": error}, status=503)
    user = await staff_accounts(request).get_active(email)
    if verdict in ("totp", "recovery_code") and user is not None:
        return await begin_session(request, services, console, user, next, two_factor=verdict)
    why = "inactive" if verdict in ("totp", "recovery_code") else verdict  # deactivated meanwhile
    services.telemetry.metrics.login_failure(why)  # "bad_code" and "unknown" count as "other"
    await services.audit.append(
        SYSTEM_CHAIN, "security.rejected", "system", {"reason": f"login_{why}", "email": email}
    )
    return form_page(request, _TEMPLATE, context | {"error": WRONG_CODE}, status=401)
