"""The chat edge's process-wide part (`gateway.services.Edge`): hub, outbox, token signer, per-IP
buckets and connection counts, and the sweep that closes abandoned chats; built once in the app's
lifespan (`Services.start` with `ChatService.start`) and stopped before the database closes so
nothing unsent is lost. `chat_service(services)` finds it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.chat import unclaimed
from gateway.chat.abandoned import sweep_forever
from gateway.chat.hub import ChatHub
from gateway.chat.outbox import Outbox
from gateway.chat.resume import ResumeTokens
from gateway.chat.tokens import SessionTokens
from gateway.cluster.bus import RedisBus
from gateway.cluster.limits import keyed_limit
from gateway.conversation import ConversationManager
from gateway.logging import get_logger
from gateway.services import Services
from gateway.settings import Settings
from gateway.store.db import Database

log = get_logger(__name__)


class ChatService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        conversations: ConversationManager,
        bus: RedisBus | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        # While the database is away the outbox's events go to the turn writer's spool, if it has one.
        writes = conversations.writes
        outbox = Outbox(db, spill=writes.spool_rows if writes.spool is not None else None)
        self.hub = ChatHub(conversations, outbox, bus=bus, waiting_detail=waiting_detail(settings))
        self.tokens = SessionTokens(settings.session_secret_value(), settings.chat_session_max_age_s)
        # One replica: a chat may start while the database is away, its token kept in the spool
        # (several: its events take their seqs from the database, so it cannot).
        spooling = writes if bus is None and writes.spool is not None else None
        self.resume = ResumeTokens(
            db,
            self.tokens,
            settings.chat_session_max_age_s,
            settings.chat_closed_resume_s,
            writes=spooling,
            held_here=self.hub.replays_from_memory,
        )
        client = bus.client if bus is not None else None
        self.ip_messages = keyed_limit(
            settings, "chat-messages", settings.chat_ip_rate_burst, settings.chat_ip_rate_per_s, client
        )
        self.ip_connects = keyed_limit(
            settings, "chat-connects", settings.chat_ip_connect_burst, settings.chat_ip_connect_per_s, client
        )
        self._open: dict[str, int] = {}  # open connections per client address
        self._sweeper: asyncio.Task[None] | None = None
        self._unclaimed: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, services: Services) -> ChatService:
        settings = services.settings
        service = cls(settings, services.db, services.conversations, services.bus)
        service.hub.start()
        service._sweeper = asyncio.create_task(
            sweep_forever(services.db, service.hub, settings.chat_abandoned_after_s), name="chat-abandoned"
        )
        if settings.handoff_claim_timeout_s > 0:
            service._unclaimed = asyncio.create_task(
                unclaimed.sweep_forever(
                    services.db, services.audit, service.hub, settings.handoff_claim_timeout_s
                ),
                name="chat-unclaimed-handoffs",
            )
        if "*" in settings.chat_allowed_origins:
            log.warning(
                "chat accepts connections from every website (FRONTDESK_CHAT_ALLOWED_ORIGINS has '*'):"
                " any page, a look-alike of the clinic's included, can embed this chat",
                public_origin=settings.public_origin,
            )
        return service

    @property
    def connections(self) -> int:
        return sum(self._open.values())

    def open_connections(self, ip: str) -> int:
        return self._open.get(ip, 0)

    @contextmanager
    def connection_from(self, ip: str) -> Iterator[None]:
        """Count one open connection of `ip` for as long as the block runs."""
        self._open[ip] = self._open.get(ip, 0) + 1
        try:
            yield
        finally:
            left = self._open[ip] - 1
            if left:
                self._open[ip] = left
            else:
                del self._open[ip]

    def stock_phrases(self) -> list[str]:
        return []  # chat has no audio to prepare

    async def stop(self) -> None:
        sweepers = [t for t in (self._sweeper, self._unclaimed) if t is not None]
        for task in sweepers:
            task.cancel()
        await asyncio.gather(*sweepers, return_exceptions=True)
        await self.hub.stop()


def waiting_detail(settings: Settings) -> Callable[[], str | None]:
    """What a visitor waiting for a person is told, when the handoff is made: the wait is bounded
    by the claim timeout, and out of the business hours it says when we open."""
    from agents.offline.hours import OpeningHours
    from agents.staff_hours import StaffHours

    zone = ZoneInfo(settings.timezone)
    hours = StaffHours(OpeningHours.parse(settings.business_hours), lambda: datetime.now(zone))
    timeout = settings.handoff_claim_timeout_s
    minutes = max(1, round(timeout / 60))
    within = f"{minutes} minute{'s' if minutes > 1 else ''}"

    def detail() -> str | None:
        closed = hours.closed_now()
        if closed is not None:
            then = f"If nobody answers within {within}, you can leave a message." if timeout > 0 else ""
            return f"{closed} {then}".strip()
        return f"A person usually answers within {within}." if timeout > 0 else None

    return detail


def chat_service(services: Services) -> ChatService:
    """This process's chat edge (`create_app` starts it with the services)."""
    chat = services.edge(ChatService)
    if chat is None:
        raise LookupError("this process does not serve the chat channel")
    return chat
