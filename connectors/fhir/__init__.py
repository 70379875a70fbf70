"""EMR over FHIR R4: `FhirConnector`, its auth (bearer token or SMART backend services), and
`build_fhir_connector`, which makes one from the gateway's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from connectors.fhir.auth import SCOPES_USED, SmartBackendAuth, StaticBearer, TokenSource
from connectors.fhir.connector import FhirConnector
from connectors.resilience import ResiliencePolicy

__all__ = ["FhirConnector", "SmartBackendAuth", "StaticBearer", "build_fhir_connector"]


class FhirSettings(Protocol):
    """The fields of the gateway's settings this package reads (connectors import nothing of ours)."""

    fhir_base_url: str | None
    fhir_token: SecretStr | None
    fhir_client_id: str | None
    fhir_private_key_path: Path | None
    fhir_key_id: str | None
    fhir_token_url: str | None
    fhir_scope: str | None  # None: SCOPES_USED
    connector_timeout_s: float
    timezone: str


def build_fhir_connector(settings: FhirSettings) -> FhirConnector:
    if not settings.fhir_base_url:
        raise ValueError("FRONTDESK_FHIR_BASE_URL is required for the FHIR connector")
    auth: TokenSource | None = None
    if settings.fhir_client_id:
        if settings.fhir_private_key_path is None or not settings.fhir_key_id:
            raise ValueError(
                "SMART backend services needs FRONTDESK_FHIR_PRIVATE_KEY_PATH and FRONTDESK_FHIR_KEY_ID"
            )
        auth = SmartBackendAuth(
            client_id=settings.fhir_client_id,
            private_key_pem=Path(settings.fhir_private_key_path).read_bytes(),
            key_id=settings.fhir_key_id,
            token_url=settings.fhir_token_url,
            fhir_base_url=settings.fhir_base_url,
            scope=settings.fhir_scope or SCOPES_USED,
        )
    elif settings.fhir_token is not None:
        auth = StaticBearer(settings.fhir_token.get_secret_value())
    return FhirConnector(
        settings.fhir_base_url,
        auth=auth,
        timezone=settings.timezone,
        policy=ResiliencePolicy(timeout_s=settings.connector_timeout_s),
    )
