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
        """Call the connector, validate its answer, audit the call. Failures raise `ToolFailure`."""
        spec = CAPABILITIES[capability]
        started = time.perf_counter()
        outcome, error, result = "ok", None, None
        try:
            async with asyncio.timeout(self.timeout_s):
                raw = await self.connector.invoke(capability, request)
            result = spec.response.model_validate(as_json(raw))
            return result
        except ConnectorError as exc:
            outcome, error = "failed", {"kind": exc.kind, "message": exc.message, "detail": exc.detail}
            raise ToolFailure(exc.kind, exc.message) from exc
        except TimeoutError as exc:
            outcome, error = "failed", {"kind": "unavailable", "message": "timed out"}
            raise ToolFailure("unavailable", None) from exc
        except ValidationError as exc:
            outcome, error = "failed", {"kind": "unreadable", "message": str(exc)[:500]}
            raise ToolFailure("unreadable", None) from exc
        except Exception as exc:  # a connector bug must not take the conversation down
            outcome, error = "failed", {"kind": "error", "message": repr(exc)[:500]}
            raise ToolFailure("error", None) from exc
        finally:
            await turn.emit(
                EventKind.TOOL_CALL,
                actor,
                {
                    "tool": capability.value,
                    "arguments": request.model_dump(mode="json"),
                    "result": cap_json(as_json(result), MAX_AUDIT_CHARS) if result is not None else None,
                    "outcome": outcome,
                    "error": error,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )

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
