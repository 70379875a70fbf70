"""Choose and build the connector and the agent from the settings (the only place that knows
which concrete implementations exist)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from agents.api import ConversationAgent
from agents.callbacks import CallbackBook
from agents.events import AuditSink
from agents.identity_attempts import AttemptPolicy, IdentityAttempts
from connectors.base import Connector
from gateway.settings import Settings
from gateway.store.db import Database


class WiringError(Exception):
    """A configured part cannot be built; the message names the setting."""


Clock = Callable[[], datetime]


def build_connector(settings: Settings, db: Database, clock: Clock | None = None) -> Connector:
    """`clock` (the demo practice only): what "now" is, for `frontdesk eval` scenarios set on a day."""
    if settings.connector == "demo":
        from connectors.demo import DemoConnector
        from connectors.resilience import ResiliencePolicy

        return DemoConnector(
            db.engine,
            timezone=settings.timezone,
            policy=ResiliencePolicy(timeout_s=settings.connector_timeout_s),
            clock=clock,
        )
    if settings.connector == "fhir":
        from connectors.fhir import build_fhir_connector

        if not settings.fhir_base_url:
            raise WiringError("FRONTDESK_FHIR_BASE_URL is required when FRONTDESK_CONNECTOR=fhir")
        try:
            return build_fhir_connector(settings)
        except (ValueError, OSError) as exc:
            raise WiringError(f"FHIR connector settings: {exc}") from None
    if settings.connector == "hubspot":
        from connectors.hubspot import HubSpotConnector
        from connectors.resilience import ResiliencePolicy

        if settings.hubspot_access_token is None:
            raise WiringError("FRONTDESK_HUBSPOT_ACCESS_TOKEN is required when FRONTDESK_CONNECTOR=hubspot")
        return HubSpotConnector(
            settings.hubspot_access_token.get_secret_value(),
            base_url=settings.hubspot_base_url,
            policy=ResiliencePolicy(timeout_s=settings.connector_timeout_s),
        )
    if settings.connector == "salesforce":
        from connectors.salesforce import build_salesforce_connector

        try:
            return build_salesforce_connector(settings)
        except (ValueError, OSError) as exc:
            raise WiringError(f"Salesforce connector settings: {exc}") from None
    raise WiringError(f"FRONTDESK_CONNECTOR: unknown connector {settings.connector!r}")


def build_identity_attempts(settings: Settings, db: Database) -> IdentityAttempts:
    """Failed identity checks across conversations, counted in the database (FRONTDESK_IDENTITY_*)."""
    from gateway.store.identity_attempts import DatabaseIdentityAttempts, key_secret

    return DatabaseIdentityAttempts(
        db, identity_policy(settings), key_secret(settings.session_secret_value())
    )


def identity_policy(settings: Settings) -> AttemptPolicy:
    return AttemptPolicy(
        window_s=settings.identity_window_s,
        backoff_after=settings.identity_backoff_after,
        backoff_base_s=settings.identity_backoff_base_s,
        backoff_max_s=settings.identity_backoff_max_s,
        lockout_after=settings.identity_lockout_after,
    )


def build_agent_for(
    settings: Settings,
    connector: Connector,
    audit: AuditSink,
    clock: Clock | None = None,
    identity_attempts: IdentityAttempts | None = None,
    callbacks: CallbackBook | None = None,
) -> ConversationAgent:
    from agents.factory import build_agent
    from agents.llm.config import ModelClientConfig

    return build_agent(
        connector=connector,
        audit=audit,
        timezone=settings.timezone,
        business_name=settings.business_name,
        business_hours=settings.business_hours,
        business_address=settings.business_address,
        business_phone=settings.business_phone,
        llm=ModelClientConfig.from_settings(settings),
        clock=clock,
        identity_attempts=identity_attempts,
        callbacks=callbacks,
        after_hours_messages=settings.handoff_after_hours == "message",
    )
