"""The console's Test call page: staff talk to the agent from the browser's microphone.

`GET /console/test-call` is the page (its script is `static/test_call.js`: the CSP allows no
inline code). `WS /console/test-call/ws` is the call: the same pipeline as a Twilio call
(`gateway/twilio/web_call.py`), stored, recorded and audited like one, as channel `web-call`.

Who may call: a logged-in `staff` or `admin` session (the cookie), from a page of this console
(the `Origin` header names the public URL or the host the socket was opened on: another site's
page cannot open it with the staff member's cookie), and the socket's first message must carry
the session's CSRF token. Refusals before the upgrade are a 403; a wrong token closes with 1008.
All are on the `system` audit chain as `security.rejected`.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import Response
from starlette.websockets import WebSocketDisconnect

from agents.events import EventKind
from gateway.console.accounts import StaffUser
from gateway.console.actions import record
from gateway.console.auth import can_act
from gateway.console.rendering import render
from gateway.console.session import SESSION_COOKIE, ConsoleSession, tokens_match
from gateway.deps import console_logins, get_console, get_services, staff_accounts
from gateway.services import Services
from gateway.store.audit import SYSTEM_CHAIN
from gateway.twilio.web_call import MAX_RATE, MIN_RATE, POLICY_VIOLATION, WebCall

router = APIRouter()

CHANNEL = "web-call"
SOCKET_PATH = "/console/test-call/ws"
_START_TIMEOUT_S = 10.0
_CALLERS = ("staff", "admin")


@router.get("/console/test-call", response_model=None)
async def test_call_page(request: Request, user: StaffUser = Depends(can_act)) -> Response:
    return render(request, "test_call.html", {"nav": "test-call", "socket_path": SOCKET_PATH}, user=user)


async def test_call_socket(websocket: WebSocket) -> None:
    services = get_services(websocket)
    refused = _foreign_origin(websocket)
    staff = None if refused else await _caller(websocket)
    if staff is None:
        await _reject(services, websocket, refused or "test call without a staff session")
        await websocket.close(POLICY_VIOLATION)  # before the upgrade: the browser sees a 403
        return
    user, session = staff
    await websocket.accept()
    start = await _start_message(websocket)
    given = start.get("csrf") if start is not None else None
    if start is None or not isinstance(given, str) or not tokens_match(session.csrf, given):
        await services.audit.append(  # a known staff member: in full, as the console's forms do
            SYSTEM_CHAIN,
            "security.rejected",
            "staff",
            {"reason": "csrf_mismatch", "staff": user.email, "path": websocket.url.path},
        )
        await websocket.close(POLICY_VIOLATION, "csrf")
        return
    rate = start.get("rate")
    if not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
        await websocket.send_text(
            json.dumps({"event": "error", "error": f"rate must be {MIN_RATE}-{MAX_RATE}"})
        )
        await websocket.close(POLICY_VIOLATION, "rate")
        return
    if services.drain.draining:
        await websocket.send_text(json.dumps({"event": "error", "error": "this server is stopping"}))
        await websocket.close(1013, "draining")
        return
    conversation = await services.conversations.open(
        "voice", stored_channel=CHANNEL, meta={"staff": user.email, "sample_rate": rate}
    )
    await record(services, conversation.id, user, EventKind.STAFF_ACTION, action="test_call")
    await websocket.send_text(json.dumps({"event": "started", "conversation_id": conversation.id}))
    await WebCall(services, websocket, conversation, rate).run()


def _foreign_origin(websocket: WebSocket) -> str | None:
    """Why the socket's `Origin` is not this console's, or None when it is."""
    origin = websocket.headers.get("origin")
    if not origin:
        return "test call without an Origin header"
    allowed = {_origin(get_services(websocket).settings.public_url)}
    host = websocket.headers.get("host")
    if host:
        allowed |= {f"http://{host}", f"https://{host}"}
    return None if origin.rstrip("/").lower() in allowed else "test call from another origin"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _caller(websocket: WebSocket) -> tuple[StaffUser, ConsoleSession] | None:
    """The logged-in staff member allowed to call (an auditor may not), with their session."""
    session = get_console(websocket).codec.read(websocket.cookies.get(SESSION_COOKIE))
    if session is None or not await console_logins(websocket).is_active(
        session.sid, session.email, activity=True
    ):
        return None
    user = await staff_accounts(websocket).get_active(session.email)
    if user is None or user.role not in _CALLERS:
        return None
    return user, session


async def _start_message(websocket: WebSocket) -> dict[str, object] | None:
    """The page's first message: `{"event": "start", "csrf": ..., "rate": <its sample rate>}`."""
    try:
        text = await asyncio.wait_for(websocket.receive_text(), _START_TIMEOUT_S)
        data = json.loads(text)
    except (TimeoutError, ValueError, KeyError, RuntimeError, WebSocketDisconnect):
        return None
    if not isinstance(data, dict) or data.get("event") != "start":
        return None
    return data


async def _reject(services: Services, websocket: WebSocket, reason: str, **extra: object) -> None:
    """On the system chain, aggregated per client address (gateway/rejections.py)."""
    client = websocket.client.host if websocket.client else None
    await services.rejections.reject(client, reason, path=websocket.url.path, **extra)


router.add_api_websocket_route(SOCKET_PATH, test_call_socket)
