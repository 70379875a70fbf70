"""Twilio request signatures: the one URL Twilio signed, and whether a signature matches it.

Twilio signs the exact URL it was configured with (HMAC-SHA1 with the account's auth token). That
URL is `FRONTDESK_PUBLIC_URL` plus the path and query: the gateway never takes the host or scheme
from the request (Host, X-Forwarded-Host/-Proto), because then a signature made for another host
(another deployment on the same Twilio account, say) would be accepted by this one, and a replayed
webhook could steer the TwiML's stream URL wherever its headers said.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator

_WS_SCHEME = {"http": "ws", "https": "wss"}


def public_request_url(public_url: str, path: str, query: str, *, websocket: bool = False) -> str:
    """The URL Twilio requested for `path` (+ `query`) on this gateway: the public URL's scheme (ws/wss
    for the media stream), host and base path."""
    public = urlsplit(public_url.rstrip("/"))
    scheme = _WS_SCHEME.get(public.scheme, public.scheme) if websocket else public.scheme
    return f"{scheme}://{public.netloc}{public.path.rstrip('/')}{path}" + (f"?{query}" if query else "")


def is_valid(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    """True when `signature` matches `url` with `params` (POST form fields, or {})."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def is_valid_json(auth_token: str, url: str, body: str, signature: str | None) -> bool:
    """Twilio's form for JSON bodies: the signature covers the URL, whose `bodySHA256` query
    parameter must be the SHA-256 of the raw body. A JSON post without it is not signed."""
    if not signature or not auth_token or "bodySHA256" not in parse_qs(urlsplit(url).query):
        return False
    return bool(RequestValidator(auth_token).validate(url, body, signature))


def json_params(body: str) -> dict[str, str]:
    """The top-level scalar fields of a signed JSON body, as strings (what form fields would be)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str | int | float | bool)}


def sign(auth_token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    """The signature Twilio would send for `url` and `params` (the simulator and tests use it)."""
    return RequestValidator(auth_token).compute_signature(url, dict(params or {}))


def sign_json(auth_token: str, url: str, body: str) -> tuple[str, str]:
    """(the URL with `bodySHA256` added, its signature), as Twilio sends a JSON webhook."""
    validator = RequestValidator(auth_token)
    signed_url = url + ("&" if "?" in url else "?") + "bodySHA256=" + validator.compute_hash(body)
    return signed_url, validator.compute_signature(signed_url, {})
