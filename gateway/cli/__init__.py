"""The `frontdesk` command: one module per command group."""
