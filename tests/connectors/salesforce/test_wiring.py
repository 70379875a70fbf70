"""FRONTDESK_CONNECTOR=salesforce: the gateway's settings build the connector (JWT bearer flow
from a key file) and it answers from the local Salesforce; missing settings are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.base import Capability, FindContact
from connectors.salesforce import SalesforceConnector
from gateway.wiring import WiringError, build_connector
from tests.conftest import make_settings
from tests.connectors.salesforce.conftest import USERNAME, KeyPair
from tests.fakes.salesforce_server import RunningSalesforce

NO_DATABASE: Any = None  # only the demo practice keeps its data in the gateway's database


async def test_settings_build_a_working_salesforce_connector(
    tmp_path: Path, salesforce: RunningSalesforce, app_key: KeyPair
) -> None:
    key_file = tmp_path / "salesforce.key"
    key_file.write_bytes(app_key.private_pem)
    settings = make_settings(
        tmp_path,
        connector="salesforce",
        salesforce_login_url=salesforce.url,
        salesforce_client_id=salesforce.fake.client_id,
        salesforce_username=USERNAME,
        salesforce_private_key_path=key_file,
        salesforce_task_owner_id="00G000000000001AAA",
        salesforce_slot_subject="Open slot",
    )
    connector = build_connector(settings, NO_DATABASE)
    assert isinstance(connector, SalesforceConnector)
    assert Capability.BOOK_APPOINTMENT in connector.capabilities
    try:
        found = (await connector.find_contact(FindContact(email="amara@example.org"))).contacts
        assert [c.last_name for c in found] == ["Okafor"]
    finally:
        await connector.aclose()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({}, "FRONTDESK_SALESFORCE_CLIENT_ID"),
        ({"salesforce_client_id": "3MVG9x", "salesforce_username": USERNAME}, "PRIVATE_KEY_PATH"),
        ({"salesforce_access_token": "00D!token"}, "FRONTDESK_SALESFORCE_INSTANCE_URL"),
        (
            {
                "salesforce_client_id": "3MVG9x",
                "salesforce_username": USERNAME,
                "salesforce_private_key_path": Path("/nonexistent/salesforce.key"),
            },
            "No such file",
        ),
    ],
)
def test_missing_or_bad_salesforce_settings_are_named(
    tmp_path: Path, overrides: dict[str, object], named: str
) -> None:
    settings = make_settings(tmp_path, connector="salesforce", **overrides)
    with pytest.raises(WiringError, match=named):
        build_connector(settings, NO_DATABASE)


async def test_readiness_probes_the_org_without_credentials(
    tmp_path: Path, own_salesforce: RunningSalesforce
) -> None:
    salesforce = own_salesforce
    from gateway.health import OK, DependencyChecks

    reachable = DependencyChecks(
        make_settings(
            tmp_path,
            connector="salesforce",
            salesforce_access_token="00D!x",
            salesforce_instance_url=salesforce.url,
        )
    )
    assert reachable.connector is not None and await reachable.connector.status() == OK
    [probe] = [r for r in salesforce.fake.requests if r["path"] == "/services/data/"]
    assert "authorization" not in probe["headers"]
    salesforce.__exit__(None, None, None)
    gone = DependencyChecks(
        make_settings(tmp_path, connector="salesforce", salesforce_login_url=salesforce.url)
    )
    assert gone.connector is not None and "ConnectError" in await gone.connector.status()
