"""Handoff reasons and login verdicts become a few fixed label words, whatever the sentence."""

from __future__ import annotations

import pytest

from agents.identity_guard import LOCKED_REASON
from gateway.observability import labels


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("caller pressed 0", "caller_keypad"),  # the voice edge
        ("the caller pressed 0 for a person", "caller_keypad"),  # the agent
        ("The caller asked to speak to a person.", "caller_request"),  # the offline planner
        ("the caller accepted a transfer", "caller_request"),
        ("The assistant did not understand the caller three times in a row.", "not_understood"),
        ("The caller's choice of time could not be understood.", "not_understood"),
        ("The caller's name and date of birth could not be understood.", "identity"),
        ("the caller's identity could not be verified", "identity"),
        (LOCKED_REASON, "identity"),
        ("identity checks are held back after repeated failed attempts", "identity"),
        ("assistant unavailable: timed out after 20 s", "model_unavailable"),
        ("the assistant kept making requests that were refused", "refused_requests"),
        ("A book_appointment request was refused: needs confirmation", "refused_requests"),
        ("the request took too many steps to complete", "too_many_steps"),
        ("book_appointment failed: conflict", "system_of_record"),
        ("cancel_appointment could not be confirmed in the system of record", "system_of_record"),
        ("the system of record is unavailable", "system_of_record"),
        ("the audit log could not be written", "audit_unavailable"),
        ("A new patient would like to register and book.", "agent_decision"),
        ("Maria Lopez, 03/14/1985, wants her prescription renewed", "agent_decision"),  # a model's own words
    ],
)
def test_handoff_reasons(reason: str, label: str) -> None:
    assert labels.handoff_reason(reason) == label
    assert label in labels.HANDOFF_REASONS


def test_login_failures_and_channels_stay_in_their_vocabularies() -> None:
    assert labels.login_failure("bad_password") == "bad_password"
    assert labels.login_failure("someone@example.org") == "other"
    assert labels.login_failure(None) == "other"
    assert labels.channel("voice") == "voice"
    assert labels.channel("sms") == "terminal"
