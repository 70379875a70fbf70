"""Salesforce as the CRM over its REST API (httpx): `SalesforceConnector`, its sessions (JWT bearer
flow or a fixed token) and `build_salesforce_connector`, which makes one from the gateway's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from connectors.resilience import ResiliencePolicy
from connectors.salesforce.auth import JwtBearerAuth, SessionSource, StaticToken
from connectors.salesforce.connector import DEFAULT_EXTERNAL_ID_FIELD, SalesforceConnector

__all__ = [
    "DEFAULT_EXTERNAL_ID_FIELD",
    "JwtBearerAuth",
    "SalesforceConnector",
    "StaticToken",
    "build_salesforce_connector",
]


class SalesforceSettings(Protocol):
    """The fields of the gateway's settings this package reads (connectors import nothing of ours)."""

    salesforce_instance_url: str | None
    salesforce_login_url: str
    salesforce_client_id: str | None
    salesforce_username: str | None
    salesforce_private_key_path: Path | None
    salesforce_access_token: SecretStr | None
    salesforce_api_version: str
    salesforce_external_id_field: str
    salesforce_task_owner_id: str | None
    salesforce_case_owner_id: str | None
    salesforce_slot_subject: str | None
    salesforce_slot_field: str
    connector_timeout_s: float
    timezone: str


def build_salesforce_connector(settings: SalesforceSettings) -> SalesforceConnector:
    s = settings
    auth: SessionSource
    if s.salesforce_client_id:
        if not s.salesforce_username or s.salesforce_private_key_path is None:
            raise ValueError(
                "the JWT bearer flow needs FRONTDESK_SALESFORCE_USERNAME and FRONTDESK_SALESFORCE_PRIVATE_KEY_PATH"
            )
        auth = JwtBearerAuth(
            client_id=s.salesforce_client_id,
            username=s.salesforce_username,
            private_key_pem=Path(s.salesforce_private_key_path).read_bytes(),
            login_url=s.salesforce_login_url,
            instance_url=s.salesforce_instance_url,
        )
    elif s.salesforce_access_token is not None:
        if not s.salesforce_instance_url:
            raise ValueError("a plain access token needs FRONTDESK_SALESFORCE_INSTANCE_URL")
        auth = StaticToken(s.salesforce_access_token.get_secret_value(), s.salesforce_instance_url)
    else:
        raise ValueError(
            "set FRONTDESK_SALESFORCE_CLIENT_ID (+ USERNAME, PRIVATE_KEY_PATH) or FRONTDESK_SALESFORCE_ACCESS_TOKEN"
        )
    return SalesforceConnector(
        auth,
        api_version=s.salesforce_api_version,
        policy=ResiliencePolicy(timeout_s=s.connector_timeout_s),
        external_id_field=s.salesforce_external_id_field,
        task_owner_id=s.salesforce_task_owner_id,
        case_owner_id=s.salesforce_case_owner_id,
        slot_subject=s.salesforce_slot_subject,
        slot_field=s.salesforce_slot_field,
        timezone=s.timezone,
    )
