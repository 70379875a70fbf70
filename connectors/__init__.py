"""The business systems behind one interface of capabilities: demo practice, FHIR R4, HubSpot."""
