"""Signed checkpoints of the audit chain heads, meant to be kept off the box.

The hash chain catches an edit inside a chain, but whoever can write to the database can also
rewrite a whole chain (recompute every hash) or remove a conversation with its chain. A checkpoint
records where each chain that moved since the previous checkpoint stands, `(seq, hash)` of its
head, signed with an HMAC key and linked to the previous checkpoint's signature. The gateway
appends one line to a JSON-lines file and logs the same line as `audit.checkpoint`, so a log
shipper or a copy job takes it elsewhere. `frontdesk audit verify --checkpoints FILE` then checks
that every recorded head is still in the database with the same hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gateway.logging import get_logger
from gateway.store.audit_chain import GENESIS_HASH, canonical_json
from gateway.store.audit_verify import BadEvent
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, AuditHeadRow

log = get_logger(__name__)

Heads = dict[str, tuple[int, str]]
_CHUNK = 500  # chains per query when checking


def sign(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(body).encode("utf-8"), hashlib.sha256).hexdigest()


async def read_heads(db: Database) -> Heads:
    async with db.session() as session:
        rows = await session.execute(
            select(AuditHeadRow.conversation_id, AuditHeadRow.seq, AuditHeadRow.hash)
        )
        return {chain: (seq, digest) for chain, seq, digest in rows if seq > 0}


def _append_private(path: Path, line: str) -> None:
    """Append one line; the file is created owner-only (it names every conversation id)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(line + "\n")


@dataclass
class _FileState:
    heads: Heads
    last_sig: str
    count: int


def _fold(path: Path) -> _FileState:
    """What the checkpoints already in `path` recorded (empty when there is no file yet)."""
    state = _FileState({}, GENESIS_HASH, 0)
    if not path.exists():
        return state
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            checkpoint = json.loads(line)
            state.heads.update({c: (s, h) for c, (s, h) in checkpoint["heads"].items()})
            state.last_sig = checkpoint["sig"]
            state.count = checkpoint["n"]
    return state


class CheckpointWriter:
    """Writes a checkpoint of the heads that moved since the last one (none when nothing moved)."""

    def __init__(self, db: Database, path: Path, key: bytes) -> None:
        self.db = db
        self.path = path
        self.key = key
        self._state: _FileState | None = None
        self._task: asyncio.Task[None] | None = None

    async def write(self) -> dict[str, Any] | None:
        if self._state is None:
            self._state = await asyncio.to_thread(_fold, self.path)
        state = self._state
        heads = await read_heads(self.db)
        moved = {c: head for c, head in heads.items() if state.heads.get(c) != head}
        if not moved:
            return None
        body: dict[str, Any] = {
            "v": 1,
            "n": state.count + 1,
            "ts": datetime.now(UTC).isoformat(timespec="seconds"),
            "chains": len(heads),
            "events": sum(seq for seq, _ in heads.values()),
            "heads": {c: [seq, digest] for c, (seq, digest) in sorted(moved.items())},
            "prev": state.last_sig,
        }
        checkpoint = {**body, "sig": sign(self.key, body)}
        line = json.dumps(checkpoint, sort_keys=True, separators=(",", ":"))
        await asyncio.to_thread(_append_private, self.path, line)
        state.heads.update(moved)
        state.last_sig = checkpoint["sig"]
        state.count = body["n"]
        log.info("audit.checkpoint", checkpoint=line)
        return checkpoint

    def start(self, interval_s: float) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(interval_s), name="audit-checkpoints")

    async def _run(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.write()
            except Exception as exc:  # a missed checkpoint is logged; the next one covers it
                log.warning("audit checkpoint failed", error_type=type(exc).__name__)

    async def stop(self) -> None:
        """Stop the timer and write a last checkpoint (the audit log must still be open)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.write()


def _bad(line_no: int, reason: str) -> BadEvent:
    return BadEvent("checkpoints", line_no, reason)


def check_file(lines: Iterable[str], key: bytes) -> tuple[Heads, int, list[BadEvent]]:
    """The heads the checkpoint lines recorded (latest per chain), the largest chain count, and the
    lines that are not a signed, unbroken sequence."""
    heads: Heads = {}
    chains = 0
    problems: list[BadEvent] = []
    prev_sig = GENESIS_HASH
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            checkpoint = json.loads(line)
            body = {k: v for k, v in checkpoint.items() if k != "sig"}
            recorded = {str(c): (int(s), str(h)) for c, (s, h) in body["heads"].items()}
            sig = str(checkpoint["sig"])
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append(_bad(line_no, "not a checkpoint line"))
            continue
        if not hmac.compare_digest(sign(key, body), sig):
            problems.append(_bad(line_no, "signature does not match (altered, or signed with another key)"))
            continue
        if body.get("prev") != prev_sig:
            problems.append(_bad(line_no, "does not follow the line before it (a checkpoint removed?)"))
        prev_sig = sig
        heads.update(recorded)
        chains = max(chains, int(body.get("chains", 0)))
    return heads, chains, problems


async def verify_against(db: Database, lines: Iterable[str], key: bytes) -> list[BadEvent]:
    """Every head a signed checkpoint recorded must still be in the database, with its hash."""
    recorded, chains, problems = check_file(lines, key)
    names = sorted(recorded)
    async with db.session() as session:
        stored_chains = (await session.execute(select(func.count()).select_from(AuditHeadRow))).scalar_one()
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            rows = await session.execute(
                select(AuditEventRow.conversation_id, AuditEventRow.seq, AuditEventRow.hash).where(
                    AuditEventRow.conversation_id.in_(chunk)
                )
            )
            stored = {(c, seq): digest for c, seq, digest in rows}
            for chain in chunk:
                seq, digest = recorded[chain]
                now = stored.get((chain, seq))
                if now is None:
                    problems.append(BadEvent(chain, seq, "event recorded by a signed checkpoint is gone"))
                elif now != digest:
                    problems.append(
                        BadEvent(chain, seq, "hash differs from the signed checkpoint (chain rewritten)")
                    )
    if stored_chains < chains:
        problems.append(
            BadEvent(
                "checkpoints", 0, f"a checkpoint counted {chains} chains, the database has {stored_chains}"
            )
        )
    return problems
