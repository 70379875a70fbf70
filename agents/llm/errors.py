"""Failures of the model server, as the planner sees them."""

from __future__ import annotations


class ModelUnavailable(Exception):
    """The model server could not answer within the retry budget (down, timing out, 5xx).

    `reason` is one short machine-friendly phrase for the audit log and the fallback decision.
    """

    def __init__(self, reason: str, *, attempts: int = 0, detail: str | None = None) -> None:
        super().__init__(f"model unavailable: {reason}")
        self.reason = reason
        self.attempts = attempts
        self.detail = detail


class ModelProtocolError(Exception):
    """The server answered, but not in the OpenAI chat-completions wire format (or with a 4xx).

    Not retried: sending the same request again would get the same answer.
    """

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
