"""HubSpot CRM connector (contacts, notes, tickets) over the official client."""

from connectors.hubspot.connector import DEFAULT_BASE_URL, HubSpotConnector

__all__ = ["DEFAULT_BASE_URL", "HubSpotConnector"]
