"""SMART backend services and bearer tokens against the local server's token endpoint."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest
from pydantic import SecretStr

from connectors.base import ListProviders, Unavailable
from connectors.fhir import FhirConnector, SmartBackendAuth, StaticBearer, build_fhir_connector
from connectors.fhir.auth import ASSERTION_TYPE, SCOPES_USED
from gateway.settings import Settings, SettingsError, load_settings
from tests.connectors.fhir.conftest import FAST, STATIC_TOKEN, TZ, Clinic, FhirServer


def smart(server: FhirServer, which: str = "rsa", *, discover: bool = False) -> SmartBackendAuth:
    client = server.rsa if which == "rsa" else server.ec
    return SmartBackendAuth(
        client_id=client.client_id,
        private_key_pem=client.private_pem,
        key_id=client.kid,
        token_url=None if discover else server.token_url,
        fhir_base_url=server.base_url,
        scope=SCOPES_USED,
    )


@pytest.mark.parametrize(("which", "alg"), [("rsa", "RS384"), ("ec", "ES384")])
async def test_smart_token_is_fetched_once_and_reused(
    fhir_server: FhirServer, clinic: Clinic, which: str, alg: str
) -> None:
    auth = smart(fhir_server, which, discover=which == "ec")
    assert auth.algorithm == alg
    before = fhir_server.control("stats")["tokensIssued"]
    conn = FhirConnector(fhir_server.base_url, auth=auth, timezone=TZ, policy=FAST)
    try:
        for _ in range(3):
            providers = await conn.list_providers(ListProviders())
            assert len(providers.providers) == 2
    finally:
        await conn.aclose()
    assert auth.tokens_fetched == 1
    assert fhir_server.control("stats")["tokensIssued"] == before + 1


def test_assertion_claims(fhir_server: FhirServer) -> None:
    auth = smart(fhir_server)
    token = auth.assertion(fhir_server.token_url)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "RS384" and header["kid"] == fhir_server.rsa.kid
    assert claims["iss"] == claims["sub"] == fhir_server.rsa.client_id
    assert claims["aud"] == fhir_server.token_url
    assert 0 < claims["exp"] - time.time() <= 300
    assert (
        claims["jti"]
        != jwt.decode(auth.assertion(fhir_server.token_url), options={"verify_signature": False})["jti"]
    )


async def test_revoked_token_is_replaced_once(fhir_server: FhirServer, clinic: Clinic) -> None:
    auth = smart(fhir_server)
    conn = FhirConnector(fhir_server.base_url, auth=auth, timezone=TZ, policy=FAST)
    try:
        await conn.list_providers(ListProviders())
        fhir_server.control("revoke")  # e.g. the EMR rotated its signing keys
        assert len((await conn.list_providers(ListProviders())).providers) == 2
    finally:
        await conn.aclose()
    assert auth.tokens_fetched == 2


async def test_forged_assertion_is_refused(fhir_server: FhirServer, clinic: Clinic) -> None:
    forged = SmartBackendAuth(
        client_id=fhir_server.rsa.client_id,
        private_key_pem=fhir_server.stranger_pem,  # right client id and kid, wrong key
        key_id=fhir_server.rsa.kid,
        token_url=fhir_server.token_url,
    )
    conn = FhirConnector(fhir_server.base_url, auth=forged, timezone=TZ, policy=FAST)
    try:
        with pytest.raises(Unavailable) as info:
            await conn.list_providers(ListProviders())
    finally:
        await conn.aclose()
    assert "bad signature" in (info.value.detail or "")


def _post_assertion(server: FhirServer, token: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": token,
    }
    return httpx.post(server.token_url, data=form, timeout=5)


def test_token_endpoint_checks_audience_expiry_and_replay(fhir_server: FhirServer) -> None:
    client = fhir_server.rsa
    now = int(time.time())

    def sign(**claims: object) -> str:
        base = {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": fhir_server.token_url,
            "exp": now + 120,
        }
        base["jti"] = uuid.uuid4().hex
        return jwt.encode(base | claims, client.private_pem, algorithm="RS384", headers={"kid": client.kid})

    assert _post_assertion(fhir_server, sign(aud="https://elsewhere.example/token")).status_code == 401
    assert _post_assertion(fhir_server, sign(exp=now - 10)).status_code == 401
    assert _post_assertion(fhir_server, sign(exp=now + 3600)).status_code == 401  # more than 5 minutes
    replayed = sign()
    ok = _post_assertion(fhir_server, replayed)
    assert ok.status_code == 200 and ok.json()["token_type"] == "bearer" and ok.json()["expires_in"] > 0
    assert _post_assertion(fhir_server, replayed).status_code == 401


async def test_fhir_requests_need_a_valid_bearer_token(fhir_server: FhirServer, clinic: Clinic) -> None:
    async with httpx.AsyncClient(timeout=5) as anonymous:
        assert (await anonymous.get(f"{fhir_server.base_url}/Practitioner")).status_code == 401
    conn = FhirConnector(fhir_server.base_url, auth=StaticBearer("wrong-token"), timezone=TZ, policy=FAST)
    try:
        with pytest.raises(Unavailable):
            await conn.list_providers(ListProviders())
    finally:
        await conn.aclose()


async def test_build_from_settings(fhir_server: FhirServer, clinic: Clinic, tmp_path) -> None:
    key = tmp_path / "fhir-key.pem"
    key.write_bytes(fhir_server.ec.private_pem)
    settings = Settings(
        data_dir=tmp_path,
        connector="fhir",
        fhir_base_url=fhir_server.base_url,
        fhir_client_id=fhir_server.ec.client_id,
        fhir_private_key_path=key,
        fhir_key_id=fhir_server.ec.kid,
        timezone="America/New_York",
    )
    conn = build_fhir_connector(settings)
    try:
        assert len((await conn.list_providers(ListProviders())).providers) == 2
    finally:
        await conn.aclose()
    bearer = build_fhir_connector(
        settings.model_copy(update={"fhir_client_id": None, "fhir_token": SecretStr(STATIC_TOKEN)})
    )
    try:
        assert len((await bearer.list_providers(ListProviders())).providers) == 2
    finally:
        await bearer.aclose()
    with pytest.raises(ValueError, match="KEY_ID"):
        build_fhir_connector(settings.model_copy(update={"fhir_key_id": None}))


def test_fhir_urls_in_settings_must_be_http(tmp_path) -> None:
    with pytest.raises(SettingsError, match="FRONTDESK_FHIR_BASE_URL"):
        load_settings(data_dir=tmp_path, fhir_base_url="fhir.example.org/r4")
    with pytest.raises(SettingsError, match="FRONTDESK_FHIR_TOKEN_URL"):
        load_settings(data_dir=tmp_path, fhir_token_url="ftp://auth.example.org/token")
    assert load_settings(data_dir=tmp_path, fhir_base_url="https://ehr.example.org/r4/").fhir_base_url == (
        "https://ehr.example.org/r4"
    )
