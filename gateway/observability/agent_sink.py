"""The agent's audit sink, observed: every event goes on to the audit log unchanged, and the
telemetry sees it on the way (model and connector calls, identity failures), so the agent needs
no knowledge of metrics or traces (`agents` never imports `gateway`)."""

from __future__ import annotations

from typing import Any

from agents.events import Actor, AuditSink
from gateway.observability.telemetry import Telemetry


class ObservedAuditSink:
    def __init__(self, inner: AuditSink, telemetry: Telemetry) -> None:
        self._inner = inner
        self._telemetry = telemetry

    async def emit(self, conversation_id: str, kind: str, actor: Actor, payload: dict[str, Any]) -> None:
        self._telemetry.agent_event(conversation_id, kind, payload)
        await self._inner.emit(conversation_id, kind, actor, payload)

    async def append(self, conversation_id: str, kind: str, actor: Actor, payload: dict[str, Any]) -> object:
        self._telemetry.agent_event(conversation_id, kind, payload)
        with self._telemetry.audit_write(conversation_id, kind):
            return await self._inner.append(conversation_id, kind, actor, payload)
