"""The agent against the real demo practice on a throwaway SQLite database, with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from agents.api import AgentOutput, ConversationState, EndConversation, Handoff, ReplyDelta, UserTurn
from agents.events import MemoryAuditSink
from agents.factory import build_agent, fixed_clock
from agents.runtime import AgentRuntime
from connectors.demo import DemoConnector, metadata, seed_demo
from tests.fakes.openai_server import FakeOpenAIServer

TZ = "America/New_York"
# A Tuesday morning: "tomorrow" is Wednesday December 2nd, "Thursday" December 3rd.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(TZ))
TODAY: date = NOW.date()


@pytest.fixture
async def demo_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    from sqlalchemy.ext.asyncio import async_sessionmaker

    async with async_sessionmaker(engine)() as s, s.begin():
        await seed_demo(s, TODAY, TZ)
    yield engine
    await engine.dispose()


@pytest.fixture
def demo(demo_engine: AsyncEngine) -> DemoConnector:
    return DemoConnector(demo_engine, TZ, clock=fixed_clock(NOW))


@pytest.fixture(scope="module")
def _fake_llm_server(request: pytest.FixtureRequest) -> Iterator[FakeOpenAIServer]:
    """One fake model server per test module, serving the module's `FAKE_LLM_MODEL` if it names one."""
    model = getattr(request.module, "FAKE_LLM_MODEL", None)
    with FakeOpenAIServer(**({"model": model} if model else {})) as server:
        yield server


@pytest.fixture
def fake_llm(_fake_llm_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The module's fake model server, with an empty script and request log for each test."""
    _fake_llm_server.reset()
    yield _fake_llm_server
    _fake_llm_server.reset()


@pytest.fixture
def audit() -> MemoryAuditSink:
    return MemoryAuditSink()


class Chat:
    """Drives one conversation through the real runtime, as the gateway would."""

    def __init__(
        self,
        agent: AgentRuntime,
        audit: MemoryAuditSink,
        *,
        channel: str = "chat",
        caller_phone: str | None = None,
    ) -> None:
        self.agent = agent
        self.audit = audit
        self.state = ConversationState(conversation_id="c-test", channel=channel, caller_phone=caller_phone)  # type: ignore[arg-type]
        self.outputs: list[AgentOutput] = []

    async def _collect(self, stream: AsyncIterator[AgentOutput]) -> str:
        parts: list[str] = []
        async for out in stream:
            self.outputs.append(out)
            if isinstance(out, ReplyDelta):
                parts.append(out.text)
        # the gateway persists the state as JSON between turns: do the same round trip
        self.state = ConversationState.model_validate_json(self.state.model_dump_json())
        return " ".join(parts)

    async def greet(self) -> str:
        return await self._collect(self.agent.greet(self.state))

    async def say(self, text: str) -> str:
        return await self._collect(
            self.agent.respond(self.state, UserTurn(text=text, channel=self.state.channel))
        )

    async def press(self, digits: str) -> str:
        """A keypad entry, as the voice edge hands it on: the digits as text and as `dtmf`."""
        return await self._collect(
            self.agent.respond(self.state, UserTurn(text=digits, channel=self.state.channel, dtmf=digits))
        )

    @property
    def handoff(self) -> Handoff | None:
        return next((o for o in self.outputs if isinstance(o, Handoff)), None)

    @property
    def ended(self) -> bool:
        return any(isinstance(o, EndConversation) for o in self.outputs)

    def kinds(self) -> list[str]:
        return [kind for _, kind, _, _ in self.audit.events]

    def events(self, kind: str) -> list[dict]:
        return [payload for _, k, _, payload in self.audit.events if k == kind]


def make_chat(
    demo: DemoConnector, audit: MemoryAuditSink, *, channel: str = "chat", caller_phone: str | None = None
) -> Chat:
    """A conversation with the offline agent and the demo practice at the fixed clock."""
    agent = build_agent(
        connector=demo,
        audit=audit,
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
    )
    return Chat(agent, audit, channel=channel, caller_phone=caller_phone)


@pytest.fixture
def chat(demo: DemoConnector, audit: MemoryAuditSink) -> Chat:
    return make_chat(demo, audit)
