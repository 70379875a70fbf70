"""The website chat edge: WebSocket protocol, fan-out hub, outbox, resume tokens and the widget."""
