"""The console's signed session cookie and its CSRF token.

The cookie holds the staff e-mail, a random CSRF token and the id of a server-side login record
(`logins.py`, table `console_sessions`), signed with the service's session secret (itsdangerous)
and time-limited. The signature alone does not make a session: each request checks the record,
which logout and deactivation revoke and idle logoff ends. It is HttpOnly, SameSite=Lax, and
Secure when the public URL is https. Every POST must echo the token (form field or `X-CSRF-Token` header, which htmx sends).
Before login a separate short-lived cookie carries the login form's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from gateway.settings import Settings

SESSION_COOKIE = "frontdesk_console"
LOGIN_COOKIE = "frontdesk_console_login"
SESSION_MAX_AGE_S = 8 * 3600
LOGIN_MAX_AGE_S = 30 * 60
# Between a right password and the two-factor code: names the account, for this long.
PENDING_COOKIE = "frontdesk_console_2fa"
PENDING_MAX_AGE_S = 5 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class ConsoleSession:
    email: str
    csrf: str
    sid: str  # names the server-side login record (gateway/console/logins.py)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


class SessionCodec:
    def __init__(self, settings: Settings) -> None:
        secret = settings.session_secret_value()
        self._session = URLSafeTimedSerializer(secret, salt="frontdesk.console.session")
        self._login = URLSafeTimedSerializer(secret, salt="frontdesk.console.login")
        self._pending = URLSafeTimedSerializer(secret, salt="frontdesk.console.two-factor")
        self.secure = settings.public_url.lower().startswith("https://")

    def read(self, cookie: str | None) -> ConsoleSession | None:
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:  # also covers SignatureExpired
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("e", "c", "s")):
            return None
        return ConsoleSession(email=data["e"], csrf=data["c"], sid=data["s"])

    def write(self, response: Response, email: str, sid: str) -> ConsoleSession:
        session = ConsoleSession(email=email, csrf=new_token(), sid=sid)
        response.set_cookie(
            SESSION_COOKIE,
            self._session.dumps({"e": session.email, "c": session.csrf, "s": session.sid}),
            max_age=SESSION_MAX_AGE_S,
            httponly=True,
            secure=self.secure,
            samesite="lax",
            path="/",
        )
        return session

    def clear(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax")

    def read_login_token(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._login.loads(cookie, max_age=LOGIN_MAX_AGE_S)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def write_login_token(self, response: Response, token: str) -> None:
        response.set_cookie(
            LOGIN_COOKIE,
            self._login.dumps(token),
            max_age=LOGIN_MAX_AGE_S,
            httponly=True,
            secure=self.secure,
            samesite="strict",
            path="/console",
        )

    def write_pending(self, response: Response, email: str) -> None:
        """The password was right and a code is due: which account, signed, for 5 minutes."""
        response.set_cookie(
            PENDING_COOKIE,
            self._pending.dumps(email),
            max_age=PENDING_MAX_AGE_S,
            httponly=True,
            secure=self.secure,
            samesite="strict",
            path="/console",
        )

    def read_pending(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._pending.loads(cookie, max_age=PENDING_MAX_AGE_S)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None
