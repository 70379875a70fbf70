"""Read-only console pages: conversation list, conversation page (+ its live transcript partial),
recording playback, JSON-lines export, handoff queue, static files.

Every read of patient data is on the access log. Opening a conversation page, each transcript
partial that carries content, playing a recording and exporting are recorded on that conversation's
audit chain (`staff.view` / `staff.export`). The list (with its search terms) and the queue show
phone numbers and summaries of many conversations: they are recorded on the `system` chain with the
ids shown. The 2-second polls answer 204 while nothing changed; those carry nothing and are not logged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from agents.events import EventKind
from gateway.console.accounts import StaffUser
from gateway.console.actions import record
from gateway.console.auth import can_export
from gateway.console.queries import (
    ConversationFilter,
    QueueEntry,
    handoff_queue,
    list_conversations,
    staff_names,
    waiting_handoffs,
)
from gateway.console.rendering import STATIC_DIR, business_tz, render
from gateway.console.steps import build_view
from gateway.deps import CurrentStaff, PollingStaff, ServicesDep, get_services
from gateway.logging import get_logger
from gateway.services import Services
from gateway.statuses import ConversationStatus
from gateway.storage.base import ObjectMissing, StorageError, StorageUnavailable
from gateway.storage.recordings import StoredRecording
from gateway.store.audit import SYSTEM_CHAIN
from gateway.store.models import RecordingRow
from gateway.store.transcripts import ConversationDetail, load_conversation

router = APIRouter()
log = get_logger(__name__)

_STATIC = {
    "htmx.min.js": "text/javascript",
    "console.css": "text/css",
    "console.js": "text/javascript",
    "test_call.js": "text/javascript",
}
_USER_LABEL = {"voice": "Caller", "chat": "Visitor", "terminal": "User", "web-call": "Caller"}


@router.get("/console/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    if name not in _STATIC:
        raise HTTPException(404, "no such file")
    return FileResponse(
        STATIC_DIR / name, media_type=_STATIC[name], headers={"Cache-Control": "max-age=3600"}
    )


async def _record_listing(
    services: Services, user: StaffUser, what: str, conversation_ids: list[str], **payload: Any
) -> None:
    """A page showing several conversations' data: on the system chain, with the ids shown."""
    await record(
        services,
        SYSTEM_CHAIN,
        user,
        EventKind.STAFF_VIEW,
        what=what,
        conversations=conversation_ids,
        **payload,
    )


def _filter_terms(flt: ConversationFilter) -> dict[str, Any]:
    """The filter as the staff member set it (search terms included), for the access log."""
    return {k: v for k, v in flt.model_dump(mode="json").items() if v not in (None, False, "")}


@router.get("/console", response_model=None)
async def conversation_list(request: Request, services: ServicesDep, user: CurrentStaff) -> Response:
    error: str | None = None
    try:
        flt = ConversationFilter.model_validate(dict(request.query_params))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "filter"
        error = f"Bad filter {field}: {first['msg']}"
        flt = ConversationFilter()
    page = await list_conversations(services.db, flt, business_tz(request))
    await _record_listing(
        services, user, "list", [item.row.id for item in page.items], filter=_filter_terms(flt)
    )
    context = {"flt": flt, "page": page, "nav": "list", "error": error}
    return render(request, "list.html", context, user=user, status_code=400 if error else 200)


async def _detail(services: Services, conversation_id: str) -> ConversationDetail:
    detail = await load_conversation(services.db, conversation_id)
    if detail is None:
        raise HTTPException(404, f"no conversation {conversation_id}")
    detail.events = await services.audit.events(conversation_id)
    return detail


def _version(detail: ConversationDetail) -> str:
    """Changes whenever something the transcript shows changes (staff access events excluded)."""
    last = max((e.seq for e in detail.events if not e.kind.startswith("staff.")), default=0)
    heard = sum(1 for t in detail.turns if t.heard_text is not None)
    return f"{len(detail.turns)}.{last}.{heard}.{detail.row.status}"


def _transcript_context(detail: ConversationDetail) -> dict[str, Any]:
    return {
        "c": detail.row,
        "view": build_view(detail.turns, detail.events),
        "version": _version(detail),
        "live": detail.row.status != ConversationStatus.CLOSED,
        "user_label": _USER_LABEL.get(detail.row.channel, "User"),
    }


async def render_conversation(
    request: Request,
    user: StaffUser,
    conversation_id: str,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    services = get_services(request)
    await _detail(services, conversation_id)  # 404 before logging a view of nothing
    await record(services, conversation_id, user, EventKind.STAFF_VIEW, what="conversation")
    detail = await _detail(services, conversation_id)  # now includes this view in the access log
    chain = await services.audit.verify(conversation_id)
    context = _transcript_context(detail) | {
        "handoffs": detail.handoffs,
        "recordings": detail.recordings,
        "chain": chain,
        "staff_names": await staff_names(services.db),
        "error": error,
        "notice": notice,
    }
    return render(request, "conversation.html", context, user=user, status_code=status_code)


@router.get("/console/conversations/{conversation_id}", response_model=None)
async def conversation_page(conversation_id: str, request: Request, user: CurrentStaff) -> Response:
    return await render_conversation(request, user, conversation_id)


@router.get("/console/conversations/{conversation_id}/transcript", response_model=None)
async def transcript_partial(
    conversation_id: str,
    request: Request,
    services: ServicesDep,
    user: PollingStaff,
    v: str | None = None,
) -> Response:
    detail = await _detail(services, conversation_id)
    if v is not None and v == _version(detail):
        return Response(status_code=204)  # htmx keeps the page as it is (and open <details> stay open)
    context = _transcript_context(detail) | {"staff_names": await staff_names(services.db)}
    # Content is a read, whether a poll brought news or someone asked for it directly.
    await record(services, conversation_id, user, EventKind.STAFF_VIEW, what="transcript")
    return render(request, "_transcript.html", context, user=user)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """`Range: bytes=a-b` (one range) as (start, stop); None: the whole file. Several ranges are
    answered with the whole file, as HTTP allows; a range outside the file is a 416."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes=") :].strip().partition("-")
    try:
        if first:
            start = int(first)
            stop = min(int(last) + 1, size) if last else size
        else:
            start, stop = max(0, size - int(last)), size  # the last N bytes
    except ValueError:
        return None
    if start >= size or stop <= start:
        raise HTTPException(416, "range not satisfiable", headers={"Content-Range": f"bytes */{size}"})
    return start, stop


async def _stored_recording(services: Services, row: RecordingRow) -> StoredRecording:
    """The row's recording, from this machine's disk or the shared store (another replica's)."""
    try:
        return await services.recordings.find(row.path)
    except ObjectMissing:
        raise HTTPException(404, "recording file not found") from None
    except StorageUnavailable as exc:
        log.warning("recording storage unreachable", recording=row.id, error=str(exc))
        raise HTTPException(503, "recording storage is unreachable; try again shortly") from None
    except StorageError as exc:  # a key that is not a plain path, a refused request
        log.warning("recording not readable", recording=row.id, error=str(exc))
        raise HTTPException(404, "recording file not found") from None


@router.get("/console/conversations/{conversation_id}/recordings/{recording_id}", response_model=None)
async def recording(
    conversation_id: str, recording_id: int, request: Request, services: ServicesDep, user: CurrentStaff
) -> Response:
    if not 0 < recording_id < 2**63:  # beyond the database's integer: no such row (was a 500)
        raise HTTPException(404, "no such recording")
    async with services.db.session() as s:
        row = await s.get(RecordingRow, recording_id)
    if row is None or row.conversation_id != conversation_id:
        raise HTTPException(404, "no such recording")
    found = await _stored_recording(services, row)
    await record(services, conversation_id, user, EventKind.STAFF_VIEW, what="recording", recording=row.id)
    headers = {"Cache-Control": "no-store"}
    if found.path is not None:  # on this machine's disk: served as a file (Range handled there)
        return FileResponse(found.path, media_type="audio/wav", headers=headers)
    # In the shared store: streamed through here, so login and access log stay in front of it.
    wanted = _byte_range(request.headers.get("range"), found.size)
    start, stop = wanted or (0, found.size)
    headers |= {"Accept-Ranges": "bytes", "Content-Length": str(stop - start)}
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{found.size}"
    body = services.recordings.read(found, start, stop)
    try:
        first = await anext(body, b"")  # a store failing now is still an HTTP error, not a cut body
    except StorageUnavailable:
        raise HTTPException(503, "recording storage is unreachable; try again shortly") from None
    except StorageError:
        raise HTTPException(404, "recording file not found") from None

    async def chunks() -> AsyncIterator[bytes]:
        yield first
        async for chunk in body:
            yield chunk

    return StreamingResponse(
        chunks(), status_code=206 if wanted else 200, media_type="audio/wav", headers=headers
    )


def _jsonl(lines: list[dict[str, Any]]) -> Iterator[str]:
    for line in lines:
        yield json.dumps(line, ensure_ascii=False, sort_keys=True, default=str) + "\n"


def _row_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


@router.get("/console/conversations/{conversation_id}/export", response_model=None)
async def export(
    conversation_id: str, services: ServicesDep, user: StaffUser = Depends(can_export)
) -> StreamingResponse:
    """The conversation, its turns, handoffs and full audit chain (with hashes) as JSON lines."""
    await _detail(services, conversation_id)
    await record(services, conversation_id, user, EventKind.STAFF_EXPORT, format="jsonl")
    detail = await _detail(services, conversation_id)
    chain = await services.audit.verify(conversation_id)
    lines: list[dict[str, Any]] = [{"type": "conversation", **_row_dict(detail.row)}]
    lines += [{"type": "turn", **_row_dict(t)} for t in detail.turns]
    lines += [{"type": "handoff", **_row_dict(h)} for h in detail.handoffs]
    lines += [{"type": "recording", **_row_dict(r)} for r in detail.recordings]
    lines += [{"type": "audit_event", **e.as_dict()} for e in detail.events]
    lines.append(
        {
            "type": "verification",
            "ok": chain.ok,
            "events": chain.events,
            "first_bad": str(chain.first_bad) if chain.first_bad else None,
        }
    )
    filename = f"conversation-{conversation_id}.jsonl"
    return StreamingResponse(
        _jsonl(lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _queue_version(waiting: list[QueueEntry], claimed: list[QueueEntry], late: set[int]) -> str:
    """Changes whenever a row of the queue would change (a handoff passing the alert threshold too)."""
    rows = [
        (e.handoff.id, e.handoff.status, e.handoff.claimed_by or "", e.handoff.id in late)
        for e in waiting + claimed
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


async def _queue_context(services: Services) -> dict[str, Any]:
    waiting, claimed = await handoff_queue(services.db)
    alert_s = services.settings.console_waiting_alert_s
    now = datetime.now(UTC)
    late = {e.handoff.id for e in waiting if (now - _aware(e.handoff.created_at)).total_seconds() > alert_s}
    return {
        "waiting": waiting,
        "claimed": claimed,
        "version": _queue_version(waiting, claimed, late),
        "alert_s": alert_s,
        "late": late,
        "staff_names": await staff_names(services.db),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _queue_ids(context: dict[str, Any]) -> list[str]:
    return [e.conversation.id for e in context["waiting"] + context["claimed"]]


@router.get("/console/queue", response_model=None)
async def queue_page(request: Request, services: ServicesDep, user: CurrentStaff) -> Response:
    context = await _queue_context(services)
    await _record_listing(services, user, "queue", _queue_ids(context))
    return render(request, "queue.html", context | {"nav": "queue"}, user=user)


@router.get("/console/queue/rows", response_model=None)
async def queue_rows(
    request: Request, services: ServicesDep, user: PollingStaff, v: str | None = None
) -> Response:
    context = await _queue_context(services)
    if v is not None and v == context["version"]:
        return Response(status_code=204)  # unchanged: nothing shown, nothing to log
    await _record_listing(services, user, "queue", _queue_ids(context))
    return render(request, "_queue.html", context, user=user)


@router.get("/console/queue/count", response_model=None)
async def queue_count(services: ServicesDep, user: PollingStaff) -> JSONResponse:
    """For every page's script (`console.js`): how many wait, and which handoffs (ids only, no
    patient data, so not on the access log), to notify of new ones and count them in the title."""
    waiting = await waiting_handoffs(services.db)
    return JSONResponse({"waiting": len(waiting), "handoffs": waiting}, headers={"Cache-Control": "no-store"})
