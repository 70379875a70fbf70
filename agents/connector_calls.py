"""Calling the connector on the agent's behalf: bounded in time, the answer validated against the
capability's response model, every call audited, and any failure turned into one `ToolFailure`
(a connector bug must not take the conversation down)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydantic import BaseModel, ValidationError

from agents.events import EventKind
from agents.limits import MAX_AUDIT_CHARS, cap_json
from agents.turn import Turn
from connectors.base import (
    CAPABILITIES,
    Appointment,
    Capability,
    Connector,
    ConnectorError,
    GetAppointment,
    Record,
    Request,
)


class ToolFailure(Exception):
    """A connector call that gave no usable record; `kind` is a `ConnectorError.kind` or
    `unreadable` / `error`, `message` is safe to say to a caller (None: use default words)."""

    def __init__(self, kind: str, message: str | None) -> None:
        super().__init__(message or kind)
        self.kind = kind
        self.message = message


def as_json(record: Any) -> Any:
    return record.model_dump(mode="json") if isinstance(record, BaseModel) else record


class ConnectorCalls:
    def __init__(self, connector: Connector, *, timeout_s: float) -> None:
        self.connector = connector
        self.timeout_s = timeout_s

    def can(self, capability: Capability) -> bool:
        return capability in self.connector.capabilities

    async def invoke(self, turn: Turn, capability: Capability, request: Request, actor: str) -> Record:
        """Call the connector, validate its answer, audit the call. Failures raise `ToolFailure`.

        The call's event is stored before the answer (or the failure) is returned: whatever the
        caller is told of it is on record first. `AuditNotStored` when it cannot be stored; the
        answer is then dropped."""
        spec = CAPABILITIES[capability]
        started = time.perf_counter()
        result: Record | None = None
        failure: ToolFailure | None = None
        error: dict[str, Any] | None = None
        try:
            async with asyncio.timeout(self.timeout_s):
                raw = await self.connector.invoke(capability, request)
            result = spec.response.model_validate(as_json(raw))
        except ConnectorError as exc:
            error = {"kind": exc.kind, "message": exc.message, "detail": exc.detail}
            failure = _failure(exc.kind, exc.message, exc)
        except TimeoutError as exc:
            error = {"kind": "unavailable", "message": "timed out"}
            failure = _failure("unavailable", None, exc)
        except ValidationError as exc:
            error = {"kind": "unreadable", "message": str(exc)[:500]}
            failure = _failure("unreadable", None, exc)
        except asyncio.CancelledError:
            # Nobody will hear an answer (barge-in): queued with the turn, never waited for.
            await turn.emit(
                EventKind.TOOL_CALL, actor, _event(capability, request, None, "cancelled", None, started)
            )
            raise
        except Exception as exc:  # a connector bug must not take the conversation down
            error = {"kind": "error", "message": repr(exc)[:500]}
            failure = _failure("error", None, exc)
        outcome = "ok" if failure is None else "failed"
        await turn.emit_stored(
            EventKind.TOOL_CALL, actor, _event(capability, request, result, outcome, error, started)
        )
        if failure is not None:
            raise failure
        assert result is not None
        return result

    async def read_appointment(self, turn: Turn, appointment_id: str) -> Appointment | None:
        """The appointment as the system of record has it now (None: it could not be read).
        Callers check `can(GET_APPOINTMENT)` first: without it there is nothing to read."""
        try:
            record = await self.invoke(
                turn, Capability.GET_APPOINTMENT, GetAppointment(appointment_id=appointment_id), "system"
            )
        except ToolFailure:
            return None
        return record if isinstance(record, Appointment) else None


def _failure(kind: str, message: str | None, cause: BaseException) -> ToolFailure:
    failure = ToolFailure(kind, message)
    failure.__cause__ = cause
    return failure


def _event(
    capability: Capability,
    request: Request,
    result: Record | None,
    outcome: str,
    error: dict[str, Any] | None,
    started: float,
) -> dict[str, Any]:
    return {
        "tool": capability.value,
        "arguments": request.model_dump(mode="json"),
        "result": cap_json(as_json(result), MAX_AUDIT_CHARS) if result is not None else None,
        "outcome": outcome,
        "error": error,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
