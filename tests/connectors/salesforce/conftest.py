"""The local Salesforce (tests/fakes/salesforce_server.py) with a connected app's key pair, and
connectors pointed at it through the production code path (JWT bearer flow over HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.resilience import ResiliencePolicy
from connectors.salesforce import JwtBearerAuth, SalesforceConnector
from tests.fakes.salesforce_server import FakeSalesforce, RunningSalesforce

FAST = ResiliencePolicy(timeout_s=2.0, attempts=3, backoff_initial_s=0.01, backoff_max_s=0.05, jitter_s=0.0)
USERNAME = "frontdesk@example.org"
AMARA_PHONE = "(415) 555-0142"


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    public_pem: bytes


def _key_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return KeyPair(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


@pytest.fixture(scope="session")
def app_key() -> KeyPair:
    return _key_pair()


@pytest.fixture(scope="session")
def other_key() -> KeyPair:
    return _key_pair()


def seed(fake: FakeSalesforce) -> None:
    fake.add(
        "Contact",
        {
            "FirstName": "Amara",
            "LastName": "Okafor",
            "Phone": AMARA_PHONE,
            "Email": "amara@example.org",
            "Birthdate": "1984-03-14",
            "OwnerId": "005000000000002AAA",
        },
    )
    fake.add(
        "Lead", {"FirstName": "Lena", "LastName": "Berg", "Company": "-", "MobilePhone": "+1 415 555 0199"}
    )
    fake.add(
        "Lead",
        {"FirstName": "Old", "LastName": "Lead", "Company": "-", "Phone": AMARA_PHONE, "IsConverted": True},
    )


@pytest.fixture(scope="session")
def shared_salesforce(app_key: KeyPair) -> Iterator[RunningSalesforce]:
    with RunningSalesforce(FakeSalesforce(public_key_pem=app_key.public_pem)) as running:
        yield running


@pytest.fixture
def salesforce(shared_salesforce: RunningSalesforce) -> RunningSalesforce:
    """The shared server, as a new org holding the seed records (one server start per worker)."""
    shared_salesforce.fake.reset()
    seed(shared_salesforce.fake)
    return shared_salesforce


@pytest.fixture
def own_salesforce(app_key: KeyPair) -> Iterator[RunningSalesforce]:
    """A server of the test's own, for tests that stop it."""
    fake = FakeSalesforce(public_key_pem=app_key.public_pem)
    seed(fake)
    with RunningSalesforce(fake) as running:
        yield running


MakeConnector = Callable[..., SalesforceConnector]


@pytest.fixture
async def connect(salesforce: RunningSalesforce, app_key: KeyPair) -> AsyncIterator[MakeConnector]:
    made: list[SalesforceConnector] = []

    def make(
        *, key: bytes | None = None, policy: ResiliencePolicy = FAST, **kwargs: object
    ) -> SalesforceConnector:
        auth = JwtBearerAuth(
            client_id=salesforce.fake.client_id,
            username=USERNAME,
            private_key_pem=key or app_key.private_pem,
            login_url=salesforce.url,
        )
        connector = SalesforceConnector(auth, policy=policy, timezone="America/New_York", **kwargs)  # type: ignore[arg-type]
        made.append(connector)
        return connector

    yield make
    for connector in made:
        await connector.aclose()


def key() -> str:
    return f"test-{uuid.uuid4().hex}"
