"""FHIR error answers (an HTTP status plus, usually, an OperationOutcome) as typed failures.

The messages are safe to say to a caller; the OperationOutcome's text goes into `detail` (logs and
audit only). Statuses that mean "the system is unhealthy or we may not use it" become
`HttpFailure`, so the shared resilience layer decides about retries, `Retry-After` and the breaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import Conflict, ConnectorError, NotFound, Rejected
from connectors.resilience import HttpFailure


def outcome_text(body: Any) -> str | None:
    """The issues of an OperationOutcome as one line, or None when the body is not one."""
    if not isinstance(body, Mapping) or body.get("resourceType") != "OperationOutcome":
        return None
    parts = []
    for issue in body.get("issue") or []:
        text = (issue.get("details") or {}).get("text") or issue.get("diagnostics") or issue.get("code")
        where = ",".join(issue.get("expression") or [])
        parts.append(f"{issue.get('severity', 'error')}: {text}" + (f" ({where})" if where else ""))
    return "; ".join(parts) or "OperationOutcome without issues"


def error_for(status: int, body: Any, headers: Mapping[str, str], what: str) -> ConnectorError | HttpFailure:
    """Map an error answer to the exception to raise. `what` names the request, for the detail."""
    detail = f"{what}: HTTP {status}" + (f": {text}" if (text := outcome_text(body)) else "")
    if status in (404, 410):
        return NotFound("I couldn't find that in our records.", detail=detail)
    if status in (409, 412):
        # 412 answers an If-Match on a version someone else has replaced meanwhile.
        return Conflict("That was changed by someone else just now.", detail=detail)
    if status in (400, 405, 406, 415, 422):
        return Rejected("Our records system did not accept that request.", detail=detail)
    return HttpFailure(status, headers, detail)
