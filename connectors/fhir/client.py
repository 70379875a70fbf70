"""A small async FHIR R4 REST client over httpx: read, search (following `next` links), and
transaction Bundles. Answers are parsed into `fhir.resources.R4B` models; error answers become
typed failures (see `outcome.py`). Retries, timeouts per attempt and the circuit breaker are the
caller's business (the connector wraps every call in `connectors.resilience`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import structlog
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from connectors.base import Rejected
from connectors.fhir.auth import TokenSource
from connectors.fhir.outcome import error_for

R = TypeVar("R", bound=Resource)
log: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(__name__)
FHIR_JSON = "application/fhir+json"
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR R4 `id` datatype
MAX_PAGES = 20  # a search never walks more than this many pages


def check_id(value: str, what: str) -> str:
    """A FHIR logical id, or `Rejected`: ids end up in URLs, so nothing else may pass."""
    if not ID_PATTERN.match(value):
        raise Rejected(f"I didn't understand which {what} that is.", detail=f"malformed {what} id {value!r}")
    return value


def parse(model: type[R], data: Any, what: str) -> R:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Rejected(
            "Our records system sent something I can't read.", detail=f"{what}: invalid FHIR: {exc}"
        ) from exc


@dataclass
class Versioned(Generic[R]):
    """A resource as read, with the version to put in `If-Match` when writing it back."""

    resource: R
    version_id: str | None

    @property
    def if_match(self) -> str | None:
        return f'W/"{self.version_id}"' if self.version_id else None


class FhirClient:
    def __init__(
        self,
        base_url: str,
        auth: TokenSource | None = None,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            headers={"Accept": FHIR_JSON},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- plumbing -------------------------------------------------------------------------------

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if not url.startswith(("http://", "https://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        for attempt in (1, 2):
            headers = dict(kwargs.pop("headers", None) or {})
            if self._auth is not None:
                headers["Authorization"] = f"Bearer {await self._auth.token(self.http)}"
            resp = await self.http.request(method, url, headers=headers, **kwargs)
            if resp.status_code == 401 and self._auth is not None and attempt == 1:
                self._auth.invalidate()  # revoked or expired early: fetch a new token once
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            break
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = None
            raise error_for(resp.status_code, body, resp.headers, f"{method} {url}")
        return resp

    # -- interactions ---------------------------------------------------------------------------

    async def read(self, model: type[R], resource_id: str) -> Versioned[R]:
        name = model.get_resource_type()
        check_id(resource_id, name.lower())
        resp = await self._send("GET", f"{name}/{resource_id}")
        resource = parse(model, resp.json(), f"{name}/{resource_id}")
        meta = getattr(resource, "meta", None)
        version = meta.versionId if meta and meta.versionId else _etag_version(resp.headers.get("etag"))
        return Versioned(resource, version)

    async def search(self, resource_type: str, params: list[tuple[str, str]]) -> list[Resource]:
        """Every entry (matches and `_include`s) of a search, following `next` links."""
        out: list[Resource] = []
        url: str | None = resource_type
        query: list[tuple[str, str]] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                break
            resp = await self._send("GET", url, params=query)
            body = resp.json()
            if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
                raise Rejected(
                    "Our records system sent something I can't read.",
                    detail=f"search {resource_type}: not a Bundle",
                )
            out.extend(r for r in map(_entry_resource, body.get("entry") or []) if r is not None)
            links = body.get("link") or []
            url = next((link.get("url") for link in links if link.get("relation") == "next"), None)
            if url is not None:
                url = self._same_origin(str(url), resource_type)
            query = None  # a next link carries its own query
        return out

    def _same_origin(self, link: str, resource_type: str) -> str:
        """A `next` link, only when it is on the base URL's scheme, host and port: the request
        carries our bearer token, and a server (or whoever edits its answers) must not be able
        to send it elsewhere. A relative link is taken relative to the base URL."""
        absolute = httpx.URL(self.base_url + "/").join(link)
        base = httpx.URL(self.base_url)
        if (absolute.scheme, absolute.host, absolute.port) != (base.scheme, base.host, base.port):
            raise Rejected(
                "Our records system sent something I can't read.",
                detail=f"search {resource_type}: next link to another server ({absolute.scheme}://{absolute.host}) not followed",
            )
        return str(absolute)

    async def transaction(self, entries: list[dict[str, Any]]) -> Bundle:
        """Post a transaction Bundle: all entries succeed together or none does."""
        body = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        resp = await self._send(
            "POST", "", json=body, headers={"Content-Type": FHIR_JSON, "Prefer": "return=representation"}
        )
        return parse(Bundle, resp.json(), "transaction-response")


def _entry_resource(entry: dict[str, Any]) -> Resource | None:
    """One search entry as a model. An entry that is not valid R4B (a real EMR's data is not
    always clean) is skipped and logged rather than failing the whole search."""
    raw = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(raw, dict):
        return None
    try:
        resource = get_fhir_model_class(str(raw.get("resourceType"))).model_validate(raw)
    except (ValidationError, ValueError):
        # Name the record, not its content: validation errors quote the (protected) values.
        log.warning(
            "skipping an invalid resource in a search result",
            resource_type=raw.get("resourceType"),
            resource_id=raw.get("id"),
        )
        return None
    return resource if isinstance(resource, Resource) else None  # a data type's name is no resource


def _etag_version(etag: str | None) -> str | None:
    match = re.search(r'"([^"]+)"', etag or "")
    return match.group(1) if match else None
