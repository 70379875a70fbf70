"""After-call work built from the settings: which CRM, which kinds, the summarizer, the worker."""

from __future__ import annotations

from dataclasses import dataclass

from agents.llm.client import ChatClient
from agents.llm.config import ModelClientConfig
from connectors.base import Connector
from gateway.after_call.model_summary import Summary, summarize
from gateway.after_call.record import CallRecord, TakenMessage
from gateway.after_call.work import AfterCallWork, default_kinds
from gateway.after_call.worker import AfterCallWorker
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.callbacks import DatabaseCallbacks
from gateway.store.db import Database

SUMMARIES_KEPT = 64


@dataclass
class AfterCall:
    kinds: tuple[str, ...]  # what each ended conversation gets queued
    worker: AfterCallWorker
    crm: Connector
    own_crm: bool  # built for this (FRONTDESK_AFTER_CALL_CRM), so closed with it
    model: ChatClient | None

    async def close(self) -> None:
        await self.worker.stop()
        if self.model is not None:
            await self.model.aclose()
        if self.own_crm:
            await self.crm.aclose()


class CallbackMessages:
    """The messages the agent took, from the `callbacks` table; a task made is linked back."""

    def __init__(self, callbacks: DatabaseCallbacks) -> None:
        self.callbacks = callbacks

    async def taken(self, conversation_id: str) -> list[TakenMessage]:
        return [
            TakenMessage(c.id, c.caller_name, c.phone, c.reason, c.best_time, c.crm_task_id)
            for c in await self.callbacks.of_conversation(conversation_id)
        ]

    async def task_made(self, message_id: str, task_id: str) -> None:
        await self.callbacks.link_task(message_id, task_id)


async def build_after_call(
    settings: Settings,
    db: Database,
    audit: AuditLog,
    connector: Connector,
    callbacks: DatabaseCallbacks | None = None,
) -> AfterCall | None:
    """None when there is nothing to do: no kinds asked for, or a CRM that can hold none."""
    from gateway.wiring import WiringError, build_connector

    own = bool(settings.after_call_crm) and settings.after_call_crm != settings.connector
    crm = connector
    if own:
        try:
            crm = build_connector(settings.model_copy(update={"connector": settings.after_call_crm}), db)
        except WiringError as exc:
            raise WiringError(f"FRONTDESK_AFTER_CALL_CRM={settings.after_call_crm}: {exc}") from None
    kinds = tuple(settings.after_call) if settings.after_call is not None else default_kinds(crm)
    if not kinds:
        if own:
            await crm.aclose()
        return None
    config = ModelClientConfig.from_settings(settings) if settings.after_call_model_summary else None
    model = ChatClient(config) if config is not None else None

    written: dict[str, Summary] = {}  # the note and the case of one conversation say the same

    async def summarizer(record: CallRecord) -> Summary:
        key = f"{record.conversation_id}:{len(record.actions)}:{len(record.messages)}"
        if key not in written:
            if len(written) >= SUMMARIES_KEPT:
                written.pop(next(iter(written)))
            written[key] = await summarize(record, model)
        return written[key]

    work = AfterCallWork(crm, same_as_agent=not own, summarize=summarizer)
    worker = AfterCallWorker(
        db,
        audit,
        work,
        worker_id=settings.replica_id,
        timezone=settings.timezone,
        poll_s=settings.after_call_poll_s,
        retry_base_s=settings.after_call_retry_base_s,
        retry_max_s=settings.after_call_retry_max_s,
        max_attempts=settings.after_call_max_attempts,
        messages=CallbackMessages(callbacks) if callbacks is not None else None,
    )
    return AfterCall(kinds, worker, crm, own, model)
