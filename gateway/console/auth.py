"""FastAPI dependencies guarding the console: who is logged in, which role, and the CSRF check.

`get_staff_user` is also the seam other edges use to accept staff requests (e.g. the chat edge's
staff-post endpoint): it answers with the logged-in `StaffUser` or sends the browser to the login
page (303; for htmx requests 401 with `HX-Redirect`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from gateway.console.accounts import Role, StaffAccounts, StaffUser
from gateway.console.login_limit import LoginLimit
from gateway.console.login_turns import LoginTurns
from gateway.console.logins import ConsoleLogins
from gateway.console.passwords import Passwords
from gateway.console.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    ConsoleSession,
    SessionCodec,
    tokens_match,
)

LOGIN_PATH = "/console/login"


def session_codec(request: Request) -> SessionCodec:
    """One codec per app, built on first use from the app's settings."""
    codec = getattr(request.app.state, "console_session_codec", None)
    if codec is None:
        codec = SessionCodec(request.app.state.settings)
        request.app.state.console_session_codec = codec
    return codec


def password_pool(request: Request) -> Passwords:
    """The app's argon2 worker pool (closed by the app's lifespan)."""
    pool = getattr(request.app.state, "console_passwords", None)
    if pool is None:
        pool = Passwords(request.app.state.settings.console_password_workers)
        request.app.state.console_passwords = pool
    return pool


def login_limit(request: Request) -> LoginLimit:
    """The app's login attempts per client address."""
    limit = getattr(request.app.state, "console_login_limit", None)
    if limit is None:
        settings = request.app.state.settings
        limit = LoginLimit(settings.console_login_rate_burst, settings.console_login_rate_per_s)
        request.app.state.console_login_limit = limit
    return limit


def login_turns(request: Request) -> LoginTurns:
    """The app's one queue of login attempts per account."""
    turns = getattr(request.app.state, "console_login_turns", None)
    if turns is None:
        turns = LoginTurns()
        request.app.state.console_login_turns = turns
    return turns


def staff_accounts(request: Request) -> StaffAccounts:
    return StaffAccounts(request.app.state.services.db, password_pool(request), login_turns(request))


def console_logins(request: Request) -> ConsoleLogins:
    settings = request.app.state.settings
    return ConsoleLogins(request.app.state.services.db, SESSION_MAX_AGE_S, settings.console_idle_timeout_s)


def _to_login(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{LOGIN_PATH}?next={quote(target, safe='')}"
    if request.headers.get("HX-Request"):
        return HTTPException(status_code=401, detail="login required", headers={"HX-Redirect": location})
    return HTTPException(status_code=303, detail="login required", headers={"Location": location})


async def _staff_user(request: Request, *, activity: bool) -> StaffUser:
    session = session_codec(request).read(request.cookies.get(SESSION_COOKIE))
    if session is None or not await console_logins(request).is_active(
        session.sid, session.email, activity=activity
    ):
        raise _to_login(request)
    user = await staff_accounts(request).get_active(session.email)
    if user is None:
        raise _to_login(request)
    request.state.console_session = session
    return user


async def get_staff_user(request: Request) -> StaffUser:
    """The logged-in staff member; the request counts as activity (the idle logoff starts again)."""
    return await _staff_user(request, activity=True)


async def get_staff_user_polling(request: Request) -> StaffUser:
    """For a page's automatic polls: the session must be on, but a screen left open does not
    keep it on (the idle logoff still applies)."""
    return await _staff_user(request, activity=False)


def current_session(request: Request) -> ConsoleSession:
    """The session `get_staff_user` validated for this request."""
    return request.state.console_session


def require_role(*roles: Role) -> Callable[..., Awaitable[StaffUser]]:
    async def dependency(user: StaffUser = Depends(get_staff_user)) -> StaffUser:
        if user.role not in roles:
            raise HTTPException(
                status_code=403,
                detail=f"the {user.role} role may not do this (needs {' or '.join(roles)})",
            )
        return user

    return dependency


async def require_csrf(request: Request, user: StaffUser = Depends(get_staff_user)) -> StaffUser:
    """Every state-changing request must carry the session's CSRF token."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(current_session(request).csrf, given):
        audit = request.app.state.services.audit
        await audit.append(
            "system",
            "security.rejected",
            "staff",
            {"reason": "csrf_mismatch", "staff": user.email, "path": request.url.path},
        )
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page and retry")
    return user


can_act = require_role("admin", "staff")
can_export = require_role("admin", "auditor")
is_admin = require_role("admin")
