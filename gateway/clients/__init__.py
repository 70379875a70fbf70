"""Clients of a running gateway, not part of the server: the call simulator (a Twilio stand-in)
and the chat client. `frontdesk call`/`chat`, `frontdesk eval`, the benches and tests use them."""
