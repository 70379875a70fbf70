"""FRONTDESK_AFTER_CALL*: what is accepted, what is refused with a clear message, and what each
connector gets by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from gateway.after_call.setup import build_after_call
from gateway.services import Services
from gateway.wiring import WiringError
from tests.conftest import make_settings, prepare_database


def test_kinds_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRONTDESK_AFTER_CALL", "Note, task,note")
    assert make_settings(tmp_path).after_call == ["note", "task"]
    monkeypatch.setenv("FRONTDESK_AFTER_CALL", "")
    assert make_settings(tmp_path).after_call == []  # off
    monkeypatch.delenv("FRONTDESK_AFTER_CALL")
    assert make_settings(tmp_path).after_call is None  # what the CRM can hold


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("after_call", ["note", "memo"], "unknown kind(s) ['memo']: use note, case, lead, task"),
        (
            "after_call_crm",
            "zendesk",
            "empty (the conversations' connector) or one of fhir, hubspot, salesforce",
        ),
        ("after_call_retry_base_s", 0, "greater than 0"),
        ("after_call_max_attempts", 0, "greater than or equal to 1"),
    ],
)
def test_bad_settings_are_refused_by_name(tmp_path: Path, setting: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        make_settings(tmp_path, **{setting: value})
    assert setting in str(refused.value) and message in str(refused.value)


async def test_defaults_per_connector_and_a_crm_without_its_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await prepare_database(settings)
    services = await Services.start(settings)  # the demo practice: no after-call work
    try:
        assert await build_after_call(settings, services.db, services.audit, services.connector) is None
        hubspot = settings.model_copy(update={"after_call_crm": "hubspot"})
        with pytest.raises(
            WiringError, match="FRONTDESK_AFTER_CALL_CRM=hubspot: FRONTDESK_HUBSPOT_ACCESS_TOKEN is required"
        ):
            await build_after_call(hubspot, services.db, services.audit, services.connector)
        beside = settings.model_copy(
            update={
                "after_call_crm": "hubspot",
                "hubspot_access_token": SecretStr("pat-x"),
                "hubspot_base_url": "http://127.0.0.1:9",
            }
        )
        after_call = await build_after_call(beside, services.db, services.audit, services.connector)
        assert after_call is not None and after_call.kinds == ("note", "case", "lead", "task")
        await after_call.close()
        only = beside.model_copy(update={"after_call": ["case"]})
        after_call = await build_after_call(only, services.db, services.audit, services.connector)
        assert after_call is not None and after_call.kinds == ("case",)
        await after_call.close()
    finally:
        await services.stop()
