"""Traces leave over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set: a local collector stand-in
receives the protobuf export on /v1/traces, with the turn spans and the conversation id."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from gateway.clients.chat_client import ChatClient
from tests.conftest import make_settings, running_server


class Collector:
    """Records the body of every POST (an OTLP/HTTP receiver that accepts everything)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, bytes]] = []  # path, content type, body
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                collector.posts.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def services(self) -> set[str]:
        names = set()
        for _, _, body in self.posts:
            for resource in ExportTraceServiceRequest.FromString(body).resource_spans:
                names |= {
                    a.value.string_value for a in resource.resource.attributes if a.key == "service.name"
                }
        return names

    def spans(self) -> list[tuple[str, dict[str, str]]]:
        found = []
        for path, content_type, body in self.posts:
            assert path == "/v1/traces" and content_type == "application/x-protobuf"
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        attributes = {a.key: a.value.string_value for a in span.attributes}
                        found.append((span.name, attributes))
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    running = Collector()
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_turn_traces_are_exported_over_otlp_http(
    tmp_path: Path, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
    settings = make_settings(tmp_path)
    assert settings.otel_endpoint == collector.url

    async def chat(url: str) -> str:
        async with ChatClient(url) as client:
            await client.greeting()
            await client.say("which doctors do you have?")
            assert client.conversation_id is not None
            return client.conversation_id

    with running_server(settings) as server:
        conversation_id = asyncio.run(chat(server.url))
    # stopping the gateway sent what the batch processor still held
    spans = collector.spans()
    ours = [
        (name, attrs) for name, attrs in spans if attrs.get("frontdesk.conversation_id") == conversation_id
    ]
    names = {name for name, _ in ours}
    assert {"turn", "planning", "connector.call", "audit.write"} <= names, names
    assert all(attrs.get("frontdesk.channel") == "chat" for _, attrs in ours)
    assert collector.services() == {"frontdesk"}  # OTEL_SERVICE_NAME unset
