"""A local HTTP server that speaks HubSpot's CRM v3 object API (the shapes the official client uses).

It stores contacts, notes, tickets and tasks in memory, evaluates search `filterGroups` (EQ, OR across
groups, AND within), checks the Bearer token and HubSpot's search limits, records every request
it receives, and can be told to fail: `fail_next(status, times, retry_after)` or
`stall_next(seconds)` (the write is applied first, then the answer is late, as with a slow network).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

OBJECT_TYPES = ("contacts", "notes", "tickets", "tasks")
REQUIRED = {
    "notes": ("hs_timestamp",),
    "tickets": ("subject", "hs_pipeline", "hs_pipeline_stage"),
    "tasks": ("hs_timestamp", "hs_task_subject"),
}


def _error(status: int, message: str, category: str) -> JSONResponse:
    body = {"status": "error", "message": message, "correlationId": "local-fake", "category": category}
    return JSONResponse(body, status_code=status)


@dataclass
class _Fault:
    status: int | None = None
    retry_after: str | None = None
    stall_s: float = 0.0


@dataclass
class FakeHubSpot:
    token: str = "pat-test-token"
    objects: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {t: {} for t in OBJECT_TYPES}
    )
    requests: list[dict[str, Any]] = field(default_factory=list)
    _faults: list[_Fault] = field(default_factory=list)
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- test controls -------------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        self._faults.extend(_Fault(status=status, retry_after=retry_after) for _ in range(times))

    def stall_next(self, seconds: float) -> None:
        self._faults.append(_Fault(stall_s=seconds))

    def add(self, object_type: str, properties: dict[str, Any]) -> str:
        return self._create(object_type, properties, [])["id"]

    def created(self, object_type: str) -> list[dict[str, Any]]:
        return list(self.objects[object_type].values())

    # -- behaviour -----------------------------------------------------------------------------

    def _create(
        self, object_type: str, properties: dict[str, Any], associations: list[dict]
    ) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            object_id = str(self._next_id)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        props = {k: (None if v is None else str(v)) for k, v in properties.items()}
        if object_type == "contacts" and props.get("phone"):
            digits = "".join(c for c in props["phone"] if c.isdigit())
            props["hs_searchable_calculated_phone_number"] = digits[-10:]
        record = {
            "id": object_id,
            "properties": {**props, "hs_object_id": object_id, "createdate": now},
            "createdAt": now,
            "updatedAt": now,
            "archived": False,
            "associations": associations,
        }
        self.objects[object_type][object_id] = record
        return record

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
            body = await request.body()
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "body": body.decode() or None,
                    "auth": request.headers.get("authorization"),
                }
            )
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
            fault = self._faults.pop(0) if self._faults else None
            if fault and fault.status:
                resp = _error(
                    fault.status,
                    f"injected {fault.status}",
                    "RATE_LIMITS" if fault.status == 429 else "ERROR",
                )
                if fault.retry_after:
                    resp.headers["Retry-After"] = fault.retry_after
                return resp
            response = await call_next(request)
            if fault and fault.stall_s:
                # The request was applied; the answer arrives late.
                import asyncio

                await asyncio.sleep(fault.stall_s)
            return response

        @app.post("/crm/v3/objects/{object_type}/search")
        async def search(object_type: str, request: Request) -> JSONResponse:
            if object_type not in OBJECT_TYPES:
                return _error(404, f"unknown object type {object_type}", "OBJECT_NOT_FOUND")
            payload = await request.json()
            groups = payload.get("filterGroups") or []
            if len(groups) > 5 or sum(len(g.get("filters", [])) for g in groups) > 25:
                return _error(400, "Too many filters or filter groups.", "VALIDATION_ERROR")
            if any(len(g.get("filters", [])) > 10 for g in groups):
                return _error(400, "Too many filters in a group.", "VALIDATION_ERROR")
            for group in groups:
                for f in group.get("filters", []):
                    if f.get("operator") not in ("EQ",) or "propertyName" not in f:
                        return _error(400, f"Unsupported filter {f}", "VALIDATION_ERROR")

            def matches(record: dict[str, Any]) -> bool:
                if not groups:
                    return True
                props = record["properties"]
                return any(
                    all(
                        str(props.get(f["propertyName"]) or "").lower() == str(f.get("value", "")).lower()
                        for f in g["filters"]
                    )
                    for g in groups
                )

            wanted = payload.get("properties") or []
            found = [r for r in self.objects[object_type].values() if matches(r)]
            limit = int(payload.get("limit") or 10)
            results = [
                {
                    **{k: v for k, v in r.items() if k != "associations"},
                    "properties": {
                        k: v
                        for k, v in r["properties"].items()
                        if not wanted or k in wanted or k == "hs_object_id"
                    },
                }
                for r in found[:limit]
            ]
            return JSONResponse({"total": len(found), "results": results})

        @app.post("/crm/v3/objects/{object_type}")
        async def create(object_type: str, request: Request) -> JSONResponse:
            if object_type not in OBJECT_TYPES:
                return _error(404, f"unknown object type {object_type}", "OBJECT_NOT_FOUND")
            payload = await request.json()
            properties = payload.get("properties")
            if not isinstance(properties, dict):
                return _error(400, "properties is required", "VALIDATION_ERROR")
            missing = [p for p in REQUIRED.get(object_type, ()) if not properties.get(p)]
            if missing:
                return _error(400, f"Property values were not valid: missing {missing}", "VALIDATION_ERROR")
            if object_type == "contacts" and not any(
                properties.get(p) for p in ("email", "firstname", "lastname")
            ):
                return _error(400, "A contact needs email, firstname or lastname", "VALIDATION_ERROR")
            associations = payload.get("associations") or []
            for assoc in associations:
                to_id = str(assoc.get("to", {}).get("id"))
                if to_id not in self.objects["contacts"]:
                    return _error(400, f"Association target {to_id} does not exist", "VALIDATION_ERROR")
                for t in assoc.get("types", []):
                    if t.get("associationCategory") != "HUBSPOT_DEFINED" or not isinstance(
                        t.get("associationTypeId"), int
                    ):
                        return _error(400, "invalid association type", "VALIDATION_ERROR")
            record = self._create(object_type, properties, associations)
            return JSONResponse({k: v for k, v in record.items() if k != "associations"}, status_code=201)

        @app.get("/crm/v3/objects/{object_type}/{object_id}")
        async def read(object_type: str, object_id: str) -> JSONResponse:
            record = self.objects.get(object_type, {}).get(object_id)
            if record is None:
                return _error(404, "Object not found", "OBJECT_NOT_FOUND")
            return JSONResponse({k: v for k, v in record.items() if k != "associations"})

        return app


class RunningFake:
    """Runs a `FakeHubSpot` under uvicorn on a free loopback port in a background thread."""

    def __init__(self, fake: FakeHubSpot) -> None:
        self.fake = fake
        config = uvicorn.Config(fake.app(), host="127.0.0.1", port=0, log_config=None, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningFake:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("fake HubSpot did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
