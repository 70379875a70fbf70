"""How the Salesforce connector gets a session: the OAuth 2.0 JWT bearer flow, or a fixed token.

JWT bearer flow (a connected app with a certificate, the integration user pre-authorised): the
connector signs a short-lived assertion with its private key (RS256; iss = the connected app's
consumer key, sub = the integration user's username, aud = the login URL, exp = now + 3 min), posts
it to `<login URL>/services/oauth2/token` and gets an access token and the org's instance URL. That
flow issues no refresh token and no `expires_in`: the session lasts as long as the org's session
policy says, so the connector keeps the token until Salesforce answers `INVALID_SESSION_ID`, then
signs a new assertion ("refresh") once.

A fixed access token (e.g. from `sf org display`) cannot be renewed: when it expires, every call is
`Unavailable` until someone configures a new one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from connectors.resilience import HttpFailure

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME_S = 180  # Salesforce accepts an `exp` at most 3 minutes ahead
TOKEN_PATH = "/services/oauth2/token"


@dataclass(frozen=True)
class Session:
    access_token: str
    instance_url: str  # https://<my domain>.my.salesforce.com, no trailing slash


class SessionSource(Protocol):
    can_renew: bool

    async def session(self, http: httpx.AsyncClient) -> Session: ...

    def invalidate(self, stale: Session) -> None:
        """`stale` was refused (INVALID_SESSION_ID): the next `session()` must not return it."""


class StaticToken:
    """An access token issued out of band, for the instance it belongs to."""

    can_renew = False

    def __init__(self, access_token: str, instance_url: str) -> None:
        if not access_token:
            raise ValueError("the Salesforce access token is empty")
        if not instance_url.startswith(("https://", "http://")):
            raise ValueError("the Salesforce instance URL must be an http(s) URL")
        self._session = Session(access_token, instance_url.rstrip("/"))

    async def session(self, http: httpx.AsyncClient) -> Session:
        return self._session

    def invalidate(self, stale: Session) -> None:
        return None


def _rsa_key(private_key_pem: bytes) -> None:
    key = load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the Salesforce JWT bearer flow needs an RSA private key (RS256)")


class JwtBearerAuth:
    can_renew = True

    def __init__(
        self,
        *,
        client_id: str,
        username: str,
        private_key_pem: bytes,
        login_url: str = "https://login.salesforce.com",
        instance_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not client_id or not username:
            raise ValueError("the JWT bearer flow needs the connected app's client id and a username")
        _rsa_key(private_key_pem)
        self.client_id = client_id
        self.username = username
        self.login_url = login_url.rstrip("/")
        self._key = private_key_pem
        # None: use the instance URL the token endpoint answers with (the normal case).
        self._instance_url = instance_url.rstrip("/") if instance_url else None
        self._clock = clock
        self._current: Session | None = None
        self._lock = asyncio.Lock()  # one token request at a time, however many calls wait
        self.tokens_fetched = 0

    def assertion(self) -> str:
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.login_url,
            "exp": int(self._clock()) + ASSERTION_LIFETIME_S,
        }
        return jwt.encode(claims, self._key, algorithm="RS256")

    async def session(self, http: httpx.AsyncClient) -> Session:
        async with self._lock:
            if self._current is not None:
                return self._current
            form = {"grant_type": GRANT_TYPE, "assertion": self.assertion()}
            resp = await http.post(self.login_url + TOKEN_PATH, data=form)
            if resp.status_code != 200:
                # invalid_grant (bad signature, unknown user, app not approved), invalid_client_id:
                # our configuration is wrong; nothing a caller did and no retry helps (401 -> not
                # retried). A 5xx from the login server stays retryable.
                status = 401 if 400 <= resp.status_code < 500 else resp.status_code
                raise HttpFailure(
                    status, resp.headers, f"Salesforce token request refused: {resp.text[:300]}"
                )
            body = resp.json()
            instance = self._instance_url or str(body.get("instance_url") or "").rstrip("/")
            if not body.get("access_token") or not instance:
                raise HttpFailure(502, None, "Salesforce token answer without access_token/instance_url")
            self._current = Session(str(body["access_token"]), instance)
            self.tokens_fetched += 1
            return self._current

    def invalidate(self, stale: Session) -> None:
        # Only the session that was refused: when 20 calls fail with the same expired token, the
        # first one's refresh must not be thrown away by the other 19.
        if self._current == stale:
            self._current = None
