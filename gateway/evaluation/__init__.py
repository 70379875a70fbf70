"""`frontdesk eval`: scripted scenarios run against the agent, the chat edge or a call."""
