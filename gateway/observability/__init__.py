"""Metrics (Prometheus) and traces (OpenTelemetry) of the running service: `Telemetry` holds both,
per app; the routes serve `/metrics`. What they may carry is counted and timed events, ids and
fixed labels, never what anyone said (docs/observability.md)."""
