"""Schemathesis against the gateway's OpenAPI schema over a real server ([5/7] item 7): health,
the console's pages and forms, the staff API, and the Twilio webhooks (kept out of the published
schema, described here by hand from gateway/twilio/webhook.py and inspection.py).

Every operation is fuzzed twice: without credentials (a protected route must refuse: 303 to the
login, 401, 403, or another 4xx; never a 2xx, never a 5xx) and with them (an admin's session
cookie and CSRF token, the Twilio signature computed over what is sent; never a 5xx). Generated
cases are valid by the schema and invalid (schemathesis's negative mode). Some cases name a real
conversation or call, so the handlers get past their 404s. `FUZZ_HTTP_EXAMPLES` scales the
examples per operation and mode (`make fuzz`).
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from gateway.console.accounts import StaffAccounts
from gateway.store.db import Database
from gateway.twilio.signatures import public_request_url, sign
from tests.conftest import LiveServer, make_settings, prepare_database
from tests.gateway.chat.conftest import Chat
from tests.gateway.console.conftest import Console
from tests.gateway.fuzz import harness
from tests.gateway.twilio.conftest import AUTH_TOKEN, Call
from tests.logs import capturing_logs

ADMIN = "ada.admin@clinic.example"
PASSWORD = "correct horse battery"
SHORT_EXAMPLES = 5

# The routes that answer anyone: everything else needs a console session or a Twilio signature.
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/console/login"), ("POST", "/console/login")}

_form = "application/x-www-form-urlencoded"


def _strings(*names: str) -> dict[str, Any]:
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}}


# The Twilio webhooks as Twilio calls them (form posts; the turns inspection is a signed GET).
TWILIO_PATHS: dict[str, Any] = {
    "/twilio/voice": {
        "post": {
            "requestBody": {
                "content": {
                    _form: {
                        "schema": _strings(
                            "AccountSid", "CallSid", "From", "To", "CallStatus", "Direction", "StirVerstat"
                        )
                    }
                }
            },
            "responses": {"200": {"description": "TwiML"}},
        }
    },
    "/twilio/status": {
        "post": {
            "requestBody": {
                "content": {_form: {"schema": _strings("CallSid", "CallStatus", "CallDuration", "Timestamp")}}
            },
            "responses": {"204": {"description": "recorded"}},
        }
    },
    "/twilio/calls/{call_sid}/turns": {
        "get": {
            "parameters": [
                {"name": "call_sid", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "the call's turns"}},
        }
    },
}


def examples() -> int:
    return int(os.environ.get("FUZZ_HTTP_EXAMPLES", SHORT_EXAMPLES))


@dataclass
class Target:
    server: LiveServer
    cookies: dict[str, str]
    csrf: str
    conversation_ids: list[str]
    call_sids: list[str]
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    by_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


async def _add_admin(server_settings: Any) -> None:
    await prepare_database(server_settings)
    db = Database(server_settings.database_url)
    try:
        await StaffAccounts(db).add(ADMIN, "admin", PASSWORD)
    finally:
        await db.close()


async def _conversations(server: LiveServer) -> tuple[list[str], list[str]]:
    """A chat conversation and a call (answered, not streamed), for cases to name."""
    chat = await Chat.open(server)
    try:
        conversation_id = (await chat.hello())["conversation_id"]
    finally:
        await chat.close()
    call = Call(server)
    await call.answer()
    return [conversation_id], [call.sim.call_sid]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, io.StringIO]]:
    # configured as a deployment with staff two-factor is (a secrets key): without one, setting
    # it up answers 503 on purpose (tests/gateway/console/test_http.py)
    settings_ = make_settings(
        tmp_path_factory.mktemp("fuzz-http"), api_docs=True, secrets_key=Fernet.generate_key().decode()
    )
    with capturing_logs("INFO") as logs:
        asyncio.run(_add_admin(settings_))
        server = LiveServer(settings_)
        server.start()
        try:
            console = Console(server)
            client, csrf = console.login(ADMIN)
            conversation_ids, call_sids = asyncio.run(_conversations(server))
            yield Target(server, dict(client.cookies.items()), csrf, conversation_ids, call_sids), logs
            client.close()
        finally:
            server.stop()


def _schema(server: LiveServer) -> Any:
    """The schema the server publishes (FRONTDESK_API_DOCS on), plus the Twilio webhooks."""
    spec = httpx.get(server.url + "/openapi.json", timeout=30).json()
    spec["paths"].update(TWILIO_PATHS)
    return schemathesis.openapi.from_dict(spec)


def _twilio_signature(server: LiveServer, case: Any) -> str:
    """What Twilio would send: the public URL of the request (query included) and the form fields."""
    query = requests.models.RequestEncodingMixin._encode_params(case.query or {})
    url = public_request_url(server.settings.public_url, case.formatted_path, query)
    body = case.body if isinstance(case.body, dict) else {}
    return sign(AUTH_TOKEN, url, {str(k): str(v) for k, v in body.items()})


def _prepare(target: Target, case: Any, authenticated: bool, real: bool) -> dict[str, Any]:
    """Point a case at real records (`real`) and give it credentials (`authenticated`)."""
    if real and case.path_parameters:
        if "conversation_id" in case.path_parameters:
            case.path_parameters["conversation_id"] = target.conversation_ids[0]
        if "call_sid" in case.path_parameters:
            case.path_parameters["call_sid"] = target.call_sids[0]
    if not authenticated:
        return {}
    if isinstance(case.body, dict) and "csrf_token" in case.body and real:
        case.body["csrf_token"] = target.csrf
    headers = {"X-CSRF-Token": target.csrf}
    if case.path.startswith("/twilio/"):
        headers["X-Twilio-Signature"] = _twilio_signature(target.server, case)
    return headers


def _fuzz(target: Target, operation: Any, authenticated: bool) -> None:
    method, path = operation.method.upper(), operation.path
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategy = st.one_of(*(operation.as_strategy(generation_mode=m) for m in modes))
    session = requests.Session()

    @settings(
        max_examples=examples(),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, real=st.booleans())
    def one(case: Any, real: bool) -> None:
        headers = _prepare(target, case, authenticated, real)
        cookies = target.cookies if authenticated else {}
        try:
            response = case.call(
                base_url=target.server.url,
                session=session,
                headers=headers,
                cookies=cookies,
                allow_redirects=False,
                timeout=60,
            )
        except requests.RequestException as exc:  # the server dropped the connection: a crash
            target.failures.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            return
        target.requests += 1
        status = response.status_code
        target.statuses[status] = target.statuses.get(status, 0) + 1
        seen = target.by_operation.setdefault(f"{method} {path}", {})
        seen[status] = seen.get(status, 0) + 1
        who = "authenticated" if authenticated else "anonymous"
        if status >= 500:
            target.failures.append(f"{who} {method} {path} -> {status}: {case.as_curl_command()}")
        elif not authenticated and (method, path) not in PUBLIC and status < 300:
            target.failures.append(f"anonymous {method} {path} -> {status} (not refused)")

    one()
    session.close()


@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "authenticated"])
def test_no_endpoint_answers_500(target: tuple[Target, io.StringIO], authenticated: bool) -> None:
    target_, logs = target
    schema = _schema(target_.server)
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/healthz", "/console/login", "/api/conversations/{conversation_id}/staff-messages"} <= paths
    assert {"/twilio/voice", "/twilio/status"} <= paths
    began = time.monotonic()
    target_.requests, target_.statuses, target_.failures, target_.by_operation = 0, {}, [], {}
    for operation in operations:
        if authenticated and operation.path == "/console/logout":
            continue  # would end the session the rest of the run uses (fuzzed anonymously)
        _fuzz(target_, operation, authenticated)
    seconds = time.monotonic() - began
    problems = harness.log_problems(logs)
    line = (
        f"FUZZ http {'authenticated' if authenticated else 'anonymous'}: operations={len(operations)} "
        f"requests={target_.requests} statuses={dict(sorted(target_.statuses.items()))} "
        f"failures={len(target_.failures)} tracebacks/errors={len(problems)} seconds={seconds:.0f}"
    )
    print(line)
    for operation_name, seen in sorted(target_.by_operation.items()):
        print(f"  {operation_name}: {dict(sorted(seen.items()))}")
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "a") as out:
            out.write(line + "\n")
    assert not target_.failures, "\n".join(target_.failures[:20])
    assert not problems, "\n".join(problems[:5])
    assert httpx.get(target_.server.url + "/healthz", timeout=10).status_code == 200
