"""The planning agent: model clients, tools from connector capabilities, policies, the turn loop."""
