from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def fake_llm(_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The module's fake model server, with an empty script and request log for each test."""
    _server.reset()
    yield _server
    _server.reset()
