"""A gateway with metrics behind a token and its turn traces in memory, and how to read both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from gateway.settings import Settings
from tests.conftest import LiveServer, make_settings, prepare_database

METRICS_TOKEN = "metrics-token-" + "k" * 32


@dataclass
class Observed:
    """A running gateway whose spans end up in `spans`."""

    server: LiveServer
    exporter: InMemorySpanExporter

    def spans(self, conversation_id: str | None = None) -> list[ReadableSpan]:
        spans = list(self.exporter.get_finished_spans())
        if conversation_id is None:
            return spans
        return [s for s in spans if (s.attributes or {}).get("frontdesk.conversation_id") == conversation_id]

    def scrape(self) -> Samples:
        return scrape(self.server.url)


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, token: str = METRICS_TOKEN) -> Samples:
    """GET /metrics with the token: every sample, by name and labels."""
    resp = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return parse(resp.text)


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def start_observed(settings: Settings) -> Observed:
    asyncio.run(prepare_database(settings))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    server = LiveServer(settings, tracer_provider=provider)
    server.start()
    return Observed(server, exporter)


def observed_settings(tmp: Path, **overrides: object) -> Settings:
    return make_settings(tmp, metrics_token=METRICS_TOKEN, twilio_playback_lead_ms=120_000, **overrides)


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    """One gateway for the module's tests (the offline planner, the demo practice)."""
    running = start_observed(observed_settings(tmp_path_factory.mktemp("observed")))
    yield running
    running.server.stop()


@pytest.fixture(scope="session")
def caller_tts():
    """Piper, to synthesize what the simulated caller says."""
    from speech.tts import TextToSpeech

    tts = TextToSpeech.load(workers=1, varied=False)
    yield tts
    tts.close()
