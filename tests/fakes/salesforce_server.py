"""A local HTTP server that speaks Salesforce's REST API (v60+) the way the connector uses it.

- `POST /services/oauth2/token`: the OAuth 2.0 JWT bearer grant. The assertion's RS256 signature
  is checked against the connected app's public key, and iss (consumer key), sub (a pre-authorised
  username), aud (the login URL) and exp (in the future, at most 5 minutes ahead); refusals answer
  as Salesforce does: `{"error": "invalid_grant", "error_description": ...}` with HTTP 400.
- Under `/services/data/vNN.0` (NN >= 60), with `Authorization: Bearer <issued token>`:
  `GET /query?q=` (SOQL) and `GET /search?q=` (SOSL), the subsets of `salesforce_soql.py`;
  `POST /sobjects/{Type}`, `GET /sobjects/{Type}/{id}`, `GET|PATCH /sobjects/{Type}/{Field}/{value}`
  (read and upsert by external id: 201 created / 200 updated / 300 when several match). Contact,
  Lead, Case, Task, Event (with the unique slot field) and User. `GET /services/data/`: the API
  versions, without a session.
- Every data answer carries `Sforce-Limit-Info: api-usage=used/limit`; past the limit it answers
  403 REQUEST_LIMIT_EXCEEDED. Errors are Salesforce's JSON list of {message, errorCode, fields}:
  INVALID_SESSION_ID (401) for an unknown or expired token, INVALID_FIELD, REQUIRED_FIELD_MISSING,
  INVALID_CROSS_REFERENCE_KEY, MALFORMED_QUERY, NOT_FOUND, DUPLICATE_VALUE (the slot field), and
  DUPLICATES_DETECTED from a lead duplicate rule (same e-mail or phone digits as an existing lead
  or contact).

Test controls: `reset()`, `add(type, fields)`, `records(type)`, `expire_tokens()`,
`fail_next(status, code, ...)`, `stall_next(seconds)` (the request is applied, the answer is late), `api_used`/`api_limit`,
and `requests` (every request received). Handlers don't await between reading and writing the
store, so on the server's one event loop each request is applied whole: concurrent upserts of one
key create one record, as Salesforce's unique external id guarantees.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes import salesforce_soql
from tests.fakes.salesforce_soql import PHONE_FIELDS, QueryError, digits, with_attributes

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PREFIXES = {
    "Contact": "003", "Lead": "00Q", "Case": "500", "Task": "00T", "Event": "00U", "User": "005", "Group": "00G",
}  # fmt: skip
# The fields each type has (a describe, cut down); the external id field is added to each.
FIELDS = {
    "Contact": {"Id", "FirstName", "LastName", "Phone", "MobilePhone", "HomePhone", "Email", "Birthdate", "OwnerId"},
    "Lead": {
        "Id", "FirstName", "LastName", "Company", "Phone", "MobilePhone", "Email", "LeadSource",
        "Status", "IsConverted", "OwnerId",
    },
    "Case": {
        "Id", "Subject", "Description", "Origin", "Status", "ContactId", "OwnerId", "SuppliedName",
        "SuppliedEmail", "SuppliedPhone", "CaseNumber",
    },
    "Task": {
        "Id", "Subject", "Description", "Status", "Priority", "ActivityDate", "WhoId", "OwnerId",
        "IsReminderSet", "ReminderDateTime",
    },
    "Event": {"Id", "Subject", "Description", "ShowAs", "OwnerId", "WhoId", "StartDateTime", "EndDateTime"},
    "User": {"Id", "Name", "Title", "IsActive"},
}  # fmt: skip
REQUIRED = {"Lead": ("LastName", "Company"), "Contact": ("LastName",)}
READ_ONLY = {"Id", "IsConverted", "CaseNumber"}


def _errors(
    status: int, code: str, message: str, fields: list[str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse([{"message": message, "errorCode": code, "fields": fields or [], **extra}], status)


@dataclass
class _Fault:
    status: int = 0
    code: str = ""
    message: str = ""
    fields: list[str] = field(default_factory=list)
    method: str | None = None
    path_contains: str | None = None
    stall_s: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in path
        )


@dataclass
class FakeSalesforce:
    public_key_pem: bytes
    client_id: str = "3MVG9fake.consumer.key"
    usernames: frozenset[str] = frozenset({"frontdesk@example.org"})
    external_id_field: str = "Frontdesk_Idempotency_Key__c"
    slot_field: str = "Frontdesk_Slot__c"  # on Event: unique, the slot an appointment took
    api_limit: int = 15000
    api_used: int = 0
    lead_duplicate_rule: bool = True
    users: set[str] = field(default_factory=lambda: {"005000000000001AAA", "005000000000002AAA"})
    queues: set[str] = field(default_factory=lambda: {"00G000000000001AAA"})
    store: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {t: {} for t in FIELDS})
    tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    _faults: list[_Fault] = field(default_factory=list)
    _next: int = 0
    url: str = ""  # set when running: the login URL, the audience and the instance URL at once

    # -- test controls -------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a new org with the same connected app (a server shared by tests, one per test)."""
        fresh = FakeSalesforce(
            public_key_pem=self.public_key_pem,
            client_id=self.client_id,
            usernames=self.usernames,
            external_id_field=self.external_id_field,
            slot_field=self.slot_field,
        )
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "url"})

    def add(self, sobject: str, fields: dict[str, Any]) -> str:
        if sobject == "User":
            self.users.add(fields["Id"])
            self.store["User"][fields["Id"]] = {"IsActive": True, **fields}
            return str(fields["Id"])
        record = {"OwnerId": "005000000000001AAA", **fields}
        if sobject == "Lead":
            record.setdefault("IsConverted", False)
        return str(self._insert(sobject, record)["Id"])

    def records(self, sobject: str) -> list[dict[str, Any]]:
        return list(self.store[sobject].values())

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def fail_next(
        self,
        status: int,
        code: str,
        message: str = "injected",
        *,
        fields: list[str] | None = None,
        method: str | None = None,
        path_contains: str | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._faults.append(_Fault(status, code, message, fields or [], method, path_contains))

    def stall_next(
        self, seconds: float, *, method: str | None = None, path_contains: str | None = None
    ) -> None:
        self._faults.append(_Fault(method=method, path_contains=path_contains, stall_s=seconds))

    def data_requests(self, method: str | None = None, path_contains: str = "") -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests
            if "/services/data/" in r["path"]
            and (method is None or r["method"] == method)
            and path_contains in r["path"]
        ]

    # -- the store -----------------------------------------------------------------------------

    def _new_id(self, sobject: str) -> str:
        self._next += 1
        return f"{PREFIXES[sobject]}8d{self._next:010d}AAA"

    def _insert(self, sobject: str, fields: dict[str, Any]) -> dict[str, Any]:
        record = {**fields, "Id": self._new_id(sobject)}
        if sobject == "Case":
            record["CaseNumber"] = f"{len(self.store['Case']) + 1:08d}"
        self.store[sobject][record["Id"]] = record
        return record

    def _find_by(self, sobject: str, name: str, value: str) -> list[dict[str, Any]]:
        return [r for r in self.store[sobject].values() if r.get(name) == value]

    def _known(self, sobject: str) -> set[str]:
        custom = {self.external_id_field} | ({self.slot_field} if sobject == "Event" else set())
        return FIELDS[sobject] | custom

    def _check_fields(
        self, sobject: str, fields: Any, creating: bool, record_id: str | None = None
    ) -> JSONResponse | None:
        if not isinstance(fields, dict):
            return _errors(400, "JSON_PARSER_ERROR", "The body must be a JSON object")
        known = self._known(sobject)
        for name, value in fields.items():
            if name not in known:
                return _errors(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}", [name]
                )
            if name in READ_ONLY:
                return _errors(
                    400, "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {name}", [name]
                )
            if name == "Subject" and isinstance(value, str) and len(value) > 255:
                return _errors(400, "STRING_TOO_LONG", "Subject: data value too large", [name])
        if creating:
            missing = [f for f in REQUIRED.get(sobject, ()) if not fields.get(f)]
            if missing:
                return _errors(
                    400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}", missing
                )
        refs = {"WhoId": ("Contact", "Lead"), "ContactId": ("Contact",)}
        for name, types in refs.items():
            value = fields.get(name)
            if value is not None and not any(value in self.store[t] for t in types):
                return _errors(
                    400, "INVALID_CROSS_REFERENCE_KEY", f"{name}: id value of incorrect type: {value}", [name]
                )
        slot = fields.get(self.slot_field) if sobject == "Event" else None
        if slot is not None:
            holder = next((r for r in self.store["Event"].values() if r.get(self.slot_field) == slot), None)
            if holder is not None and holder["Id"] != record_id:
                message = f"duplicate value found: {self.slot_field} duplicates value on record with id: {holder['Id']}"
                return _errors(400, "DUPLICATE_VALUE", message)
        owner = fields.get("OwnerId")
        if owner is not None and owner not in self.users and not (owner in self.queues and sobject != "Lead"):
            return _errors(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                f"Owner ID: id value of incorrect type: {owner}",
                ["OwnerId"],
            )
        return None

    def _duplicate_of(self, sobject: str, fields: dict[str, Any]) -> str | None:
        """The lead duplicate rule: the same e-mail (any case) or phone digits as a lead or contact."""
        if sobject != "Lead" or not self.lead_duplicate_rule:
            return None
        email = str(fields.get("Email") or "").lower()
        phone = digits(fields.get("Phone"))[-10:]
        for t in ("Contact", "Lead"):
            for r in self.store[t].values():
                if email and str(r.get("Email") or "").lower() == email:
                    return str(r["Id"])
                if phone and any(digits(r.get(f))[-10:] == phone for f in PHONE_FIELDS if r.get(f)):
                    return str(r["Id"])
        return None

    def _duplicates_detected(self, sobject: str, match_id: str) -> JSONResponse:
        match_type = "Contact" if match_id.startswith("003") else "Lead"
        result = {
            "allowSave": False,
            "duplicateRule": "Standard_Lead_Duplicate_Rule",
            "duplicateRuleEntityType": sobject,
            "errorMessage": "You're creating a duplicate record. We recommend you use an existing record instead.",
            "matchResults": [
                {
                    "entityType": match_type,
                    "errors": [],
                    "matchEngine": "FuzzyMatchEngine",
                    "matchRecords": [
                        {
                            "additionalInformation": [],
                            "fieldDiffs": [],
                            "matchConfidence": 100.0,
                            "record": {"attributes": {"type": match_type}, "Id": match_id},
                        }
                    ],
                    "rule": f"Standard_{match_type}_Match_Rule_v1_0",
                    "size": 1,
                    "success": True,
                }
            ],
        }
        return _errors(400, "DUPLICATES_DETECTED", "Use one of these records?", duplicateResult=result)

    def soql(self, q: str) -> JSONResponse:
        try:
            return JSONResponse(salesforce_soql.soql(q, self.store, self._known))
        except QueryError as refused:
            return _errors(400, refused.code, refused.message)

    def sosl(self, q: str) -> JSONResponse:
        try:
            return JSONResponse(salesforce_soql.sosl(q, self.store, self._known))
        except QueryError as refused:
            return _errors(400, refused.code, refused.message)

    # -- the app -------------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()
        data = r"/services/data/{version}"

        @app.middleware("http")
        async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
            body = await request.body()
            path = request.url.path
            self.requests.append(
                {
                    "method": request.method,
                    "path": path,
                    "query": dict(request.query_params),
                    "body": body.decode() or None,
                    "headers": dict(request.headers),
                }
            )
            if not path.startswith("/services/data/") or path == "/services/data/":
                return await call_next(request)  # the token endpoint, the versions list: no session
            version = path.split("/")[3]
            m = re.fullmatch(r"v(\d+)\.0", version)
            if not m or int(m.group(1)) < 60:
                return _errors(404, "NOT_FOUND", "The requested resource does not exist")
            auth = request.headers.get("authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
                return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
            self.api_used += 1
            limit_info = {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_limit}"}
            if self.api_used > self.api_limit:
                resp = _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                resp.headers.update(limit_info)
                return resp
            fault = next((f for f in self._faults if f.matches(request.method, path)), None)
            if fault is not None:
                self._faults.remove(fault)
            if fault is not None and fault.status:
                resp = _errors(fault.status, fault.code, fault.message, fault.fields)
                resp.headers.update(limit_info)
                return resp
            response: Response = await call_next(request)
            if fault is not None and fault.stall_s:
                await asyncio.sleep(fault.stall_s)  # applied; the answer is late
            response.headers.update(limit_info)
            return response

        @app.get("/services/data/")
        async def versions() -> JSONResponse:
            return JSONResponse(
                [
                    {"label": f"v{n}", "url": f"/services/data/v{n}.0", "version": f"{n}.0"}
                    for n in (60, 61, 62)
                ]
            )

        @app.post("/services/oauth2/token")
        async def token(request: Request) -> JSONResponse:
            form = await request.form()
            if form.get("grant_type") != GRANT_TYPE:
                return JSONResponse(
                    {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, 400
                )
            try:
                claims = jwt.decode(
                    str(form.get("assertion") or ""),
                    self.public_key_pem,
                    algorithms=["RS256"],
                    audience=self.url,
                    options={"require": ["iss", "sub", "aud", "exp"]},
                )
            except jwt.ExpiredSignatureError:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "expired access/refresh token"}, 400
                )
            except jwt.InvalidTokenError:
                return JSONResponse({"error": "invalid_grant", "error_description": "invalid assertion"}, 400)
            if claims["exp"] > time.time() + 300:
                return JSONResponse({"error": "invalid_grant", "error_description": "invalid assertion"}, 400)
            if claims["iss"] != self.client_id:
                return JSONResponse(
                    {"error": "invalid_client_id", "error_description": "client identifier invalid"}, 400
                )
            if claims["sub"] not in self.usernames:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}, 400
                )
            access = f"00Dfake0000000001!{secrets.token_urlsafe(24)}"
            self.tokens.add(access)
            self.tokens_issued += 1
            return JSONResponse(
                {
                    "access_token": access,
                    "scope": "api",
                    "instance_url": self.url,
                    "id": f"{self.url}/id/00Dfake0000000001/005000000000001AAA",
                    "token_type": "Bearer",
                }
            )

        @app.get(data + "/query")
        @app.get(data + "/query/")
        async def query(version: str, q: str = "") -> JSONResponse:
            return self.soql(q)

        @app.get(data + "/search")
        @app.get(data + "/search/")
        async def search(version: str, q: str = "") -> JSONResponse:
            return self.sosl(q)

        @app.post(data + "/sobjects/{sobject}")
        async def create(version: str, sobject: str, request: Request) -> JSONResponse:
            if sobject not in FIELDS:
                return _errors(404, "NOT_FOUND", "The requested resource does not exist")
            fields = await request.json()
            refused = self._check_fields(sobject, fields, creating=True)
            if refused is not None:
                return refused
            duplicate = self._duplicate_of(sobject, fields)
            if duplicate:
                return self._duplicates_detected(sobject, duplicate)
            key = fields.get(self.external_id_field)
            if key and self._find_by(sobject, self.external_id_field, key):
                return _errors(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {self.external_id_field}",
                    [self.external_id_field],
                )
            record = self._insert(sobject, fields)
            return JSONResponse({"id": record["Id"], "success": True, "errors": []}, 201)

        @app.get(data + "/sobjects/{sobject}/{record_id}")
        async def read(version: str, sobject: str, record_id: str, fields: str | None = None) -> JSONResponse:
            record = self.store.get(sobject, {}).get(record_id)
            if record is None:
                return _errors(404, "NOT_FOUND", "The requested resource does not exist")
            return JSONResponse(with_attributes(sobject, record, fields.split(",") if fields else None))

        def by_external_id(sobject: str, name: str, value: str) -> list[dict[str, Any]] | JSONResponse:
            if sobject not in FIELDS:
                return _errors(404, "NOT_FOUND", "The requested resource does not exist")
            if name != self.external_id_field:
                return _errors(
                    404,
                    "NOT_FOUND",
                    f"Provided external ID field does not exist or is not accessible: {name}",
                )
            return self._find_by(sobject, name, value)

        @app.get(data + "/sobjects/{sobject}/{name}/{value}")
        async def read_by_external_id(
            version: str, sobject: str, name: str, value: str, fields: str | None = None
        ) -> JSONResponse:
            found = by_external_id(sobject, name, value)
            if isinstance(found, JSONResponse):
                return found
            if not found:
                return _errors(404, "NOT_FOUND", "The requested resource does not exist")
            if len(found) > 1:
                return JSONResponse(
                    [f"/services/data/v60.0/sobjects/{sobject}/{r['Id']}" for r in found], 300
                )
            return JSONResponse(with_attributes(sobject, found[0], fields.split(",") if fields else None))

        @app.patch(data + "/sobjects/{sobject}/{name}/{value}")
        async def upsert(version: str, sobject: str, name: str, value: str, request: Request) -> JSONResponse:
            fields = await request.json()
            found = by_external_id(sobject, name, value)
            if isinstance(found, JSONResponse):
                return found
            if isinstance(fields, dict) and name in fields:
                return _errors(
                    400, "INVALID_FIELD", f"{name} is the external id in the URL; not in the body", [name]
                )
            if len(found) > 1:
                return JSONResponse(
                    [f"/services/data/v60.0/sobjects/{sobject}/{r['Id']}" for r in found], 300
                )
            refused = self._check_fields(
                sobject, fields, creating=not found, record_id=found[0]["Id"] if found else None
            )
            if refused is not None:
                return refused
            if found:
                found[0].update(fields)
                return JSONResponse(
                    {"id": found[0]["Id"], "success": True, "errors": [], "created": False}, 200
                )
            duplicate = self._duplicate_of(sobject, fields)
            if duplicate:
                return self._duplicates_detected(sobject, duplicate)
            record = self._insert(sobject, {**fields, name: value})
            return JSONResponse({"id": record["Id"], "success": True, "errors": [], "created": True}, 201)

        return app


class RunningSalesforce:
    """Runs a `FakeSalesforce` under uvicorn on a free loopback port in a background thread."""

    def __init__(self, fake: FakeSalesforce) -> None:
        self.fake = fake
        config = uvicorn.Config(fake.app(), host="127.0.0.1", port=0, log_config=None, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningSalesforce:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("fake Salesforce did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = self.fake.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
