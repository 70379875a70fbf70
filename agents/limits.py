"""Size limits: user turns, tool results and audit payloads are bounded before they go anywhere."""

from __future__ import annotations

import json
from typing import Any

MAX_USER_CHARS = 4000  # a longer turn is refused with a clear reply, not sent to a planner
MAX_STEPS_PER_TURN = 6  # plan() calls per user turn
MAX_REPAIRS_PER_TURN = 2  # refused/invalid tool calls a planner may repair before handoff
MAX_IDENTITY_FAILURES = 3
MAX_RESULT_CHARS = 4000  # a tool result as a planner sees it
MAX_AUDIT_CHARS = 16000  # one value in an audit payload


def _size(value: Any) -> int:
    return len(json.dumps(value, default=str, separators=(",", ":")))


def cap_json(value: Any, max_chars: int = MAX_RESULT_CHARS) -> Any:
    """`value` (JSON-able) shrunk to at most about `max_chars` when serialised.

    Long lists are cut (keeping the first items, which connectors sort by relevance or time) and
    the cut is marked with `truncated_<field>: <total>`, so a planner knows there was more.
    Anything else too long becomes a marked preview string.
    """
    if _size(value) <= max_chars:
        return value
    if isinstance(value, dict):
        out = dict(value)
        lists = sorted((k for k, v in out.items() if isinstance(v, list)), key=lambda k: -_size(out[k]))
        for key in lists:
            total = len(value[key])
            keep = total
            while keep > 0 and _size(out) > max_chars:
                keep //= 2
                out[key] = value[key][:keep]
                out[f"truncated_{key}"] = total
            if _size(out) <= max_chars:
                return out
    text = json.dumps(value, default=str)
    return {"truncated": True, "preview": text[: max(0, max_chars - 60)]}
