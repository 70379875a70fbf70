"""After-call work: once a conversation ends, the gateway (not the model) writes what the business
needs in its CRM: a summary note, a case for what the agent could not finish, a lead for an unknown
caller who left details, a follow-up task for a message taken (docs/connectors.md)."""
