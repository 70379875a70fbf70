"""FRONTDESK_METRICS_PORT: the metrics alone on their own (private) address, no token; and the
token setting's rules."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from gateway.settings import SettingsError, load_settings
from tests.conftest import make_settings, running_server
from tests.gateway.observability.conftest import parse, value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_metrics_port_serves_the_metrics_without_a_token(tmp_path: Path) -> None:
    port = _free_port()
    with running_server(make_settings(tmp_path, metrics_port=port)) as server:
        resp = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert resp.status_code == 200
        samples = parse(resp.text)
        assert value(samples, "frontdesk_turns_total", channel="chat") == 0
        assert ("frontdesk_active_conversations", (("channel", "voice"),)) in samples
        # the public port still has no /metrics: no token is set
        assert httpx.get(f"{server.url}/metrics").status_code == 404
    with pytest.raises(httpx.ConnectError):  # stopped with the app
        httpx.get(f"http://127.0.0.1:{port}/metrics")


def test_metrics_token_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDESK_METRICS_TOKEN", "")
    assert load_settings().metrics_token is None  # an unset secret in a chart: no token
    monkeypatch.setenv("FRONTDESK_METRICS_TOKEN", "short-token")
    with pytest.raises(SettingsError, match="FRONTDESK_METRICS_TOKEN"):
        load_settings()
    monkeypatch.setenv("FRONTDESK_METRICS_TOKEN", "change-me-" + "x" * 30)
    with pytest.raises(SettingsError, match="placeholder"):
        load_settings()


def test_tracing_is_off_unless_an_endpoint_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.observability.telemetry import Telemetry

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("FRONTDESK_OTEL_ENDPOINT", raising=False)
    assert not Telemetry.from_settings(load_settings()).tracing.enabled
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9/")
    settings = load_settings()
    assert settings.otel_endpoint == "http://127.0.0.1:9/"
    telemetry = Telemetry.from_settings(settings)
    assert telemetry.tracing.enabled
    telemetry.close()
