"""The one batching queue behind the audit log, the group committer and the chat outbox: batches
of at most `max_batch` in queue order, lingering only until someone hurries it, `stop` storing
everything queued at once, a failed batch not ending the writer, a new event loop getting a new
writer. And the outbox on top of it: events the database refuses at shutdown are counted and
reported, not dropped silently."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from gateway.chat.outbox import Outbox
from gateway.store.batch_queue import BatchQueue
from gateway.store.db import Database
from tests.logs import captured_logs, json_lines  # noqa: F401  (fixture)

LONG = 30.0  # a linger no test may wait out: finishing within `QUICK` proves it was cut short
QUICK = 5.0


class Recorder:
    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[list[int]] = []
        self.fail_first = fail_first

    async def store(self, batch: list[int]) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise RuntimeError("database refused")
        self.batches.append(list(batch))


async def test_batches_keep_order_and_size() -> None:
    recorder = Recorder()
    queue = BatchQueue("test", recorder.store, max_batch=2)
    for i in range(5):
        queue.put(i)
    await queue.drain()
    assert recorder.batches == [[0, 1], [2, 3], [4]]
    await queue.stop()


async def test_hurry_ends_the_linger_and_the_burst_shares_a_batch() -> None:
    recorder = Recorder()
    queue = BatchQueue("test", recorder.store, max_batch=100, linger_s=LONG)
    queue.put(1)
    queue.put(2)
    queue.put(3)
    queue.hurry()
    async with asyncio.timeout(QUICK):
        await queue.drain()
    assert recorder.batches == [[1, 2, 3]]
    await queue.stop()


async def test_stop_stores_everything_queued_without_lingering() -> None:
    recorder = Recorder()
    queue = BatchQueue("test", recorder.store, max_batch=2, linger_s=LONG)
    for i in range(5):
        queue.put(i)
    async with asyncio.timeout(QUICK):
        await queue.stop()
    assert [i for batch in recorder.batches for i in batch] == [0, 1, 2, 3, 4]
    assert not queue.stopping
    queue.put(9)  # a stopped queue starts again on the next item
    queue.hurry()
    async with asyncio.timeout(QUICK):
        await queue.drain()
    assert recorder.batches[-1] == [9]
    await queue.stop()


async def test_a_failed_batch_does_not_end_the_writer(captured_logs: io.StringIO) -> None:  # noqa: F811
    recorder = Recorder(fail_first=1)
    queue = BatchQueue("test-failing", recorder.store, max_batch=10)
    queue.put(1)
    await queue.drain()
    queue.put(2)
    await queue.drain()
    assert recorder.batches == [[2]]
    lines = [json.loads(line) for line in captured_logs.getvalue().splitlines() if line.strip()]
    [failed] = [line for line in lines if line["event"] == "batch store failed"]
    assert failed["queue"] == "test-failing" and failed["items"] == 1 and failed["error"] == "RuntimeError"
    await queue.stop()


def test_each_event_loop_gets_its_own_writer() -> None:
    recorder = Recorder()
    queue: BatchQueue[int] = BatchQueue("test", recorder.store, max_batch=10)

    async def one(item: int) -> None:
        queue.put(item)
        await queue.drain()

    asyncio.run(one(1))  # the loop ends without stop(): its writer is gone with it
    asyncio.run(one(2))
    assert recorder.batches == [[1], [2]]


async def test_outbox_reports_events_it_could_not_store_at_shutdown(
    tmp_path: Path,
    captured_logs: io.StringIO,  # noqa: F811
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'not-migrated.db'}")  # no chat_messages table
    outbox = Outbox(db, flush_interval_s=LONG)
    try:
        for seq in (1, 2, 3):
            outbox.add("c-1", seq, {"seq": seq})
        async with asyncio.timeout(QUICK):
            await outbox.stop()
    finally:
        await db.close()
    assert outbox.durable_seq("c-1") == 0
    lost = [
        line
        for line in json_lines(captured_logs)
        if line["event"] == "chat outbox: events not stored at shutdown"
    ]
    assert [(line["level"], line["logger"], line["events"]) for line in lost] == [
        ("error", "gateway.chat.outbox", 3)
    ]
