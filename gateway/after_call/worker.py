"""The after-call worker: a background task of the gateway process that takes due jobs from the
queue (`queue.py`), does them (`work.py`) and records each outcome on the job row and on the
conversation's audit chain. A CRM that is down (`Unavailable`, or anything unexpected) is tried
again later with exponential backoff; after `after_call_max_attempts` the job is failed, with its
reason, for staff to see in the console. Refusals (`Rejected`, `NotFound`, `Conflict`) fail at once:
trying again would get the same answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from connectors.base import ConnectorError, Unavailable
from gateway.after_call import queue
from gateway.after_call.record import CallRecord, TakenMessage, load_record
from gateway.after_call.work import AfterCallWork, Outcome
from gateway.log_scrub import describe
from gateway.logging import get_logger
from gateway.store.after_call_jobs import AfterCallJobRow
from gateway.store.audit import AuditLog
from gateway.store.db import Database

log = get_logger(__name__)

DONE_EVENT, SKIPPED_EVENT = "after_call.done", "after_call.skipped"
RETRY_EVENT, FAILED_EVENT = "after_call.retry", "after_call.failed"
LEASE_S = 300.0  # a claimed job another replica may take over once this has passed
WAIT_FOR_LEAD_S = 1.0


class MessageBook(Protocol):
    """The messages the agent took (the `callbacks` table, `gateway/store/callbacks.py`)."""

    async def taken(self, conversation_id: str) -> list[TakenMessage]: ...

    async def task_made(self, message_id: str, task_id: str) -> None: ...


class AfterCallWorker:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        work: AfterCallWork,
        *,
        worker_id: str,
        timezone: str,
        poll_s: float,
        retry_base_s: float,
        retry_max_s: float,
        max_attempts: int,
        messages: MessageBook | None = None,
    ) -> None:
        self.db, self.audit, self.work = db, audit, work
        self.worker_id, self.timezone = worker_id, timezone
        self.poll_s, self.retry_base_s, self.retry_max_s = poll_s, retry_base_s, retry_max_s
        self.max_attempts = max_attempts
        self.messages = messages
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="after-call")

    def wake(self) -> None:
        """A conversation ended here: look at the queue now instead of at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop; a job cut short is given back to the queue (its write, if it got through, is
        found by its idempotency key when it runs again)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
            try:
                await queue.release(self.db, self.worker_id)
            except Exception as exc:  # the database is away: the leases run out instead
                log.warning("after-call work: claims not given back", error=describe(exc))

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away for a moment; the next poll retries
                log.warning("after-call work: the queue could not be read", error=describe(exc))
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self) -> int:
        """Do the jobs due now; returns how many were taken."""
        jobs = await queue.claim(self.db, self.worker_id, LEASE_S)
        records: dict[str, CallRecord | None] = {}
        for job in jobs:
            if job.conversation_id not in records:
                records[job.conversation_id] = await self._record(job.conversation_id)
            await self._do(job, records[job.conversation_id])
        return len(jobs)

    async def _record(self, conversation_id: str) -> CallRecord | None:
        record = await load_record(self.db, conversation_id, self.timezone)
        if record is not None:
            record.messages = await self._messages(conversation_id)
        return record

    async def _messages(self, conversation_id: str) -> list[TakenMessage]:
        return [] if self.messages is None else await self.messages.taken(conversation_id)

    async def _lead(self, job: queue.Job) -> tuple[str | None, datetime | None]:
        """The lead made for this conversation (its contact id), and when it is next tried if it
        is still to come."""
        async with self.db.session() as s:
            row = await s.scalar(
                select(AfterCallJobRow).where(
                    AfterCallJobRow.conversation_id == job.conversation_id, AfterCallJobRow.kind == "lead"
                )
            )
        if row is None:
            return None, None
        if row.status == queue.PENDING:
            due = row.next_attempt_at
            return None, due if due.tzinfo is not None else due.replace(tzinfo=UTC)
        return (row.result_id if row.status == queue.DONE else None), None

    async def _do(self, job: queue.Job, record: CallRecord | None) -> None:
        crm = self.work.crm.name
        if record is None:
            await self._failed(job, crm, "the conversation is gone")
            return
        lead_id, lead_due = (None, None) if job.kind == "lead" else await self._lead(job)
        if lead_due is not None and record.verified is None:
            # After the lead's own next try (it may be waiting out a CRM outage), not in a loop.
            until = max(lead_due, datetime.now(UTC)) + timedelta(seconds=WAIT_FOR_LEAD_S)
            await queue.defer(self.db, job, until, "waiting for the lead")
            return
        try:
            outcome = await self.work.run(job.kind, record, lead_id)
        except ConnectorError as exc:
            reason = f"{exc.kind}: {exc.message}" + (f" ({exc.detail})" if exc.detail else "")
            if isinstance(exc, Unavailable):
                await self._retry_or_fail(job, crm, reason[:1000])
            else:
                await self._failed(job, crm, reason[:1000])
        except Exception as exc:  # a bug or a surprise from a client library: keep the job, retry
            await self._retry_or_fail(job, crm, f"error: {describe(exc)}"[:1000])
        else:
            await self._finished(job, crm, outcome)

    async def _finished(self, job: queue.Job, crm: str, outcome: Outcome) -> None:
        payload: dict[str, object] = {"kind": job.kind, "crm": crm, "detail": outcome.detail}
        if outcome.result_id:
            payload["result_id"] = outcome.result_id
        if outcome.summary is not None:
            payload["summary_source"] = outcome.summary.source
            payload["summary"] = outcome.summary.text
            if outcome.summary.rejected:
                payload["model_summary_rejected"] = outcome.summary.rejected
        if job.kind == "task" and outcome.status == queue.DONE and self.messages is not None:
            for message_id, task_id in outcome.parts:
                await self.messages.task_made(message_id, task_id)
        event = DONE_EVENT if outcome.status == queue.DONE else SKIPPED_EVENT
        await self.audit.append(job.conversation_id, event, "system", payload)
        error = None if outcome.status == queue.DONE else outcome.detail
        await queue.finish(self.db, job, outcome.status, crm=crm, result_id=outcome.result_id, error=error)
        log.info("after-call work done", kind=job.kind, status=outcome.status, crm=crm)

    async def _retry_or_fail(self, job: queue.Job, crm: str, reason: str) -> None:
        attempt = job.attempts + 1
        if attempt >= self.max_attempts:
            await self._failed(job, crm, f"gave up after {attempt} attempts: {reason}")
            return
        delay = min(self.retry_max_s, self.retry_base_s * 2 ** (attempt - 1))
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        await self.audit.append(
            job.conversation_id,
            RETRY_EVENT,
            "system",
            {
                "kind": job.kind,
                "crm": crm,
                "attempt": attempt,
                "error": reason,
                "retry_in_s": round(delay, 1),
            },
        )
        await queue.finish(self.db, job, queue.PENDING, crm=crm, error=reason, retry_at=retry_at)
        log.warning("after-call work: the CRM is unavailable, retrying later", kind=job.kind, attempt=attempt)

    async def _failed(self, job: queue.Job, crm: str, reason: str) -> None:
        await self.audit.append(
            job.conversation_id, FAILED_EVENT, "system", {"kind": job.kind, "crm": crm, "error": reason}
        )
        await queue.finish(self.db, job, queue.FAILED, crm=crm, error=reason)
        log.warning("after-call work failed", kind=job.kind, crm=crm)
