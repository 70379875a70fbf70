"""Response headers that keep the console's pages where they belong.

On everything under /console (and the staff API): a Content-Security-Policy that allows only the
console's own scripts, styles and media (htmx and console.css are served locally; no inline script)
and no framing (`frame-ancestors 'none'`, plus X-Frame-Options for old browsers: no clickjacking of
the Claim and Close buttons); `nosniff`; `Referrer-Policy: no-referrer`, because console URLs carry
search terms; and `Cache-Control: no-store`, because the pages and exports hold patient data that
must not stay in a browser or proxy cache (static files keep their own caching). When the public
URL is https, every response carries HSTS. The chat widget's paths are left alone: it is embedded
in other sites' pages.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"
_STAFF_PREFIXES = ("/console", "/api/conversations/")
_STATIC_PREFIX = "/console/static/"


class SecurityHeaders:
    """Pure ASGI middleware (streamed exports pass through untouched)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        staff = path.startswith(_STAFF_PREFIXES)
        static = path.startswith(_STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if self.https:
                    headers["Strict-Transport-Security"] = HSTS
                if staff:
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                    headers["X-Frame-Options"] = "DENY"
                    headers["X-Content-Type-Options"] = "nosniff"
                    headers["Referrer-Policy"] = "no-referrer"
                    if not static:
                        headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
