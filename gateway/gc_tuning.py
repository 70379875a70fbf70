"""Garbage-collector settings for the long-running gateway process.

Python's full (generation 2) collection walks every tracked object. Holding a thousand chat
sessions, the gateway has over a million of them, and a full collection stalled the event loop
for 100-370 ms, several times a minute: every reply in flight waited (it was most of the chat
p99). Objects created while starting (modules, models, the app) never become garbage, so they
are frozen out of the collector; and collections are made rarer, since almost all of the
gateway's garbage is freed by reference counting, not by the cycle collector.
"""

from __future__ import annotations

import gc

# gen0 every 20,000 net allocations (default 700); gen1 every 50 of those; gen2 every 100 gen1.
THRESHOLDS = (20_000, 50, 100)


def tune_for_server() -> None:
    """Call once, after imports and app construction, before serving."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
