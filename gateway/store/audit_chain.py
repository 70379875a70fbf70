"""The hash of one audit event: SHA-256 over the previous hash and the event's canonical JSON.

Kept apart from storage so `verify` and any external checker compute exactly the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 text; non-JSON values as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def normalise_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload exactly as it will read back from a JSON column (so hashes survive storage)."""
    return json.loads(canonical_json(payload))


def format_ts(ts: datetime) -> str:
    """UTC, microseconds, no offset: SQLite returns naive datetimes, PostgreSQL aware ones."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds")


def event_body(
    conversation_id: str, seq: int, ts: datetime, kind: str, actor: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "seq": seq,
        "ts": format_ts(ts),
        "kind": kind,
        "actor": actor,
        "payload": payload,
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()
