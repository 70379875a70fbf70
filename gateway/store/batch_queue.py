"""One background writer for items that many tasks queue: the audit log, the group committer and
the chat outbox each give it a function that stores one batch.

What they share lives here once: whatever accumulated is taken in one go (one transaction per
batch, not per item), optionally after lingering a moment so a burst joins the batch; the writer
starts with the first item in whatever event loop is running; `stop` stores everything queued,
without lingering, before the writer ends. What a failure means is the owner's business (it fails
waiting futures, retries, logs): the queue only makes sure the writer goes on to the next batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Generic, TypeVar

from gateway.logging import get_logger

log = get_logger(__name__)

Item = TypeVar("Item")


class BatchQueue(Generic[Item]):
    def __init__(
        self,
        name: str,
        store: Callable[[list[Item]], Awaitable[None]],
        *,
        max_batch: int,
        linger_s: float = 0.0,
    ) -> None:
        """`store` handles one batch of at most `max_batch` items, in queue order. `linger_s`: how
        long the first item of a batch waits for more to join it, unless `hurry` is called."""
        self._name = name
        self._store = store
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: asyncio.Queue[Item] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hurry = asyncio.Event()
        self._stopping = False

    @property
    def stopping(self) -> bool:
        """`stop` is waiting for the queue to empty (a store that retries can give up)."""
        return self._stopping

    def start(self) -> None:
        """Start the writer in the running loop (`put` does so on first use); idempotent."""
        loop = asyncio.get_running_loop()
        if self._queue is None or self._writer is None or self._writer.done() or self._loop is not loop:
            # A new loop (tests run each in its own) cannot use the old one's queue or task.
            self._loop = loop
            self._queue = asyncio.Queue()
            self._hurry = asyncio.Event()
            self._stopping = False
            self._writer = loop.create_task(self._run(self._queue, self._hurry), name=self._name)

    def put(self, item: Item) -> None:
        self.start()
        assert self._queue is not None
        self._queue.put_nowait(item)

    def hurry(self) -> None:
        """Someone waits for what is queued: the next batch goes without lingering."""
        self._hurry.set()

    async def drain(self) -> None:
        """Wait until everything queued so far has been handled."""
        if self._queue is not None and self._writer is not None and not self._writer.done():
            await self._queue.join()

    async def stop(self) -> None:
        """Handle everything queued, without lingering, then end the writer."""
        if self._writer is not None and self._queue is not None and not self._writer.done():
            self._stopping = True
            self._hurry.set()
            await self._queue.join()
            self._writer.cancel()
            with suppress(asyncio.CancelledError):
                await self._writer
        self._writer = None
        self._queue = None
        self._stopping = False

    async def _run(self, queue: asyncio.Queue[Item], hurry: asyncio.Event) -> None:
        while True:
            batch = [await queue.get()]
            if self._linger_s > 0 and not self._stopping and not hurry.is_set():
                with suppress(TimeoutError):
                    await asyncio.wait_for(hurry.wait(), self._linger_s)
            hurry.clear()
            while not queue.empty() and len(batch) < self._max_batch:
                batch.append(queue.get_nowait())
            try:
                await self._store(batch)
            except Exception as exc:  # the owner settles its items; the writer must not die
                log.error("batch store failed", queue=self._name, items=len(batch), error=type(exc).__name__)
            finally:
                for _ in batch:
                    queue.task_done()
