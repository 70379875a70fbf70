"""Walk the audit chains and report the first event that does not fit.

Catches: a changed event (its hash no longer matches), a deleted event (gap in seq or a prev_hash
that does not match), an inserted or reordered event (seq or prev_hash out of place), and a
truncated tail (the chain head records a later seq/hash than the last stored event), events whose
chain head is gone, and a conversation without any chain (its events and head both removed: an
emptied audit_events and audit_heads otherwise verify as "0 chains"). A conversation opened in the
last `_OPENING_GRACE` is let off: its row is committed just before its first event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from gateway.store.audit_chain import GENESIS_HASH, chain_hash, event_body
from gateway.store.db import Database
from gateway.store.models import AuditEventRow, AuditHeadRow, ConversationRow

_OPENING_GRACE = timedelta(minutes=1)


@dataclass
class BadEvent:
    conversation_id: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"conversation {self.conversation_id} event {self.seq}: {self.reason}"


@dataclass
class VerifyResult:
    ok: bool
    chains: int = 0
    events: int = 0
    first_bad: BadEvent | None = None
    problems: list[BadEvent] = field(default_factory=list)


def _check_chain(
    conversation_id: str,
    rows: list[AuditEventRow],
    head: tuple[int, str] | None,
    head_read_after: bool = False,
) -> BadEvent | None:
    """One chain against its head. The head was read before the events, so events past it were
    appended meanwhile (the service may be running); `head_read_after`: the head of a chain that
    was new, read after the events, so it may be past them."""
    hashes = [GENESIS_HASH]  # hashes[seq]: the hash of event seq
    expected_seq = 1
    for row in rows:
        if row.seq != expected_seq:
            what = "missing (deleted?)" if row.seq > expected_seq else "duplicated or out of order"
            return BadEvent(
                conversation_id, expected_seq, f"event {expected_seq} {what}; found seq {row.seq}"
            )
        if row.prev_hash != hashes[-1]:
            return BadEvent(
                conversation_id,
                row.seq,
                "prev_hash does not match the previous event (inserted or reordered)",
            )
        body = event_body(row.conversation_id, row.seq, row.ts, row.kind, row.actor, row.payload)
        if chain_hash(hashes[-1], body) != row.hash:
            return BadEvent(conversation_id, row.seq, "content does not match its hash (altered)")
        hashes.append(row.hash)
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is None:
        if rows:
            return BadEvent(conversation_id, 0, "the chain head is missing (audit_heads row deleted?)")
        return None
    head_seq, head_hash = head
    if head_seq > last_seq:
        if head_read_after:
            return None  # appended after the events were read
        return BadEvent(
            conversation_id,
            last_seq + 1,
            f"chain head records event {head_seq} but the log ends at {last_seq} (events deleted at the end?)",
        )
    if hashes[head_seq] != head_hash:
        return BadEvent(
            conversation_id, head_seq, "the chain head's hash does not match the event (rewritten?)"
        )
    return None


async def verify_chains(db: Database, conversation_id: str | None = None) -> VerifyResult:
    result = VerifyResult(ok=True)
    opened_before = datetime.now(UTC) - _OPENING_GRACE
    async with db.session() as session:
        conversation_query = select(ConversationRow.id, ConversationRow.started_at)
        if conversation_id is not None:
            conversation_query = conversation_query.where(ConversationRow.id == conversation_id)
        # Read first: a conversation older than the grace had its first event committed before
        # the chain queries below run.
        conversations = {
            c: started.replace(tzinfo=UTC) if started.tzinfo is None else started
            for c, started in (await session.execute(conversation_query)).all()
        }
        head_query = select(AuditHeadRow)
        event_query = select(AuditEventRow).order_by(
            AuditEventRow.conversation_id, AuditEventRow.seq, AuditEventRow.id
        )
        if conversation_id is not None:
            head_query = head_query.where(AuditHeadRow.conversation_id == conversation_id)
            event_query = event_query.where(AuditEventRow.conversation_id == conversation_id)
        # Heads before events: a running service appends meanwhile, and an event past its head
        # is one appended since; a chain begun meanwhile has its head read afterwards.
        heads = {h.conversation_id: (h.seq, h.hash) for h in (await session.execute(head_query)).scalars()}
        chains: dict[str, list[AuditEventRow]] = {}
        stream = await session.stream(event_query.execution_options(yield_per=2000))
        async for row in stream.scalars():
            chains.setdefault(row.conversation_id, []).append(row)
        begun = sorted(set(chains) - set(heads))
        late_heads: dict[str, tuple[int, str]] = {}
        for start in range(0, len(begun), 500):
            late = select(AuditHeadRow).where(AuditHeadRow.conversation_id.in_(begun[start : start + 500]))
            late_heads.update(
                {h.conversation_id: (h.seq, h.hash) for h in (await session.execute(late)).scalars()}
            )
    for chain in sorted(set(chains) | set(heads)):
        rows = chains.get(chain, [])
        result.chains += 1
        result.events += len(rows)
        if chain in heads:
            bad = _check_chain(chain, rows, heads[chain])
        else:
            bad = _check_chain(chain, rows, late_heads.get(chain), head_read_after=True)
        if bad is not None:
            result.problems.append(bad)
    for conversation, started in sorted(conversations.items()):
        if conversation not in chains and conversation not in heads and started < opened_before:
            result.problems.append(
                BadEvent(conversation, 1, "the conversation has no audit chain (events and head removed?)")
            )
    if result.problems:
        result.ok = False
        result.first_bad = result.problems[0]
    return result
