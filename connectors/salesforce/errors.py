"""Salesforce REST error answers -> the connector's typed failures.

Salesforce answers an error with a JSON list of `{"message", "errorCode", "fields"}` (a duplicate
rule's block adds `duplicateResult`). The `errorCode` decides, not only the HTTP status: a 400 can be
a validation rule (the caller's data), a malformed query (our bug) or a blocked duplicate. The text
Salesforce sends goes to `detail` (logs, audit), never to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Conflict, ConnectorError, NotFound, Rejected
from connectors.resilience import HttpFailure

# The caller's data or our request was refused: saying it again the same way won't help.
REJECTED_CODES = frozenset(
    {
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "REQUIRED_FIELD_MISSING",
        "INVALID_EMAIL_ADDRESS",
        "STRING_TOO_LONG",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "FIELD_INTEGRITY_EXCEPTION",
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "MALFORMED_ID",
        "MALFORMED_QUERY",
        "INVALID_TYPE",
        "INVALID_CROSS_REFERENCE_KEY",
        "JSON_PARSER_ERROR",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    }
)
NOT_FOUND_CODES = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED"})
# Another transaction holds the row, or the org is busy: worth another attempt.
TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG"})


class Duplicate(Conflict):
    """A duplicate rule blocked the save (DUPLICATES_DETECTED, with the records it matched), or a
    unique field already holds the value (DUPLICATE_VALUE)."""

    def __init__(self, message: str, *, code: str, existing_ids: list[str], detail: str) -> None:
        super().__init__(message, detail=detail)
        self.code = code
        self.existing_ids = existing_ids


@dataclass
class SalesforceError(Exception):
    """One error answer, parsed. `to_connector_error()` decides what it means for the caller."""

    status: int
    errors: list[dict[str, Any]]
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    @property
    def codes(self) -> list[str]:
        return [str(e.get("errorCode") or "") for e in self.errors]

    @property
    def summary(self) -> str:
        parts = []
        for e in self.errors:
            fields = e.get("fields") or []
            where = f" [{', '.join(map(str, fields))}]" if fields else ""
            parts.append(f"{e.get('errorCode')}: {e.get('message')}{where}")
        return f"HTTP {self.status}: " + "; ".join(parts or ["(no error body)"])

    def has(self, code: str) -> bool:
        return code in self.codes

    def duplicate_ids(self) -> list[str]:
        """The records a duplicate rule matched (DUPLICATES_DETECTED), best match first."""
        found: list[str] = []
        for e in self.errors:
            result = e.get("duplicateResult") or {}
            for match in result.get("matchResults") or []:
                for record in match.get("matchRecords") or []:
                    record_id = (record.get("record") or {}).get("Id")
                    if record_id and record_id not in found:
                        found.append(str(record_id))
        return found

    def to_failure(self) -> ConnectorError | HttpFailure:
        """A typed failure, or an `HttpFailure` for the resilience policy to classify (it decides
        what is retried: 5xx and lock contention are, refused credentials and limits are not)."""
        for code in ("DUPLICATES_DETECTED", "DUPLICATE_VALUE"):
            if self.has(code):
                return Duplicate(
                    "That record already exists in our system.",
                    code=code,
                    existing_ids=self.duplicate_ids(),
                    detail=self.summary,
                )
        if self.status == 300:  # an upsert's external id matched more than one record
            return Conflict("That record exists more than once in our system.", detail=self.summary)
        if any(c in NOT_FOUND_CODES for c in self.codes) or self.status == 404:
            return NotFound("I couldn't find that in our records.", detail=self.summary)
        if any(c in TRANSIENT_CODES for c in self.codes):
            return HttpFailure(503, self.headers, self.summary)
        if self.has("INVALID_SESSION_ID") or self.has("REQUEST_LIMIT_EXCEEDED"):
            # The session could not be renewed, or the org's daily API allowance is used up:
            # `Unavailable` without retries (a retry within the call can't fix either).
            return HttpFailure(self.status if self.status in (401, 403) else 403, self.headers, self.summary)
        if self.status in (401, 403) and not any(c in REJECTED_CODES for c in self.codes):
            # API_DISABLED_FOR_ORG, a frozen integration user, ...: our setup, not the caller's words.
            return HttpFailure(self.status, self.headers, self.summary)
        if any(c in REJECTED_CODES for c in self.codes) or 400 <= self.status < 500:
            return Rejected("Our records system did not accept that request.", detail=self.summary)
        return HttpFailure(self.status, self.headers, self.summary)


def parse_error(status: int, headers: Mapping[str, str], body: Any) -> SalesforceError:
    if isinstance(body, dict):  # some gateways answer one object, not a list
        body = [body]
    if not isinstance(body, list):
        body = [{"errorCode": "UNKNOWN", "message": str(body)[:300]}]
    errors = [e if isinstance(e, dict) else {"errorCode": "UNKNOWN", "message": str(e)} for e in body]
    return SalesforceError(status, errors, dict(headers))
