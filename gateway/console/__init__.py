"""The staff console: accounts, logins and sessions, transcripts, handoffs and admin pages."""
