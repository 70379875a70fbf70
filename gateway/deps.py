"""What FastAPI hands a route: the process's services and settings, the console's per-app state,
and the logged-in staff member.

The one module that knows where these live on the app (`app.state`, filled by `create_app` and
its lifespan). Routes declare them as parameters (`services: ServicesDep`, `user: CurrentStaff`),
as FastAPI's full-stack template does; helpers that already hold the request or socket call
`get_services(conn)` and friends. Works for HTTP requests and WebSockets alike.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection, Request

from gateway.console.accounts import StaffAccounts, StaffUser
from gateway.console.logins import ConsoleLogins
from gateway.console.session import SESSION_COOKIE, SESSION_MAX_AGE_S, ConsoleSession
from gateway.console.state import ConsoleState
from gateway.console.two_factor import required_for as two_factor_required
from gateway.services import Services
from gateway.settings import Settings

LOGIN_PATH = "/console/login"
# Where an account that must turn two-factor on may go before it has (its account page, logout).
ENROL_PATHS = ("/console/account", "/console/logout")


def get_services(conn: HTTPConnection) -> Services:
    """The shared resources the app's lifespan opened."""
    services: Services = conn.app.state.services
    return services


def get_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


def get_console(conn: HTTPConnection) -> ConsoleState:
    console: ConsoleState = conn.app.state.console
    return console


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ConsoleDep = Annotated[ConsoleState, Depends(get_console)]


def staff_accounts(conn: HTTPConnection) -> StaffAccounts:
    console = get_console(conn)
    return StaffAccounts(get_services(conn).db, console.passwords, console.login_turns)


def console_logins(conn: HTTPConnection) -> ConsoleLogins:
    idle_s = get_settings(conn).console_idle_timeout_s
    return ConsoleLogins(get_services(conn).db, SESSION_MAX_AGE_S, idle_s)


def _to_login(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _redirect(request, f"{LOGIN_PATH}?next={quote(target, safe='')}")


def _redirect(request: Request, location: str) -> HTTPException:
    if request.headers.get("HX-Request"):
        return HTTPException(status_code=401, detail="login required", headers={"HX-Redirect": location})
    return HTTPException(status_code=303, detail="login required", headers={"Location": location})


async def _staff_user(request: Request, *, activity: bool) -> StaffUser:
    session = get_console(request).codec.read(request.cookies.get(SESSION_COOKIE))
    if session is None or not await console_logins(request).is_active(
        session.sid, session.email, activity=activity
    ):
        raise _to_login(request)
    user = await staff_accounts(request).get_active(session.email)
    if user is None:
        raise _to_login(request)
    request.state.console_session = session
    if (
        not user.two_factor
        and two_factor_required(get_settings(request), user)
        and not request.url.path.startswith(ENROL_PATHS)
    ):
        if request.headers.get("HX-Request"):  # a page's own polls: refused, not sent round again
            raise HTTPException(status_code=403, detail="turn on two-factor first")
        raise _redirect(request, ENROL_PATHS[0])  # nothing else until two-factor is on
    return user


async def get_staff_user(request: Request) -> StaffUser:
    """The logged-in staff member, or the browser is sent to the login page (303; for htmx
    requests 401 with `HX-Redirect`). The request counts as activity (the idle logoff starts again)."""
    return await _staff_user(request, activity=True)


async def get_staff_user_polling(request: Request) -> StaffUser:
    """For a page's automatic polls: the session must be on, but a screen left open does not
    keep it on (the idle logoff still applies)."""
    return await _staff_user(request, activity=False)


def current_session(request: Request) -> ConsoleSession:
    """The session `get_staff_user` validated for this request."""
    session: ConsoleSession = request.state.console_session
    return session


CurrentStaff = Annotated[StaffUser, Depends(get_staff_user)]
PollingStaff = Annotated[StaffUser, Depends(get_staff_user_polling)]
