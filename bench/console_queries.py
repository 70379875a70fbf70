"""Console read path: list-page queries and one conversation page's data, on a filled SQLite database.

Fills N conversations (turns, some handoffs) directly, then times `list_conversations` for the
filters staff use most, and `load_conversation` + audit events + `build_view` for a long conversation.
Usage: .venv/bin/python bench/console_queries.py [N]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from gateway.console.queries import ConversationFilter, list_conversations
from gateway.console.steps import build_view
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import ConversationRow, HandoffRow, TurnRow
from gateway.store.transcripts import load_conversation

WORDS = "appointment tuesday parking refill insurance cancel move doctor billing address".split()


async def fill(db: Database, n: int) -> str:
    start = datetime.now(UTC) - timedelta(days=60)
    async with db.session() as s, s.begin():
        for i in range(n):
            cid = f"c{i:07d}"
            status = "waiting" if i % 50 == 0 else "closed"
            s.add(
                ConversationRow(
                    id=cid,
                    channel="voice" if i % 2 else "chat",
                    status=status,
                    caller_phone=f"+1555{i:07d}",
                    started_at=start + timedelta(minutes=i * 60 * 24 * 60 / n),
                    summary=f"about {WORDS[i % len(WORDS)]}",
                )
            )
            for seq in range(1, 7):
                s.add(
                    TurnRow(
                        conversation_id=cid,
                        seq=seq,
                        speaker="caller" if seq % 2 else "bot",
                        text=f"turn {seq} about {WORDS[(i + seq) % len(WORDS)]} number {i}",
                    )
                )
            if status == "waiting":
                s.add(HandoffRow(conversation_id=cid, reason="asked for a person", summary="wants a person"))
    long_id = "c0000001"
    audit = AuditLog(db)
    for k in range(200):
        kind = "turn.user" if k % 4 == 0 else "agent.tool_call"
        await audit.append(
            long_id, kind, "agent", {"tool": "list_free_slots", "arguments": {"k": k}, "latency_ms": 12}
        )
    await audit.close()
    return long_id


async def timed(label: str, fn, repeat: int = 20) -> None:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"{label:<44} median {statistics.median(samples):7.1f} ms   p95 {sorted(samples)[int(repeat * 0.95) - 1]:7.1f} ms"
    )


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        db = Database(url)
        t0 = time.perf_counter()
        long_id = await fill(db, n)
        print(f"filled {n} conversations ({n * 6} turns) in {time.perf_counter() - t0:.1f} s")
        tz = ZoneInfo("UTC")
        for label, flt in (
            ("list, no filter, page 1", ConversationFilter()),
            ("list, page 100", ConversationFilter(page=100)),
            ("list, channel=voice status=closed", ConversationFilter(channel="voice", status="closed")),
            ("list, needs a person", ConversationFilter(needs_person=True)),
            ("list, text search 'parking'", ConversationFilter(q="parking")),
            (
                "list, date range 7 days",
                ConversationFilter(date_from=(datetime.now(UTC) - timedelta(days=7)).date()),
            ),
        ):
            await timed(label, lambda flt=flt: list_conversations(db, flt, tz))

        async def page() -> None:
            detail = await load_conversation(db, long_id)
            assert detail is not None
            events = await AuditLog(db).events(long_id)
            build_view(detail.turns, events)

        await timed("conversation page data (200 audit events)", page)
        await timed("audit verify of that conversation", lambda: AuditLog(db).verify(long_id))
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
