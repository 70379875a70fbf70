"""How the FHIR client proves who it is: a fixed bearer token, or SMART Backend Services.

SMART Backend Services (client-confidential-asymmetric): the client signs a short-lived JWT with
its private key (RS384 for RSA keys, ES384 for EC P-384 keys; `kid` names the registered public
key), posts it to the token endpoint as a client_credentials grant, and uses the access token it
gets until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from connectors.resilience import HttpFailure

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_S = 300  # the spec's upper bound for `exp`
# SMART v2 scopes of exactly what the connector does (connector.py): it reads and searches
# patients, practitioners, schedules and slots, marks slots busy or free, and creates, reads,
# updates (cancels) and searches appointments. No delete, no wildcard.
SCOPES_USED = (
    "system/Patient.rs system/Practitioner.rs system/Schedule.rs system/Slot.rsu system/Appointment.crus"
)
EXPIRY_MARGIN_S = 30  # renew this long before the token expires, so no request carries a dead one


class TokenSource(Protocol):
    async def token(self, http: httpx.AsyncClient) -> str: ...

    def invalidate(self) -> None: ...


class StaticBearer:
    """A token issued out of band (e.g. a sandbox's long-lived token)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the bearer token is empty")
        self._token = token

    async def token(self, http: httpx.AsyncClient) -> str:
        return self._token

    def invalidate(self) -> None:
        return None


def signing_algorithm(private_key_pem: bytes) -> str:
    key = load_pem_private_key(private_key_pem, password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS384"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP384R1):
        return "ES384"
    raise ValueError("SMART backend services needs an RSA key (RS384) or an EC P-384 key (ES384)")


class SmartBackendAuth:
    def __init__(
        self,
        *,
        client_id: str,
        private_key_pem: bytes,
        key_id: str,
        token_url: str | None = None,
        fhir_base_url: str | None = None,
        scope: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not token_url and not fhir_base_url:
            raise ValueError("need the token URL or the FHIR base URL to discover it")
        self.client_id = client_id
        self.key_id = key_id
        self.scope = scope
        self.algorithm = signing_algorithm(private_key_pem)
        self._key = private_key_pem
        self._token_url = token_url
        self._base_url = fhir_base_url
        self._clock = clock
        self._cached: tuple[str, float] | None = None  # (access token, renew-after time)
        self._lock = asyncio.Lock()  # one token request at a time, however many calls wait
        self.tokens_fetched = 0

    def assertion(self, token_url: str) -> str:
        now = int(self._clock())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_S,
            "jti": uuid.uuid4().hex,  # never reused: the server refuses a replayed assertion
        }
        return jwt.encode(claims, self._key, algorithm=self.algorithm, headers={"kid": self.key_id})

    async def token(self, http: httpx.AsyncClient) -> str:
        async with self._lock:
            if self._cached and self._clock() < self._cached[1]:
                return self._cached[0]
            token_url = await self._discover(http)
            form = {
                "grant_type": "client_credentials",
                "scope": self.scope,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion(token_url),
            }
            resp = await http.post(token_url, data=form)
            if resp.status_code != 200:
                # Refused credentials: 401 maps to "unavailable", not something a caller caused.
                status = 401 if resp.status_code in (400, 401, 403) else resp.status_code
                raise HttpFailure(status, resp.headers, f"SMART token request refused: {resp.text[:300]}")
            body = resp.json()
            lifetime = float(body.get("expires_in") or 300)
            self._cached = (body["access_token"], self._clock() + max(0.0, lifetime - EXPIRY_MARGIN_S))
            self.tokens_fetched += 1
            return self._cached[0]

    def invalidate(self) -> None:
        self._cached = None

    async def _discover(self, http: httpx.AsyncClient) -> str:
        if self._token_url:
            return self._token_url
        assert self._base_url is not None  # __init__ refuses to have neither URL
        url = f"{self._base_url.rstrip('/')}/.well-known/smart-configuration"
        resp = await http.get(url)
        endpoint = resp.json().get("token_endpoint") if resp.status_code == 200 else None
        if not endpoint:
            status = resp.status_code if resp.status_code >= 400 else 502
            raise HttpFailure(status, resp.headers, f"no token_endpoint at {url}")
        self._token_url = str(endpoint)
        return self._token_url
