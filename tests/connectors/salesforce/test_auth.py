"""Sessions: the JWT bearer flow against the local token endpoint (real RS256 check), refusals,
renewal after INVALID_SESSION_ID, a fixed token, and building the connector from settings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from connectors.base import FindContact, Unavailable
from connectors.salesforce import JwtBearerAuth, SalesforceConnector, StaticToken, build_salesforce_connector
from tests.connectors.salesforce.conftest import FAST, USERNAME, KeyPair, MakeConnector
from tests.fakes.salesforce_server import RunningSalesforce

AMARA = FindContact(email="amara@example.org")


def token_requests(running: RunningSalesforce) -> list[dict[str, Any]]:
    return [r for r in running.fake.requests if r["path"] == "/services/oauth2/token"]


async def test_jwt_bearer_flow_signs_the_claims_salesforce_checks(
    salesforce: RunningSalesforce, connect: MakeConnector, app_key: KeyPair
) -> None:
    connector = connect()
    found = (await connector.find_contact(AMARA)).contacts
    assert [c.last_name for c in found] == ["Okafor"]
    [sent] = token_requests(salesforce)
    form = dict(part.split("=", 1) for part in (sent["body"] or "").split("&"))
    assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
    claims = jwt.decode(form["assertion"], app_key.public_pem, algorithms=["RS256"], audience=salesforce.url)
    assert claims["iss"] == salesforce.fake.client_id and claims["sub"] == USERNAME
    assert jwt.get_unverified_header(form["assertion"])["alg"] == "RS256"
    # The session is reused: a second call asks for no new token.
    await connector.find_contact(AMARA)
    assert salesforce.fake.tokens_issued == 1 and len(salesforce.fake.data_requests()) == 4


async def test_a_key_the_app_does_not_know_is_refused_without_retry(
    salesforce: RunningSalesforce, connect: MakeConnector, other_key: KeyPair
) -> None:
    with pytest.raises(Unavailable) as refused:
        await connect(key=other_key.private_pem).find_contact(AMARA)
    assert "invalid assertion" in (refused.value.detail or "")
    assert "assertion" not in refused.value.message
    assert len(token_requests(salesforce)) == 1  # a refused key is not retried
    assert salesforce.fake.data_requests() == []


async def test_unknown_consumer_key_and_unapproved_user_are_refused(
    salesforce: RunningSalesforce, app_key: KeyPair
) -> None:
    for client_id, username, says in (
        ("3MVG9other", USERNAME, "client identifier invalid"),
        (salesforce.fake.client_id, "someone@example.org", "hasn't approved"),
    ):
        auth = JwtBearerAuth(
            client_id=client_id,
            username=username,
            private_key_pem=app_key.private_pem,
            login_url=salesforce.url,
        )
        connector = SalesforceConnector(auth, policy=FAST)
        with pytest.raises(Unavailable) as refused:
            await connector.find_contact(AMARA)
        assert says in (refused.value.detail or "")
        await connector.aclose()
    assert salesforce.fake.data_requests() == []


async def test_an_expired_session_is_renewed_once_and_the_call_goes_through(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    connector = connect()
    await connector.find_contact(AMARA)
    salesforce.fake.expire_tokens()  # the org's session timeout, or an admin revoked it
    found = await asyncio.gather(*(connector.find_contact(AMARA) for _ in range(10)))
    assert all(len(f.contacts) == 1 for f in found)
    assert salesforce.fake.tokens_issued == 2  # ten refused calls, one new session
    assert connector.client.sessions_renewed >= 1


async def test_a_session_refused_right_after_renewal_is_unavailable(
    salesforce: RunningSalesforce, connect: MakeConnector
) -> None:
    salesforce.fake.fail_next(401, "INVALID_SESSION_ID", "Session expired or invalid", times=2)
    with pytest.raises(Unavailable):
        await connect().find_contact(AMARA)
    assert salesforce.fake.tokens_issued == 2  # renewed once, not in a loop
    assert len(salesforce.fake.data_requests()) == 2


async def test_a_plain_access_token_works_until_it_expires(salesforce: RunningSalesforce) -> None:
    salesforce.fake.tokens.add("00Dfake!plain-token")
    connector = SalesforceConnector(StaticToken("00Dfake!plain-token", salesforce.url), policy=FAST)
    assert len((await connector.find_contact(AMARA)).contacts) == 1
    before = len(salesforce.fake.data_requests())
    salesforce.fake.expire_tokens()
    with pytest.raises(Unavailable) as expired:
        await connector.find_contact(AMARA)
    assert "INVALID_SESSION_ID" in (expired.value.detail or "")
    assert len(salesforce.fake.data_requests()) == before + 1  # no renewal possible, no retry
    await connector.aclose()


def _settings(**overrides: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "salesforce_instance_url": None,
        "salesforce_login_url": "https://login.salesforce.com",
        "salesforce_client_id": None,
        "salesforce_username": None,
        "salesforce_private_key_path": None,
        "salesforce_access_token": None,
        "salesforce_api_version": "v60.0",
        "salesforce_external_id_field": "Frontdesk_Idempotency_Key__c",
        "salesforce_task_owner_id": None,
        "salesforce_case_owner_id": None,
        "salesforce_slot_subject": None,
        "salesforce_slot_field": "Frontdesk_Slot__c",
        "connector_timeout_s": 5.0,
        "timezone": "UTC",
    }
    return SimpleNamespace(**(values | overrides))


async def test_settings_choose_the_session_and_bad_ones_are_named(tmp_path: Path, app_key: KeyPair) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_bytes(app_key.private_pem)
    jwt_connector = build_salesforce_connector(
        _settings(
            salesforce_client_id="3MVG9x", salesforce_username=USERNAME, salesforce_private_key_path=key_file
        )
    )
    assert isinstance(jwt_connector.client.auth, JwtBearerAuth)
    token_connector = build_salesforce_connector(
        _settings(
            salesforce_access_token=SecretStr("00D!x"),
            salesforce_instance_url="https://acme.my.salesforce.com",
        )
    )
    assert isinstance(token_connector.client.auth, StaticToken)
    for connector in (jwt_connector, token_connector):
        await connector.aclose()
    bad = [
        (_settings(), "FRONTDESK_SALESFORCE_CLIENT_ID"),
        (_settings(salesforce_client_id="3MVG9x"), "FRONTDESK_SALESFORCE_USERNAME"),
        (_settings(salesforce_access_token=SecretStr("00D!x")), "FRONTDESK_SALESFORCE_INSTANCE_URL"),
        (
            _settings(
                salesforce_access_token=SecretStr("00D!x"),
                salesforce_instance_url="https://a.my.salesforce.com",
                salesforce_api_version="v52.0",
            ),
            "v60.0",
        ),
        (
            _settings(
                salesforce_access_token=SecretStr("00D!x"),
                salesforce_instance_url="https://a.my.salesforce.com",
                salesforce_task_owner_id="00Q000000000001AAA",
            ),
            "queue id",
        ),
        (
            _settings(
                salesforce_access_token=SecretStr("00D!x"),
                salesforce_instance_url="https://a.my.salesforce.com",
                salesforce_external_id_field="Key; DROP",
            ),
            "external id field",
        ),
    ]
    for settings, named in bad:
        with pytest.raises(ValueError, match=named.replace("(", r"\(")):
            build_salesforce_connector(settings)


def test_an_ec_key_is_refused_for_the_jwt_flow() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="RSA"):
        JwtBearerAuth(client_id="3MVG9x", username=USERNAME, private_key_pem=pem)
