"""Several replicas of the gateway: what they share through Redis (events, limits, heartbeats)."""
