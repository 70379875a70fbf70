"""Salesforce REST over httpx: one session (renewed once when Salesforce calls it invalid), the
API allowance gate, and error answers raised as typed failures (`errors.py`).

Paths are relative to `/services/data/<version>` of the org's instance URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.salesforce.auth import SessionSource
from connectors.salesforce.errors import parse_error
from connectors.salesforce.limits import HEADER as LIMIT_HEADER
from connectors.salesforce.limits import ApiAllowance

MIN_API_VERSION = 60
_VERSION = re.compile(r"v(\d+)\.0")


def check_api_version(version: str) -> str:
    match = _VERSION.fullmatch(version)
    if not match or int(match.group(1)) < MIN_API_VERSION:
        raise ValueError(f"the Salesforce API version must look like v60.0 (v{MIN_API_VERSION}.0 or later)")
    return version


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class SalesforceClient:
    def __init__(
        self,
        auth: SessionSource,
        *,
        api_version: str = "v60.0",
        timeout_s: float = 10.0,
        allowance: ApiAllowance | None = None,
    ) -> None:
        self.auth = auth
        self.api_version = check_api_version(api_version)
        self.allowance = allowance or ApiAllowance()
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s))
        self.sessions_renewed = 0

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        self.allowance.check()
        renewed = False
        while True:
            session = await self.auth.session(self._http)
            url = f"{session.instance_url}/services/data/{self.api_version}{path}"
            resp = await self._http.request(
                method,
                url,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {session.access_token}", **(headers or {})},
            )
            self.allowance.observe(resp.headers.get(LIMIT_HEADER))
            body = _json(resp)
            if resp.status_code < 300:
                return Answer(resp.status_code, body)
            error = parse_error(resp.status_code, resp.headers, body)
            if error.has("INVALID_SESSION_ID") and self.auth.can_renew and not renewed:
                # The session expired or was revoked: sign a new assertion, try once more.
                self.auth.invalidate(session)
                renewed = True
                self.sessions_renewed += 1
                continue
            raise error.to_failure() from error

    async def aclose(self) -> None:
        await self._http.aclose()


def _json(resp: httpx.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text[:500]
