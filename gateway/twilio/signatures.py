"""Twilio request signatures: which URL Twilio signed, and whether a signature matches it.

Twilio signs the exact URL it was configured with (HMAC-SHA1 with the account's auth token).
Behind a proxy the gateway sees another host and scheme, so the candidate URLs are rebuilt from
`X-Forwarded-Proto/Host` when present, from the configured public URL, and from the request's own
Host header. The secret is the auth token, so trying a few URLs does not weaken the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

_WS_SCHEME = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_HTTP_SCHEME = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def candidate_urls(
    *,
    public_url: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    request_scheme: str,
    websocket: bool,
) -> list[str]:
    """The URLs Twilio may have signed for a request that reached `path` on this gateway."""
    schemes = _WS_SCHEME if websocket else _HTTP_SCHEME
    suffix = path + (f"?{query}" if query else "")
    urls: list[str] = []

    forwarded_host = _first(headers.get("x-forwarded-host"))
    forwarded_proto = _first(headers.get("x-forwarded-proto"))
    if forwarded_host:
        proto = schemes.get((forwarded_proto or "https").lower(), "wss" if websocket else "https")
        urls.append(f"{proto}://{forwarded_host}{suffix}")

    public = urlsplit(public_url.rstrip("/"))
    if public.scheme and public.netloc:
        base_path = public.path.rstrip("/")
        urls.append(f"{schemes.get(public.scheme, public.scheme)}://{public.netloc}{base_path}{suffix}")

    host = headers.get("host")
    if host:
        own = schemes.get(request_scheme.lower(), request_scheme)
        urls.append(f"{own}://{host}{suffix}")
        if websocket:
            # Twilio always connects with wss; a TLS-terminating proxy may hide that.
            urls.append(f"wss://{host}{suffix}")
    return list(dict.fromkeys(urls))


def is_valid(auth_token: str, urls: list[str], params: Mapping[str, str], signature: str | None) -> bool:
    """True when `signature` matches one of `urls` with `params` (POST form fields, or {})."""
    if not signature or not auth_token:
        return False
    validator = RequestValidator(auth_token)
    return any(validator.validate(url, dict(params), signature) for url in urls)


def sign(auth_token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    """The signature Twilio would send for `url` and `params` (the simulator and tests use it)."""
    return RequestValidator(auth_token).compute_signature(url, dict(params or {}))


def _first(value: str | None) -> str | None:
    """A proxy chain sends comma-separated values; the first is the client-facing one."""
    if not value:
        return None
    return value.split(",")[0].strip() or None
